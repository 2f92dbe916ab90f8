/**
 * SIGINT/SIGTERM held for a session from its first line of code: a signal that arrives while
 * the sources start (or their first status lines are printed) ends the session cleanly, with its
 * exit code, instead of killing Node by the default action (no terminal restore, no 130).
 */
export interface SignalTrap {
  /** The first signal received, or null. */
  readonly signal: () => NodeJS.Signals | null;
  /** Resolves on the first signal, or when `wake` is called. */
  readonly stopped: Promise<void>;
  wake(): void;
  /** What a signal also does once the session is running (stop the screen); run at once when one came already. */
  onSignal(fn: () => void): void;
  /** Removes the handlers (idempotent). */
  release(): void;
}

export function trapSignals(proc: Pick<NodeJS.Process, 'on' | 'off'> = process): SignalTrap {
  let got: NodeJS.Signals | null = null;
  let extra: (() => void) | null = null;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((r) => (wake = r));
  const handler = (signal: NodeJS.Signals): void => {
    got ??= signal;
    extra?.();
    wake();
  };
  // `on`, not `once`, until the session is over: ink's signal-exit re-raises a signal (and the
  // process dies on the spot, still in the alternate screen) when its handler is the only one left.
  proc.on('SIGINT', handler);
  proc.on('SIGTERM', handler);
  return {
    signal: () => got,
    stopped,
    wake: () => wake(),
    onSignal(fn) {
      extra = fn;
      if (got !== null) fn();
    },
    release() {
      proc.off('SIGINT', handler);
      proc.off('SIGTERM', handler);
    },
  };
}
