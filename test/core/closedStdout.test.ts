/**
 * `restartdoctor … | head -1`: the reader of stdout goes away (EPIPE). The exit code is still the
 * run's (1: an incident was found), so a script sees what was found; no stack trace on stderr.
 * The built binary is spawned as a user runs it, with stdout a real pipe whose read end is closed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, REPO, STACK_FRAME } from './helpers.js';

const RACE = path.join(REPO, 'fixtures/incidents/restart-race');
const POSTMORTEM = ['--log', `${RACE}/error.log`, '--events', `${RACE}/docker-events.jsonl`, '--containers', `${RACE}/inspect.json`];

interface Closed {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string;
  stderr: string;
}

/**
 * Runs the CLI with stdout a pipe; `closeAfterFirstLine` false closes the read end before the
 * CLI has written anything (every write fails with EPIPE), true after the first line arrived.
 */
function runWithClosedStdout(args: string[], closeAfterFirstLine: boolean): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, [...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', RESTARTDOCTOR_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    if (closeAfterFirstLine) {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) child.stdout.destroy();
      });
    } else {
      child.stdout.destroy();
    }
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, firstLine: out.split('\n')[0] ?? '', stderr });
    });
  });
}

describe('a closed stdout keeps the exit code (spawned binary)', () => {
  const runs: Record<string, Promise<Closed>> = {};
  beforeAll(() => {
    ensureBuilt();
    // Started together: Node needs about a second to start on a loaded machine.
    runs.text = runWithClosedStdout(POSTMORTEM, false);
    runs.json = runWithClosedStdout([...POSTMORTEM, '--json'], false);
    runs.head = runWithClosedStdout(POSTMORTEM, true);
    runs.replay = runWithClosedStdout(['--replay', RACE, '--speed', '1000', '--no-tui'], false);
  });

  it('postmortem text report into a closed pipe: exit 1, no stack trace, nothing on stderr', async () => {
    const r = await runs.text!;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toBe('');
  });

  it('--json into a closed pipe: exit 1', async () => {
    const r = await runs.json!;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  it('`| head -1`: the first line arrives, then the pipe closes; exit 1', async () => {
    const r = await runs.head!;
    expect(r.firstLine).toMatch(/^restartdoctor .* 1 incident found/);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('lines mode (replay, --no-tui) into a closed pipe ends with the incident exit code', async () => {
    const r = await runs.replay!;
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
