/**
 * Starts Node again on the CLI with the heap flags (nodeFlags.ts says when and why), sharing stdio,
 * passing on the signals this process gets, and ending as the CLI ended: its exit code, or the
 * signal that killed it (so a shell sees 128 + n).
 */
import { spawn } from 'node:child_process';
import { fstatSync, statSync } from 'node:fs';
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

/** heapFlagsMatter for the options of this run, its files looked at on disk. */
export function needsHeapFlags(o: MainOptions): boolean {
  let files: string[];
  try {
    files = expandLogArgs(o.logs);
  } catch {
    return false; // a pattern that matches nothing: the CLI says so, here
  }
  return heapFlagsMatter(o, files, logSize);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `node NODE_FLAGS entry argv…` to its end; resolves with its exit code (ends this process by its signal). */
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
