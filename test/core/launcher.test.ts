/**
 * bin/restartdoctor.js is the installed command: it starts Node again with the heap flags of
 * src/cli/nodeFlags.ts on the built CLI (Node takes heap sizes only at start-up, so a flag lost
 * here would silently bring back a peak memory that grows with the log), shares stdio, passes on
 * the signals it gets and the CLI's exit. Run here as the kernel runs it: by its `#!` line.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/cli/nodeFlags.js';
import { EXIT } from '../../src/util/exitCodes.js';
import { CLI, REPO } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'rd-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ProcessSeen {
  pid: number;
  ppid: number;
  argv: string[];
  execArgv: string[];
}

/**
 * A preload (NODE_OPTIONS, so every Node process of the run loads it) that appends what each
 * process was started with, once it is running, and a marker file the CLI's process touches.
 */
function processProbe(): { env: NodeJS.ProcessEnv; seen: () => ProcessSeen[] } {
  const out = path.join(dir, `seen-${Math.random().toString(36).slice(2)}.jsonl`);
  const probe = path.join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    `import { appendFileSync } from 'node:fs';\n` +
      `appendFileSync(process.env.SEEN_OUT, JSON.stringify({ pid: process.pid, ppid: process.ppid, argv: process.argv, execArgv: process.execArgv }) + '\\n');\n`,
  );
  return {
    env: { ...process.env, SEEN_OUT: out, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
    seen: () => {
      try {
        return readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProcessSeen);
      } catch {
        return [];
      }
    },
  };
}

const isCli = (p: ProcessSeen): boolean => p.argv[1] === path.join(REPO, 'dist/src/cli/main.js');

describe('bin/restartdoctor.js, the installed command', () => {
  it('is what package.json installs, executable, with a `#!/usr/bin/env node` line (npm makes its shims from it)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(path.resolve(REPO, pkg.bin.restartdoctor!)).toBe(CLI);
    expect(pkg.files).toContain('bin');
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
    // The built CLI has no launcher line of its own any more.
    expect(readFileSync(path.join(REPO, 'dist/src/cli/main.js'), 'utf8').startsWith('#!')).toBe(false);
  });

  it('runs the CLI in a child Node whose process.execArgv has the flags', async () => {
    const p = processProbe();
    const { stdout } = await run(CLI, ['--version'], { env: p.env });
    expect(stdout).toMatch(/^restartdoctor \d+\.\d+\.\d+\n$/);
    const seen = p.seen();
    const cli = seen.filter(isCli);
    expect(cli, JSON.stringify(seen)).toHaveLength(1);
    expect(cli[0]!.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    // Its parent is the launcher, which itself ran without them.
    const launcher = seen.find((s) => s.pid === cli[0]!.ppid);
    expect(launcher?.argv[1]).toBe(CLI);
    expect(launcher?.execArgv).not.toContain(NODE_FLAGS[0]);
  });

  it('started with the flags already, runs the CLI in the same process (no second Node)', async () => {
    const p = processProbe();
    const { stdout } = await run(process.execPath, [...NODE_FLAGS, CLI, '--version'], { env: p.env });
    expect(stdout).toMatch(/^restartdoctor \d+\.\d+\.\d+\n$/);
    expect(p.seen()).toHaveLength(1);
  });

  it('passes arguments with spaces and quotes through as one argument each, and the exit code back', async () => {
    const p = processProbe();
    const args = ['--tz', 'Not/A "Zone" it\'s', '--log', path.join(dir, 'no such $HOME file.log')];
    const bad = await run(CLI, args, { env: p.env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^restartdoctor: .*\n/);
    expect(p.seen().find(isCli)?.argv.slice(2)).toEqual(args);
  });

  it('passes SIGTERM on to the CLI and ends with its exit code (143 from a follow session)', async () => {
    const p = processProbe();
    const log = path.join(dir, 'follow.log');
    writeFileSync(log, '');
    const child = spawn(CLI, ['--follow', '--log', log, '--no-tui', '--docker', `unix://${path.join(dir, 'no-docker.sock')}`], {
      env: { ...p.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    // The CLI's process is up and following (its status line names the log) before the signal.
    await waitFor(() => p.seen().some(isCli) && stderr.includes(log), Boolean, { what: 'the CLI to follow the log', timeoutMs: 30_000 });
    const cliPid = p.seen().find(isCli)!.pid;
    child.kill('SIGTERM'); // to the launcher only
    expect(await exited).toEqual({ code: EXIT.terminated, signal: null });
    // The CLI's own process is gone too: nothing is left behind.
    expect(() => process.kill(cliPid, 0)).toThrow();
  }, 60_000);

  it('a CLI killed by a signal it does not handle: the launcher ends by the same signal', async () => {
    const p = processProbe();
    const child = spawn(CLI, ['--log', '-', '--tz', 'UTC'], { env: p.env, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    await waitFor(() => p.seen().some(isCli), Boolean, { what: 'the CLI to start', timeoutMs: 30_000 });
    process.kill(p.seen().find(isCli)!.pid, 'SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    child.stdin.destroy();
  }, 60_000);
});
