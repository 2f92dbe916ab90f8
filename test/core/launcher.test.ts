/**
 * bin/restartdoctor.js is the installed command: it runs the CLI in its own process (the build's
 * bundle of it, dist/bundle/main.js, else `node dist/src/cli/main.js`) with its heap held small
 * (src/util/heapHold.ts: a hold lost would silently bring back a peak memory that grows with the
 * log), and for a live session or a replay starts Node again with the heap flags of
 * src/cli/nodeFlags.ts on the built CLI, sharing stdio, passing on the signals it gets and the
 * CLI's exit. Run here as the kernel runs it: by its `#!` line.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliModules } from '../../bin/cliEntry.js';
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
 * A preload (NODE_OPTIONS, so every Node process and thread of the run loads it) that appends what
 * each process was started with once it is running, a mark for each thread that ran, and at a
 * process's exit its main thread's new space (both semispaces: 2 MB is 1 MB semispaces).
 */
function processProbe(): { env: NodeJS.ProcessEnv; seen: () => ProcessSeen[]; threads: () => number; newSpaces: () => number[] } {
  const out = path.join(dir, `seen-${Math.random().toString(36).slice(2)}.jsonl`);
  const probe = path.join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    `import v8 from 'node:v8';\nimport { appendFileSync } from 'node:fs';\nimport { isMainThread } from 'node:worker_threads';\n` +
      `const out = (o) => appendFileSync(process.env.SEEN_OUT, JSON.stringify(o) + '\\n');\n` +
      `if (isMainThread) out({ pid: process.pid, ppid: process.ppid, argv: process.argv, execArgv: process.execArgv });\n` +
      `out({ thread: true });\n` +
      `if (isMainThread) process.on('exit', () => out({ newSpace: v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size }));\n`,
  );
  const entries = (): Record<string, unknown>[] => {
    try {
      return readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  return {
    env: { ...process.env, SEEN_OUT: out, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
    seen: () => entries().filter((o) => 'pid' in o) as unknown as ProcessSeen[],
    threads: () => entries().filter((o) => 'thread' in o).length,
    newSpaces: () => entries().filter((o) => 'newSpace' in o).map((o) => o.newSpace as number),
  };
}

/** The CLI relaunched with the flags: the build's bundle (scripts/bundle.mjs), which the installed command runs after `npm run build`. */
const isCli = (p: ProcessSeen): boolean => p.argv[1] === path.join(REPO, 'dist/bundle/main.js');

/** Runs `command args` (stdin: `input`, else none) under processProbe, to its end. */
async function newSpace(command: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; processes: ProcessSeen[]; mainThreads: number[]; threads: number }> {
  const p = processProbe();
  const child = spawn(command, args, { env: p.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stdin?.end(input);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, stdout, processes: p.seen(), mainThreads: p.newSpaces(), threads: p.threads() };
}

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

  it('runs the build\'s bundle of the CLI (scripts/bundle.mjs), not an older one a build by tsc alone leaves behind', () => {
    const root = (p: string) => pathToFileURL(path.join(REPO, p)).href;
    expect(cliModules(pathToFileURL(`${REPO}/`))).toEqual({ main: root('dist/bundle/main.js'), heapHold: root('dist/bundle/heapHold.js'), compileBudget: root('dist/bundle/compileBudget.js') });
    const built = mkdtempSync(path.join(tmpdir(), 'rd-entry-'));
    try {
      const at = pathToFileURL(`${built}/`);
      const file = (p: string) => {
        mkdirSync(path.dirname(path.join(built, p)), { recursive: true });
        writeFileSync(path.join(built, p), '');
      };
      const modules = { main: `${at.href}dist/src/cli/main.js`, heapHold: `${at.href}dist/src/util/heapHold.js`, compileBudget: `${at.href}dist/src/util/compileBudget.js` };
      file('dist/src/cli/main.js');
      expect(cliModules(at)).toEqual(modules);
      file('dist/bundle/main.js');
      utimesSync(path.join(built, 'dist/bundle/main.js'), 1_000, 1_000);
      expect(cliModules(at)).toEqual(modules);
      utimesSync(path.join(built, 'dist/bundle/main.js'), new Date(), new Date());
      expect(cliModules(at).main).toBe(`${at.href}dist/bundle/main.js`);
      expect(cliModules(at).heapHold).toBe(`${at.href}dist/bundle/heapHold.js`);
    } finally {
      rmSync(built, { recursive: true, force: true });
    }
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
      const { stdout, stderr } = await run(CLI, args, { env: p.env }).catch((e: { code: number; stdout: string; stderr: string }) => {
        expect(e.code, args.join(' ')).toBe(EXIT.found);
        return e;
      });
      expect(stdout, args.join(' ')).toMatch(out);
      // Nothing on stderr: V8 would say there if a flag heapHold.ts or compileBudget.ts sets were unknown to this Node.
      expect(stderr, args.join(' ')).toBe('');
      const seen = p.seen();
      expect(seen, args.join(' ')).toHaveLength(1);
      expect(seen[0]!.argv[1]).toBe(CLI);
      expect(seen[0]!.execArgv).not.toContain(NODE_FLAGS[0]);
    }
  });

  it('holds its heap: a postmortem of a pipe, in its one Node, keeps its young generation at 1 MB semispaces where the plain CLI\'s grows', async () => {
    // 20,000 lines of upstream failures: enough survivors for V8 to grow the young generation.
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const t = new Date(Date.UTC(2024, 0, 15, 3, 0, 0) + i * 50);
      const stamp = t.toISOString().slice(0, 19).replace('T', ' ').replaceAll('-', '/');
      lines.push(`${stamp} [error] 7#7: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.${i % 200}, server: _, request: "GET /r${i} HTTP/1.1", upstream: "http://10.1.${i % 7}.2:8080/r${i}", host: "h${i % 50}"`);
    }
    const input = lines.join('\n') + '\n';
    const MB = 1024 * 1024;
    // Plain `node dist/src/cli/main.js` (the control: without this the check below could not fail).
    const plain = await newSpace(process.execPath, [path.join(REPO, 'dist/src/cli/main.js'), '--tz', 'UTC'], input);
    expect(plain.processes).toHaveLength(1);
    expect(plain.mainThreads[0]).toBeGreaterThan(4 * MB);
    const viaBin = await newSpace(CLI, ['--tz', 'UTC'], input);
    expect(viaBin.processes, 'one Node').toHaveLength(1);
    expect(viaBin.processes[0]!.argv[1]).toBe(CLI);
    expect(viaBin.processes[0]!.execArgv).not.toContain(NODE_FLAGS[0]);
    expect(viaBin.code).toBe(EXIT.found);
    expect(viaBin.mainThreads).toEqual([2 * MB]);
  }, 60_000);

  it('a big log file: its reader thread starts before the CLI loads, the heap stays held on both threads, and it reports what the plain CLI does', async () => {
    // 64 MB of a busy host's lines: a burst of refusals among the noise, past the reader thread's threshold.
    const log = path.join(dir, 'big.log');
    const noise = '2024/01/15 03:00:00 [error] 7#7: *1 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 10.0.0.1, server: _, request: "GET /favicon.ico HTTP/1.1", host: "h"\n';
    const refused = (s: number) => `2024/01/15 03:00:${String(s).padStart(2, '0')} [error] 7#7: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.2, server: _, request: "GET / HTTP/1.1", upstream: "http://10.1.0.2:8080/", host: "h"\n`;
    const block = noise.repeat(Math.ceil((1024 * 1024) / noise.length));
    writeFileSync(log, block.repeat(64) + [1, 1, 2, 2, 3].map(refused).join(''));
    const args = ['--log', log, '--tz', 'UTC', '--json'];
    const viaBin = await newSpace(CLI, args);
    const oneNode = await run(process.execPath, [path.join(REPO, 'dist/src/cli/main.js'), ...args], { maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: number; stdout: string }) => e);
    expect(viaBin.code).toBe(EXIT.found);
    const doc = (out: string) => ({ ...(JSON.parse(out) as Record<string, unknown>), generatedAt: null });
    expect(doc(viaBin.stdout)).toEqual(doc(oneNode.stdout));
    expect((doc(viaBin.stdout).incidents as unknown[]).length).toBe(1);
    expect(viaBin.processes, 'one Node').toHaveLength(1);
    // The reader thread's new isolate undid the hold; the CLI's thread waited for it to be set again
    // before loading the rest of the CLI, which otherwise grows its young generation meanwhile.
    expect(viaBin.mainThreads).toEqual([2 * 1024 * 1024]);
    expect(viaBin.threads, 'the reader thread ran').toBe(2);

    // With an events file (6 MB: a healthcheck's exec_* events, and the container's restart):
    // the CLI's thread reads it while it waits for the reader thread (sources/eventsFile.ts
    // readEventsEarly) and the rest later, and reports what the plain CLI does. Its young
    // generation grows once then (2 MB semispaces: the reader thread's isolate undid the hold
    // before the wait ends, and the events' first collection found the CLI's start-up survivors).
    const events = path.join(dir, 'big-events.jsonl');
    const id = 'c'.repeat(64);
    const event = (action: string, t: number) => `{"status":"${action}","id":"${id}","from":"shop/api:1","Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":{"com.docker.compose.project":"shop","com.docker.compose.service":"api","image":"shop/api:1","name":"shop-api-1"}},"scope":"local","time":${Math.floor(t / 1000)},"timeNano":${t}000000}`;
    const at = Date.UTC(2024, 0, 15, 3, 0, 0);
    const health = Array.from({ length: 12_000 }, (_, k) => event('exec_create: /bin/sh -c wget -qO- http://127.0.0.1/healthz', at - 3_600_000 + k * 300));
    writeFileSync(events, [...health, event('die', at - 500), event('start', at + 2500)].join('\n') + '\n');
    const withEvents = [...args, '--events', events];
    const viaBinEv = await newSpace(CLI, withEvents);
    const oneNodeEv = await run(process.execPath, [path.join(REPO, 'dist/src/cli/main.js'), ...withEvents], { maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: number; stdout: string }) => e);
    expect(viaBinEv.code).toBe(EXIT.found);
    expect(doc(viaBinEv.stdout)).toEqual(doc(oneNodeEv.stdout));
    expect(doc(viaBinEv.stdout).counters).toMatchObject({ ignoredEvents: 12_000, dockerEvents: 2 });
    expect(viaBinEv.mainThreads[0]).toBeLessThanOrEqual(4 * 1024 * 1024);
    rmSync(log);
    rmSync(events);
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
    // A live session (relaunched); the patterns folder is looked at by the relaunched CLI only.
    const log = path.join(dir, 'quoted.log');
    writeFileSync(log, '');
    const args = ['--follow', '--log', log, '--no-tui', '--patterns', path.join(dir, 'no such "$HOME" it\'s dir')];
    const bad = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(CLI, args, { env: p.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^restartdoctor: .*no such "\$HOME" it's dir/);
    expect(p.seen().find(isCli)?.argv.slice(2)).toEqual(args);
  });

  it('a follow session runs in a second Node with the flags; SIGTERM is passed on to it and its exit code (143) comes back', async () => {
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
    const cli = p.seen().find(isCli)!;
    expect(cli.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    // Its parent is the launcher, which itself ran without them.
    const launcher = p.seen().find((s) => s.pid === cli.ppid);
    expect(launcher?.argv[1]).toBe(CLI);
    expect(launcher?.execArgv).not.toContain(NODE_FLAGS[0]);
    const cliPid = cli.pid;
    child.kill('SIGTERM'); // to the launcher only
    expect(await exited).toEqual({ code: EXIT.terminated, signal: null });
    // The CLI's own process is gone too: nothing is left behind.
    expect(() => process.kill(cliPid, 0)).toThrow();
  }, 60_000);

  it('a CLI killed by a signal it does not handle: the launcher ends by the same signal', async () => {
    const p = processProbe();
    const log = path.join(dir, 'killed.log');
    writeFileSync(log, '');
    const child = spawn(CLI, ['--follow', '--log', log, '--no-tui', '--docker', `unix://${path.join(dir, 'no-docker.sock')}`], { env: p.env, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    await waitFor(() => p.seen().some(isCli), Boolean, { what: 'the CLI to start', timeoutMs: 30_000 });
    process.kill(p.seen().find(isCli)!.pid, 'SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
  }, 60_000);
});
