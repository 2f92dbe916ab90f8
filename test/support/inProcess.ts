/**
 * The CLI in process: `main(argv, io)` with in-memory streams, an injected env, cwd and clock
 * (the seam the CLI is built around). Same code path as the binary, minus Node's start-up.
 */
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliResult } from './cli.js';

export interface InProcessRun {
  cwd: string;
  /** Added to { TZ: 'UTC', NO_COLOR: '1' }. */
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  now: () => number;
}

export async function runMain(args: string[], o: InProcessRun): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const code = await main(args, {
    stdin: Object.assign(Readable.from(o.stdin === undefined ? [] : [Buffer.from(o.stdin)]), { isTTY: false }),
    stdout: Object.assign(sink((x) => (stdout += x)), { isTTY: false }),
    stderr: Object.assign(sink((x) => (stderr += x)), { isTTY: false }),
    env: { TZ: 'UTC', NO_COLOR: '1', ...o.env },
    cwd: o.cwd,
    now: o.now,
  });
  return { code, stdout, stderr };
}
