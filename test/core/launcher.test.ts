/**
 * bin/restartdoctor.js is the installed command: it runs the CLI in its own process (start-up as
 * `node dist/src/cli/main.js`), and for a run the heap flags of src/cli/nodeFlags.ts matter to (a
 * big or unsized log, a live session) starts Node again with them on the built CLI (Node takes heap
 * sizes only at start-up, so a flag lost there would silently bring back a peak memory that grows
 * with the log), sharing stdio, passing on the signals it gets and the CLI's exit.
 * Run here as the kernel runs it: by its `#!` line.
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

  it('--version, help and a postmortem of a small file run in one Node, without the flags', async () => {
    const F = path.join(REPO, 'fixtures/incidents/restart-race');
    const runs: [string[], RegExp][] = [
      [['--version'], /^restartdoctor \d+\.\d+\.\d+\n$/],
      [['help'], /^restartdoctor — /],
      [['--log', `${F}/error.log`, '--events', `${F}/docker-events.jsonl`, '--containers', `${F}/inspect.json`, '--tz', 'UTC'], /restart race/i],
    ];
    for (const [args, out] of runs) {
      const p = processProbe();
      const { stdout } = await run(CLI, args, { env: p.env }).catch((e: { code: number; stdout: string }) => {
        expect(e.code, args.join(' ')).toBe(EXIT.found);
        return e;
      });
      expect(stdout, args.join(' ')).toMatch(out);
      const seen = p.seen();
      expect(seen, args.join(' ')).toHaveLength(1);
      expect(seen[0]!.argv[1]).toBe(CLI);
      expect(seen[0]!.execArgv).not.toContain(NODE_FLAGS[0]);
    }
  });

  it('a log piped on stdin (size unknown): the CLI runs in a second Node whose process.execArgv has the flags', async () => {
    const p = processProbe();
    const log = readFileSync(path.join(REPO, 'fixtures/incidents/restart-race/error.log'));
    const child = spawn(CLI, ['--tz', 'UTC'], { env: p.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stdin.end(log);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(EXIT.found);
    expect(stdout).toMatch(/502|refused/);
    const seen = p.seen();
    const cli = seen.filter(isCli);
    expect(cli, JSON.stringify(seen)).toHaveLength(1);
    expect(cli[0]!.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    // Its parent is the launcher, which itself ran without them.
    const launcher = seen.find((s) => s.pid === cli[0]!.ppid);
    expect(launcher?.argv[1]).toBe(CLI);
    expect(launcher?.execArgv).not.toContain(NODE_FLAGS[0]);
  });

  it('the flags take effect: the relaunched CLI\'s young generation stays at 1 MB semispaces where the plain one grows', async () => {
    // A preload that reports, at exit, the size of the process's new space (both semispaces).
    const probe = path.join(dir, 'newspace.mjs');
    writeFileSync(
      probe,
      `import v8 from 'node:v8';\nimport { appendFileSync } from 'node:fs';\nimport { isMainThread } from 'node:worker_threads';\n` +
        `if (isMainThread) process.on('exit', () => appendFileSync(process.env.SEEN_OUT, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size + '\\n'));\n`,
    );
    // 20,000 lines of upstream failures: enough survivors for V8 to grow the young generation.
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const t = new Date(Date.UTC(2024, 0, 15, 3, 0, 0) + i * 50);
      const stamp = t.toISOString().slice(0, 19).replace('T', ' ').replaceAll('-', '/');
      lines.push(`${stamp} [error] 7#7: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.${i % 200}, server: _, request: "GET /r${i} HTTP/1.1", upstream: "http://10.1.${i % 7}.2:8080/r${i}", host: "h${i % 50}"`);
    }
    const input = lines.join('\n') + '\n';
    const newSpace = async (command: string, args: string[]): Promise<number[]> => {
      const out = path.join(dir, `newspace-${Math.random().toString(36).slice(2)}`);
      const child = spawn(command, args, { env: { ...process.env, SEEN_OUT: out, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` }, stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.end(input);
      await new Promise((r) => child.on('exit', r));
      return readFileSync(out, 'utf8').trim().split('\n').map(Number);
    };
    const MB = 1024 * 1024;
    // Plain `node dist/src/cli/main.js` (the control: without this the check below could not fail).
    const [plain] = await newSpace(process.execPath, [path.join(REPO, 'dist/src/cli/main.js'), '--tz', 'UTC']);
    expect(plain).toBeGreaterThan(4 * MB);
    // The installed command: launcher and CLI each report; the CLI's stays at 2 × 1 MB.
    const viaBin = await newSpace(CLI, ['--tz', 'UTC']);
    expect(viaBin).toHaveLength(2);
    expect(Math.min(...viaBin)).toBeLessThanOrEqual(2 * MB);
  }, 60_000);

  it('a big log file: the second Node starts on readerFirst.js (its reader thread starts before the CLI loads) and reports what one Node does', async () => {
    // 64 MB of a busy host's lines: a burst of refusals among the noise, past the reader thread's threshold.
    const log = path.join(dir, 'big.log');
    const noise = '2024/01/15 03:00:00 [error] 7#7: *1 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 10.0.0.1, server: _, request: "GET /favicon.ico HTTP/1.1", host: "h"\n';
    const refused = (s: number) => `2024/01/15 03:00:${String(s).padStart(2, '0')} [error] 7#7: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.2, server: _, request: "GET / HTTP/1.1", upstream: "http://10.1.0.2:8080/", host: "h"\n`;
    const block = noise.repeat(Math.ceil((1024 * 1024) / noise.length));
    writeFileSync(log, block.repeat(64) + [1, 1, 2, 2, 3].map(refused).join(''));
    const p = processProbe();
    const viaBin = await run(CLI, ['--log', log, '--tz', 'UTC', '--json'], { env: p.env, maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: number; stdout: string }) => e);
    const oneNode = await run(process.execPath, [path.join(REPO, 'dist/src/cli/main.js'), '--log', log, '--tz', 'UTC', '--json'], { maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: number; stdout: string }) => e);
    expect(viaBin.code).toBe(EXIT.found);
    const doc = (out: string) => ({ ...(JSON.parse(out) as Record<string, unknown>), generatedAt: null });
    expect(doc(viaBin.stdout)).toEqual(doc(oneNode.stdout));
    expect((doc(viaBin.stdout).incidents as unknown[]).length).toBe(1);
    const seen = p.seen();
    const second = seen.filter((s) => s.argv[1] === path.join(REPO, 'dist/src/cli/readerFirst.js'));
    expect(second, JSON.stringify(seen)).toHaveLength(1);
    expect(second[0]!.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    expect(seen.find((s) => s.pid === second[0]!.ppid)?.argv[1]).toBe(CLI);
    rmSync(log);
  }, 60_000);

  it('started with the flags already, runs the CLI in the same process (no second Node)', async () => {
    const p = processProbe();
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, '--tz', 'UTC'], { env: p.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end('');
    await new Promise((r) => child.on('exit', r));
    expect(p.seen()).toHaveLength(1);
  });

  it('passes arguments with spaces and quotes through as one argument each, and the exit code back', async () => {
    const p = processProbe();
    // Read from a pipe (relaunched); the patterns folder is looked at by the relaunched CLI only.
    const args = ['--tz', 'UTC', '--patterns', path.join(dir, 'no such "$HOME" it\'s dir')];
    const bad = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(CLI, args, { env: p.env, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdin.on('error', () => undefined); // the CLI stops before reading it
      child.stdin.end(readFileSync(path.join(REPO, 'fixtures/incidents/restart-race/error.log')));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^restartdoctor: .*no such "\$HOME" it's dir/);
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
