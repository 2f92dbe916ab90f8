/** A CliIo whose streams are captured in memory, to run a command in-process. */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(cwd = process.cwd()): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: '1' },
    cwd,
    now: () => Date.now(),
    out: () => out,
    err: () => err,
  };
}
