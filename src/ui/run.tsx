/**
 * Starts the full-screen UI on a terminal and resolves when the user quits, with the terminal
 * restored (alternate screen left, cursor shown, raw mode off). Keys come from stdin when it is
 * a TTY, else from /dev/tty (a log piped in is data, not keys); with neither, the screen still
 * draws and Ctrl-C ends it through the caller's SIGINT handling.
 */
import fs from 'node:fs';
import tty from 'node:tty';
import { render } from 'ink';
import { App, type AppActions, type SnapshotFeed } from './App.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
// Leave the alternate screen and show the cursor (ink shows it on unmount too; a second time is harmless).
const LEAVE_ALT_SCREEN = '\x1b[?1049l\x1b[?25h';

export interface RunTuiOptions {
  feed: SnapshotFeed;
  actions: AppActions;
  color: boolean;
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  /** Redraws per second at most (snapshots are coalesced before this anyway). */
  maxFps?: number;
}

export interface TuiHandle {
  /** Resolves once the UI is gone and the terminal restored. */
  done: Promise<void>;
  /** Ends the UI from outside (SIGINT, SIGTERM). */
  stop(): void;
}

/** A readable TTY for keys: stdin itself, or /dev/tty when stdin is a pipe; null when none. */
function keyInput(stdin: NodeJS.ReadStream): { stream: NodeJS.ReadStream; owned: boolean } | null {
  if (stdin.isTTY) return { stream: stdin, owned: false };
  try {
    const fd = fs.openSync('/dev/tty', 'r');
    return { stream: new tty.ReadStream(fd) as NodeJS.ReadStream, owned: true };
  } catch {
    return null;
  }
}

export function runTui(opts: RunTuiOptions): TuiHandle {
  const keys = keyInput(opts.stdin);
  // Without a TTY to read keys from, hand ink a stdin it sees as non-TTY: it then never tries raw mode.
  const stdin = keys?.stream ?? opts.stdin;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    opts.stdout.write(LEAVE_ALT_SCREEN);
  };
  process.once('exit', restore);
  opts.stdout.write(ENTER_ALT_SCREEN);
  const instance = render(<App feed={opts.feed} actions={opts.actions} color={opts.color} />, {
    stdout: opts.stdout,
    stdin,
    stderr: opts.stderr,
    exitOnCtrlC: false, // q and Ctrl-C go through the keymap, so quitting has one path
    patchConsole: true,
    maxFps: opts.maxFps ?? 10,
  });
  const done = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  ).finally(() => {
    instance.cleanup();
    restore();
    process.off('exit', restore);
    if (keys?.owned) keys.stream.destroy();
  });
  return {
    done,
    // Restored at once, not when `done` settles: after a signal the process may not get that far.
    // unmount() draws ink's last frame, shows the cursor and leaves raw mode synchronously.
    stop: () => {
      instance.unmount();
      restore();
    },
  };
}
