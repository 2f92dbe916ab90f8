/**
 * A SIGINT that arrives while live mode is still starting its sources (the first status line is
 * on stderr, nothing else has happened yet) ends the session as interrupted: exit 130, never the
 * default action's death by signal. The handlers used to be set only after the sources started
 * and printed their first lines, so a Ctrl-C in those milliseconds killed Node outright.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { ensureBuilt, tempDir } from './helpers.js';

const RUNS = 10;

let t: ReturnType<typeof tempDir>;
let log: string;

beforeAll(() => {
  ensureBuilt();
  t = tempDir();
  log = t.file('error.log', '2024/01/15 03:12:40 [notice] 1#1: signal process started\n');
});

afterAll(() => t?.cleanup());

/** Starts lines-mode live on a socket that does not exist and sends SIGINT on its first stderr byte. */
function interruptAtFirstByte(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ['--follow', '--log', log, '--no-tui'], {
      env: { ...process.env, DOCKER_HOST: 'unix:///tmp/rd-h15m-no-such.sock', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('live mode and an early SIGINT', () => {
  it(`a SIGINT on the first stderr byte ends with 130, not by the signal (${RUNS} runs)`, async () => {
    const results = [];
    for (let i = 0; i < RUNS; i++) results.push(await interruptAtFirstByte());
    for (const r of results) {
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  }, 120_000);
});
