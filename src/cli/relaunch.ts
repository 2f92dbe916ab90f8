/**
 * Starts Node again on the CLI with the heap flags (nodeFlags.ts says when and why), sharing stdio,
 * passing on the signals this process gets, and ending as the CLI ended: its exit code, or the
 * signal that killed it (so a shell sees 128 + n).
 */
import { spawn } from 'node:child_process';
import { fstatSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readOnThread } from '../scan/readerThread.js';
import { sniffFile } from '../sources/compression.js';
import { expandLogArgs } from '../sources/logSet.js';
import { EXIT } from '../util/exitCodes.js';
import type { MainOptions } from './mainOptions.js';
import { heapFlagsMatter, NODE_FLAGS, type LogSize } from './nodeFlags.js';

/** A log's size as heapFlagsMatter counts it; a missing file is 0 (the CLI reports it in this process). */
function logSize(file: string): LogSize {
  try {
    const st = file === '-' ? fstatSync(0) : statSync(file);
    if (!st.isFile()) return null;
    return { bytes: st.size, compressed: file !== '-' && st.size > 0 && sniffFile(file) !== null };
  } catch {
    return { bytes: 0, compressed: false };
  }
}

/**
 * The module to start Node again on with the heap flags, or null when they do not matter to this
 * run (heapFlagsMatter, its files looked at on disk once): the CLI, or for a postmortem whose
 * first log gets a reader thread (analyze.ts), readerFirst.ts, which starts that thread before it
 * loads the CLI.
 */
export function relaunchEntry(o: MainOptions): string | null {
  let files: string[];
  try {
    files = expandLogArgs(o.logs);
  } catch {
    return null; // a pattern that matches nothing: the CLI says so, in this process
  }
  const sizes = new Map<string, LogSize>();
  const sizeOf = (file: string): LogSize => {
    if (!sizes.has(file)) sizes.set(file, logSize(file));
    return sizes.get(file)!;
  };
  if (!heapFlagsMatter(o, files, sizeOf)) return null;
  const first = firstLogOfPostmortem(o, files);
  const size = first !== undefined ? sizeOf(first) : null;
  const module = first !== undefined && size !== null && readOnThread(first, size.bytes) ? './readerFirst.js' : './main.js';
  return fileURLToPath(new URL(module, import.meta.url));
}

/** The log a postmortem reads first from disk (`files`: its logs, expanded), which may get a reader thread (analyze.ts); undefined for any other run. */
export function firstLogOfPostmortem(o: MainOptions, files: readonly string[]): string | undefined {
  return o.mode === 'postmortem' && o.nginxContainer === null ? files[0] : undefined;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `node NODE_FLAGS entry argv…` (relaunchEntry) to its end; resolves with its exit code (ends this process by its signal). */
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
