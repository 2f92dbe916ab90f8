import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/**
 * Everything a command touches of its process, injected so tests pass their own streams,
 * environment and clock instead of production code asking "am I under test".
 */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
  };
}

/** A subcommand: parses its own argv (after the subcommand name) and returns an exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/**
 * Writes `parts` in turn, waiting whenever the stream's buffer is full: to a pipe Node queues
 * what the reader has not taken yet, so a big report written at once would sit in memory twice.
 * A reader that went away (`| head -1`: EPIPE, the stream destroyed) ends the writing quietly:
 * the report is cut where the reader wanted it cut, and the caller's exit code still stands.
 */
export async function writeParts(out: Writable, parts: Iterable<string>): Promise<void> {
  for (const part of parts) {
    if (out.destroyed) return;
    if (out.write(part)) continue;
    // 'drain' never comes to a destroyed stream: wait for whichever of the two happens, then take
    // the other's listeners off (left on, every full buffer of a big report to a pipe added two,
    // and Node warned of a listener leak on stderr after ten).
    const settled = new AbortController();
    const drained = once(out, 'drain', { signal: settled.signal }).then(() => true, () => false);
    const closed = once(out, 'close', { signal: settled.signal }).then(() => false, () => false);
    const goOn = await Promise.race([drained, closed]);
    settled.abort();
    if (!goOn) return;
  }
}

/** Colour is decided once, for every command: a terminal, and neither --no-color, NO_COLOR nor TERM=dumb. */
export function wantsColor(noColorFlag: boolean, io: Pick<CliIo, 'env' | 'stdout'>): boolean {
  const noColor = noColorFlag || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.env.TERM === 'dumb';
  return !noColor && io.stdout.isTTY === true;
}
