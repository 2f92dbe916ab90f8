/**
 * Gives a run the heap its length needs (nodeFlags.ts says why). A postmortem runs in this process,
 * whose heap the installed command holds small (util/heapHold.ts): starting Node again would cost
 * it a second start. A live session or a replay, which lasts, starts Node again on the CLI with the
 * flags, sharing stdio, passing on the signals this process gets, and ending as the CLI ended: its
 * exit code, or the signal that killed it (so a shell sees 128 + n).
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readerThreadUp, readOnThread, startReaderThread } from '../scan/readerThread.js';
import { expandLogArgs } from '../sources/logSet.js';
import { EXIT } from '../util/exitCodes.js';
import type { MainOptions } from './mainOptions.js';
import { NODE_FLAGS } from './nodeFlags.js';

/**
 * Readies the installed command's process for run `o`. A postmortem whose first log gets a reader
 * thread (analyze.ts, a big file): starts that thread and its read now, so that it scans while this
 * thread loads the rest of the CLI (~0.15 s of modules, zod's among them), once the thread runs
 * (readerThreadUp: until then this thread's young generation could grow). Until then this thread
 * reads the events file, if there is one (readEventsEarly: it allocates little that lives, so
 * the young generation grows once at most, to 2 MB semispaces). Returns the module to start Node
 * again on with the flags (relaunchWithNodeFlags) for a live session or a replay, else null.
 */
export async function prepareHeap(o: MainOptions): Promise<string | null> {
  if (o.mode !== 'postmortem') return fileURLToPath(new URL('./main.js', import.meta.url));
  const first = firstLogFile(o);
  if (first !== undefined && readOnThread(first, sizeOf(first))) {
    // Loaded before the thread starts: from then until it runs, this thread allocates next to nothing.
    const [{ startReadingEarly }, { readEventsEarly }] = await Promise.all([import('../scan/screenedFile.js'), import('../sources/eventsFile.js')]);
    startReaderThread();
    startReadingEarly(first, { tz: o.tz, since: o.since, until: o.until });
    // This thread has nothing else to do until then: it reads the events file meanwhile.
    if (o.events !== null) await readEventsEarly(o.events, readerThreadUp());
    else await readerThreadUp();
  }
  return null;
}

/** The log file a postmortem reads first (none through the Docker API, or for a pattern that matches nothing: the CLI says so). */
function firstLogFile(o: MainOptions): string | undefined {
  if (o.nginxContainer !== null) return undefined;
  try {
    return expandLogArgs(o.logs)[0];
  } catch {
    return undefined;
  }
}

/** Bytes of a file on disk; 0 when it cannot be read (the CLI reports that itself). */
function sizeOf(file: string): number {
  try {
    return file === '-' ? 0 : statSync(file).size;
  } catch {
    return 0;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `node NODE_FLAGS entry argv…` (prepareHeap) to its end; resolves with its exit code (ends this process by its signal). */
export function relaunchWithNodeFlags(entry: string, argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, ...process.execArgv, entry, ...argv], { stdio: 'inherit' });
    // A signal sent to this process (SIGTERM from a supervisor, kill -INT) reaches the CLI, which
    // restores the terminal and ends with 130/143. Ctrl-C in a terminal reaches both already; the
    // CLI's handlers take a repeat as the same request.
    const forward = (signal: NodeJS.Signals): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of SIGNALS) process.on(signal, forward);
    child.on('error', (err: NodeJS.ErrnoException) => {
      for (const s of SIGNALS) process.off(s, forward);
      process.stderr.write(`restartdoctor: cannot start ${process.execPath} (${err.code ?? err.message})\n`);
      resolve(EXIT.usage);
    });
    child.on('exit', (code, signal) => {
      for (const s of SIGNALS) process.off(s, forward);
      // Ended by a signal it did not handle: end the same way.
      if (signal !== null) process.kill(process.pid, signal);
      else resolve(code ?? EXIT.usage);
    });
  });
}
