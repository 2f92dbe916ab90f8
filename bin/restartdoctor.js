#!/usr/bin/env node
/**
 * The `restartdoctor` command (package.json "bin"; npm's shims run it with Node on every platform).
 * Node takes V8 heap sizes only at start-up (why these: src/cli/nodeFlags.ts), so this starts Node
 * again on the CLI module with them, sharing stdio, passing on the signals it gets and the child's
 * exit (code or signal). Started with the flags already (`node --max-semi-space-size=1 … bin/…`),
 * it runs the CLI in this process instead.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../dist/src/cli/nodeFlags.js';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);

if (NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const { runAsProgram } = await import(cli.href);
  runAsProgram(process.argv.slice(2));
} else {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...process.execArgv, fileURLToPath(cli), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A signal sent to this process (SIGTERM from a supervisor, kill -INT) reaches the CLI, which
  // restores the terminal and ends with 130/143. Ctrl-C in a terminal reaches both already; the
  // CLI's handlers take a repeat as the same request.
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`restartdoctor: cannot start ${process.execPath} (${err.code ?? err.message})\n`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    for (const s of SIGNALS) process.off(s, forward);
    // Ended by a signal it did not handle: end the same way, so a shell sees 128 + n.
    if (signal !== null) process.kill(process.pid, signal);
    else process.exitCode = code ?? 2;
  });
}
