/**
 * The one render helper for UI tests: a fake terminal of a fixed size (80×24 unless asked),
 * resizable, with a TTY-like stdin that takes key sequences.
 */
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type { ReactElement } from 'react';

class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(public columns: number, public rows: number) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string => this.frames.at(-1) ?? '';
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeStdin extends EventEmitter {
  private queue: string[] = [];
  rawMode = false;
  constructor(public isTTY = true) {
    super();
  }
  write(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
  read = (): string | null => this.queue.shift() ?? null;
  setEncoding(): void {}
  setRawMode(on: boolean): void {
    if (!this.isTTY) throw new Error('setRawMode on a non-TTY stdin');
    this.rawMode = on;
  }
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r', tab: '\t', escape: '\x1b', backspace: '\x7f', ctrlC: '\x03' } as const;

export function renderScreen(tree: ReactElement, { cols = 80, rows = 24, tty = true } = {}) {
  const stdout = new FakeStdout(cols, rows);
  const stdin = new FakeStdin(tty);
  const stderr = new FakeStdout(cols, rows);
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return { ...instance, stdout, stdin, lastFrame: stdout.lastFrame, press: (k: string) => stdin.write(k) };
}

/** Frame text without colour/style sequences (for comparisons and snapshots). */
export function plain(frame: string): string {
  // eslint-disable-next-line no-control-regex
  return frame.replace(/\x1b\[[0-9;]*m/g, '');
}

export async function waitForFrame(get: () => string, ok: (frame: string) => boolean, what = 'frame'): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const f = plain(get());
    if (ok(f)) return f;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
