/**
 * The command line as a user meets it: `help [command]`, the generated help, one-line messages
 * for unknown and misplaced flags (with the nearest valid one), global flags anywhere, --json and
 * --no-color on every command with a schemaVersion, times and durations as on-call people type
 * them, DOCKER_HOST. A few runs go through the built binary (started together in beforeAll); the
 * rest through the same `main(argv, io)` in process with injected streams and env.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commandFlags.js';
import { GLOBAL_FLAGS } from '../../src/cli/flags.js';
import { MAIN_FLAGS, parseMainOptions } from '../../src/cli/mainOptions.js';
import { runMain as inProcess } from '../support/inProcess.js';
import { ensureBuilt, failLines, runCli, STACK_FRAME, T0, tempDir, type CliResult } from './helpers.js';

const NOW = Date.UTC(2024, 0, 16, 9, 0, 0);
let t: ReturnType<typeof tempDir>;
let log: string;
let compose: string;
let server: http.Server;
let port: number;

const runMain = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => inProcess(args, { env, cwd: t.dir, now: () => NOW });

/** Exit 2 and exactly one line on stderr, in the tool's words (no parseArgs quote), nothing on stdout. */
function oneLineError(r: CliResult, line: string | RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  expect(lines[0]).not.toMatch(/'/);
  expect(r.stdout).toBe('');
}

const spawned: Record<string, CliResult> = {};

beforeAll(async () => {
  ensureBuilt();
  t = tempDir();
  // Two bursts two hours apart (03:12 and 05:12 UTC on 2024-01-15).
  log = t.file('two.log', [...failLines(T0, 6, 500), ...failLines(T0 + 2 * 3_600_000, 6, 500)].join('\n') + '\n');
  compose = t.file('docker-compose.yml', 'services:\n  web:\n    image: nginx\n');
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const runs: Record<string, () => Promise<CliResult>> = {
    help: () => runCli(['help']),
    helpCheck: () => runCli(['help', 'check']),
    folow: () => runCli(['--folow']),
    folowJson: () => runCli(['--folow', '--json']),
    jsonBeforeCheck: () => runCli(['--json', '--no-color', 'check', '--upstream', `127.0.0.1:${port}`, '--health-path', '/']),
    lintJson: () => runCli(['lint', '--json', compose]),
    drillDockerHost: () => runCli(['drill', '--container', 'rd-h17c-x', '--url', 'http://127.0.0.1:1/'], { env: { DOCKER_HOST: 'unix:///tmp/rd-h17c-no-such.sock' } }),
  };
  const queue = Object.entries(runs);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) spawned[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker(), worker()]);
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  t?.cleanup();
});

describe('help', () => {
  it('`restartdoctor help` and `help check` print the helps, exit 0 (the binary)', () => {
    expect(spawned.help!.code).toBe(0);
    expect(spawned.help!.stdout).toMatch(/^restartdoctor — why did nginx say/);
    expect(spawned.helpCheck!.code).toBe(0);
    expect(spawned.helpCheck!.stdout).toMatch(/^usage: restartdoctor check --upstream HOST:PORT/);
  });

  it('the main help lists every flag of every mode and the global flags; each command\'s help its own', async () => {
    const main = (await runMain(['--help'])).stdout;
    for (const name of ['follow', 'replay', 'speed', 'docker', ...Object.keys(MAIN_FLAGS), ...Object.keys(GLOBAL_FLAGS)]) expect(main).toMatch(new RegExp(`^  (-\\w, )?--${name}\\b`, 'm'));
    for (const name of Object.keys(COMMANDS)) expect(main).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    for (const [name, c] of Object.entries(COMMANDS)) {
      const r = await runMain(['help', name]);
      expect(r.code).toBe(0);
      for (const flag of [...Object.keys(c.flags), ...Object.keys(GLOBAL_FLAGS)]) expect(r.stdout).toMatch(new RegExp(`^  (-\\w, )?--${flag}\\b`, 'm'));
      // `COMMAND --help` is the same text.
      expect((await runMain([name, '--help'])).stdout).toBe(r.stdout);
    }
  });

  it('help for an unknown command names the nearest one', async () => {
    oneLineError(await runMain(['help', 'chek']), 'restartdoctor: help: no command "chek" (did you mean check?); the commands are check, fix, lint, drill, record');
  });
});

describe('unknown and misplaced flags', () => {
  it('an unknown flag: one line in our words with the nearest flag, exit 2 (the binary)', () => {
    oneLineError(spawned.folow!, 'restartdoctor: unknown flag --folow (did you mean --follow?) — see restartdoctor --help');
  });

  it('under --json the error is the JSON error shape on stdout', () => {
    const r = spawned.folowJson!;
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ schemaVersion: 1, error: { message: 'unknown flag --folow (did you mean --follow?) — see restartdoctor --help', hint: null, exitCode: 2 } });
  });

  it('in a command, with its own nearest flag; a flag of another command is named as misplaced', async () => {
    oneLineError(await runMain(['check', '--contaner', 'x']), 'restartdoctor: unknown flag --contaner for check (did you mean --container?) — see restartdoctor help check');
    oneLineError(await runMain(['lint', '--ignor', 'RD-DC-001', compose]), /^restartdoctor: unknown flag --ignor for lint \(did you mean --ignore\?\)/);
    oneLineError(await runMain(['--upstream', '127.0.0.1:1']), 'restartdoctor: --upstream is not a flag of the main command: it belongs to restartdoctor check and restartdoctor fix — see restartdoctor help check');
    // Near one of its own flags, a typo is the likelier reading.
    oneLineError(await runMain(['--container', 'x']), 'restartdoctor: unknown flag --container (did you mean --containers? --container belongs to restartdoctor check and restartdoctor drill) — see restartdoctor --help');
    oneLineError(await runMain(['check', '--follow']), /^restartdoctor: --follow is not a flag for check: it belongs to the main command/);
    oneLineError(await runMain(['--frobnicate']), 'restartdoctor: unknown flag --frobnicate — see restartdoctor --help');
    oneLineError(await runMain(['-x']), /^restartdoctor: unknown flag -x; the short flags are -h \(--help\), -V \(--version\)/);
    oneLineError(await runMain(['chek', '--upstream', 'a:1']), 'restartdoctor: unknown command "chek" (did you mean check?) — see restartdoctor --help');
  });

  it('a flag without its value, a value given to a switch, and a command after main flags', async () => {
    const r = await runMain(['--log', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('restartdoctor: --log needs a value: --log FILE');
    expect((await runMain(['--json=yes'])).stderr).toMatch(/^restartdoctor: --json takes no value \(got "yes"\)/);
    expect((await runMain(['--log', log, 'check'])).stderr).toMatch(/^restartdoctor: "check" is a command: put it first/);
  });
});

describe('global flags anywhere; --json and --no-color on every command', () => {
  it('`restartdoctor --json --no-color check …` runs check with JSON (schemaVersion) (the binary)', () => {
    const r = spawned.jsonBeforeCheck!;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, target: { host: '127.0.0.1', port }, failures: [], warnings: [] });
  });

  it('before and after the command name, for every command', async () => {
    const fix = ['--upstream', '127.0.0.1:3000', '--compose', compose];
    for (const args of [
      ['--json', '--no-color', '--tz', 'UTC', 'fix', ...fix],
      ['fix', ...fix, '--json', '--no-color', '--tz', 'UTC'],
    ]) {
      const r = await runMain(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, fixIds: expect.any(Array) });
    }
    const check = ['--upstream', `127.0.0.1:${port}`, '--health-path', '/'];
    for (const args of [['--no-color', '--json', 'check', ...check], ['check', '--no-color', ...check, '--json']]) {
      expect(JSON.parse((await runMain(args)).stdout)).toMatchObject({ schemaVersion: 1 });
    }
    for (const args of [['--json', '--no-color', 'lint', compose], ['lint', compose, '--no-color', '--json']]) {
      expect(JSON.parse((await runMain(args)).stdout)).toMatchObject({ schemaVersion: 1, files: [{ kind: 'compose' }] });
    }
    // drill: both flags taken; the URL policy (checked before any connection) is what stops it.
    const drill = await runMain(['--no-color', 'drill', '--json', '--container', 'x', '--url', 'http://192.0.2.1/']);
    expect(drill.code).toBe(2);
    expect(JSON.parse(drill.stdout).error.message).toMatch(/--url/);
    // The main command, with --tz before it all.
    const pm = await runMain(['--tz', 'UTC', '--no-color', '--log', log, '--json']);
    expect(pm.code).toBe(1);
    expect(JSON.parse(pm.stdout)).toMatchObject({ schemaVersion: 1, tz: 'UTC' });
  });

  it('`lint --json` is `--format json` (the binary), and a second format is refused', async () => {
    const r = spawned.lintJson!;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, counts: { error: 0, warning: 1, note: 0, waived: 0 }, findings: [{ ruleId: 'RD-DC-001' }] });
    oneLineError(await runMain(['lint', '--format', 'sarif', compose, '--format', 'text']), 'restartdoctor: lint: --format is given twice ("sarif" and "text"): give it once');
    const both = await runMain(['lint', '--json', '--format', 'sarif', compose]);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout).error.message).toBe('lint: --json and --format sarif ask for two formats: give one');
  });
});

describe('times and durations as on-call people type them', () => {
  // Lines in every window asked below (a window that selects no line is a loud "can't tell", exit 2).
  const windowLog = () =>
    t.file('windows.log', [...failLines(T0, 6, 500), ...failLines(NOW - 30_000, 1, 0), ...failLines(Date.UTC(2026, 11, 2, 5, 0, 0), 1, 0)].join('\n') + '\n');
  const window = async (...args: string[]) => JSON.parse((await runMain(['--log', windowLog(), '--json', ...args])).stdout).window as { since: string | null; until: string | null };

  it('--since 10m, 2h, 90s, 1d are that long before now', async () => {
    expect((await window('--since', '10m')).since).toBe(new Date(NOW - 600_000).toISOString());
    expect((await window('--since', '2h')).since).toBe(new Date(NOW - 7_200_000).toISOString());
    expect((await window('--since', '90s')).since).toBe(new Date(NOW - 90_000).toISOString());
    expect((await window('--since', '1d')).since).toBe(new Date(NOW - 86_400_000).toISOString());
  });

  it('epoch seconds, epoch milliseconds (13 digits), RFC 3339 with Z or an offset; chrono phrases still work', async () => {
    expect(await window('--since', String(T0 / 1000), '--until', String(T0 + 3_600_000))).toEqual({ since: new Date(T0).toISOString(), until: new Date(T0 + 3_600_000).toISOString() });
    expect((await window('--since', '2026-12-02T04:21:36Z')).since).toBe('2026-12-02T04:21:36.000Z');
    expect((await window('--since', '2026-12-02T06:21:36+02:00')).since).toBe('2026-12-02T04:21:36.000Z');
    expect((await window('--since', '2 hours ago')).since).toBe(new Date(NOW - 7_200_000).toISOString());
    expect((await window('--since', 'yesterday 14:00')).since).toBe('2024-01-15T14:00:00.000Z');
    expect(await window('--since', '2024-01-15 03:00', '--until', '1 hour later')).toEqual({ since: '2024-01-15T03:00:00.000Z', until: '2024-01-15T04:00:00.000Z' });
  });

  it('unparseable --since/--until is a one-line error, exit 2 — chrono must match the whole text', async () => {
    for (const [flag, text] of [
      ['--since', 'yesterday-ish nonsense'],
      ['--since', '5 minutes ago please'],
      ['--until', 'the day the music died'],
      ['--since', '42'],
    ]) {
      const r = await runMain(['--log', log, flag!, text!]);
      expect(r.code, text).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^restartdoctor: ${flag} "${text}": `));
      expect(r.stdout).toBe('');
    }
  });

  it('a date that cannot exist is refused in one line, not rolled over (Feb 30 was March 1; 2024-13-01 was January 13)', async () => {
    for (const [flag, text, why] of [
      ['--since', '2024-02-30T00:00:00Z', 'no such date: February 2024 has 29 days'],
      ['--since', '2023-02-29 03:00', 'no such date: February 2023 has 28 days'],
      ['--until', '2024-04-31T00:00:00Z', 'no such date: April 2024 has 30 days'],
      ['--since', '2024-13-01 03:00', 'no such date: there is no month 13'],
      ['--until', '2024-01-15T24:00:00Z', 'no such time: hour 24 (00-23)'],
    ]) {
      const r = await runMain(['--log', log, flag!, text!]);
      expect(r.code, text).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`restartdoctor: ${flag} "${text}": ${why}`);
      expect(r.stdout).toBe('');
    }
    // Leap day and the last second of a year are real.
    expect((await window('--since', '2024-02-29T00:00:00Z')).since).toBe('2024-02-29T00:00:00.000Z');
    expect((await window('--since', '2023-12-31T23:59:59Z')).since).toBe('2023-12-31T23:59:59.000Z');
  });

  it('one duration grammar for every duration flag', async () => {
    const bad = /"soon" is not a duration \(use 90s, 10m, 2h, 1d, 500ms or 1m30s\)$/;
    expect((await runMain(['--log', log, '--burst-gap', 'soon'])).stderr.split('\n')[0]).toMatch(bad);
    expect((await runMain(['check', '--upstream', 'a:1', '--wait-ready', 'soon'])).stderr.split('\n')[0]).toMatch(bad);
    expect((await runMain(['fix', '--upstream', 'a:1', '--time-to-ready', 'soon'])).stderr.split('\n')[0]).toMatch(bad);
    expect((await runMain(['drill', '--container', 'x', '--url', 'http://127.0.0.1/', '--timeout', 'soon'])).stderr.split('\n')[0]).toMatch(bad);
    // The same forms are accepted everywhere: 2h joins the two bursts; 1m30s is a fix's time to ready.
    expect(JSON.parse((await runMain(['--log', log, '--burst-gap', '2h', '--json'])).stdout).incidents).toHaveLength(1);
    const fix = JSON.parse((await runMain(['fix', '--upstream', 'a:1', '--compose', compose, '--service', 'web', '--time-to-ready', '1m30s', '--json'])).stdout);
    expect(JSON.stringify(fix)).toContain('the time to ready 90s');
  });
});

describe('flags that mean nothing in the mode chosen', () => {
  const F = 'fixtures/incidents/restart-race';
  const refused = async (args: string[], line: string) => {
    const r = await runMain(args);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr.split('\n')[0], args.join(' ')).toBe(line);
    expect(r.stdout).toBe('');
  };

  it('each is one line naming both flags, never replayed or run without it', async () => {
    const replay = ['--replay', path.resolve(F), '--no-tui', '--speed', '10000'];
    await refused([...replay, '--log', 'other.log'], 'restartdoctor: --log cannot be used with --replay DIR: a replay reads DIR/error.log');
    await refused([...replay, '--follow'], 'restartdoctor: --follow cannot be used with --replay DIR: a replay is already played live');
    await refused([...replay, '--nginx-container', 'foo'], 'restartdoctor: --nginx-container cannot be used with --replay DIR: a replay reads DIR/error.log, not a container');
    await refused([...replay, '--events', 'e.jsonl'], 'restartdoctor: --events cannot be used with --replay DIR: a replay reads DIR/docker-events.jsonl (or events.jsonl)');
    await refused([...replay, '--probe'], 'restartdoctor: --probe cannot be used with --replay DIR: a replay probes nothing');
    await refused([...replay, '--docker', 'unix:///x.sock'], 'restartdoctor: --docker cannot be used with --replay DIR: a replay talks to no Docker daemon');
    await refused(['--log', log, '--speed', '5'], 'restartdoctor: --speed only applies to --replay DIR');
    await refused(['--log', log, '--from', '03:00'], 'restartdoctor: --from only applies to --replay DIR');
    await refused(['--log', log, '--no-tui'], 'restartdoctor: --no-tui only applies to live mode and --replay DIR: a postmortem (--log FILE) prints a report, not a screen');
    await refused(['--follow', '--log', log, '--events', 'e.jsonl'], "restartdoctor: --events does not apply to live mode (--follow): live mode reads Docker's events from the daemon");
    await refused(['--follow', '--log', log, '--until', '1h'], 'restartdoctor: --until does not apply to live mode (--follow): live mode follows on with no end');
    await refused(['--docker', 'unix:///x.sock', '--log', log, '--containers', 'i.json'], 'restartdoctor: --containers does not apply to live mode (--docker): live mode inspects the containers through the daemon');
  });

  it('what the README documents together still goes: a replay with --since, --export, --nginx-conf; --docker as the endpoint a postmortem --probe uses', () => {
    const io = { stdin: Object.assign(new PassThrough(), { isTTY: false }), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: process.cwd(), now: () => NOW };
    expect(parseMainOptions(['--replay', F, '--speed', '20', '--since', '1h', '--export', 'x.md', '--nginx-conf', 'n.conf', '--no-tui'], io).mode).toBe('replay');
    expect(parseMainOptions(['--log', log, '--probe', '--docker', 'unix:///x.sock'], io)).toMatchObject({ mode: 'postmortem', probe: true, docker: 'unix:///x.sock' });
    expect(parseMainOptions(['--nginx-container', 'web', '--follow', '--since', '1h', '--no-tui'], io).mode).toBe('live');
  });
});

describe('numbers', () => {
  it('--min-errors and --speed: a bad value is one line naming the flag and what it takes; a good one counts', async () => {
    const bad: [string[], string][] = [
      [['--min-errors', '0'], 'restartdoctor: --min-errors: expected a whole number ≥ 1'],
      [['--min-errors', '2.5'], 'restartdoctor: --min-errors: expected a whole number ≥ 1'],
      [['--min-errors', 'many'], 'restartdoctor: --min-errors: expected a whole number ≥ 1'],
      [['--speed', '0'], 'restartdoctor: --speed: expected a number > 0'],
      [['--speed', 'fast'], 'restartdoctor: --speed: expected a number > 0'],
      [['--speed', '20000'], 'restartdoctor: --speed: at most 10000'],
    ];
    for (const [args, line] of bad) {
      const r = await runMain(['--log', log, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stdout).toBe('');
    }
    // Each burst has 6 errors: 7 makes neither an incident, 6 keeps both.
    expect(JSON.parse((await runMain(['--log', log, '--min-errors', '7', '--json'])).stdout).incidents).toHaveLength(0);
    expect(JSON.parse((await runMain(['--log', log, '--min-errors', '6', '--json'])).stdout).incidents).toHaveLength(2);
  });
});

describe('DOCKER_HOST', () => {
  it('drill reads the daemon from DOCKER_HOST alone: a bogus socket is one line naming it (the binary)', () => {
    const r = spawned.drillDockerHost!;
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('restartdoctor: cannot reach the Docker daemon at /tmp/rd-h17c-no-such.sock (ENOENT)');
  });

  it('live mode follows the socket DOCKER_HOST names (lines mode says which, on stderr)', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../support/cli.js');
    const child = spawn(CLI, ['--follow', '--log', log, '--no-tui'], { env: { ...process.env, DOCKER_HOST: 'unix:///tmp/rd-h17c-no-such.sock', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const { waitFor } = await import('../support/wait.js');
    await waitFor(() => stderr, (s) => s.includes('/tmp/rd-h17c-no-such.sock'), { timeoutMs: 30_000, what: 'a status line naming the socket' });
    const code = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr).toMatch(/^restartdoctor: docker \/tmp\/rd-h17c-no-such\.sock: /m);
  });

  it('live mode follows a tcp:// DOCKER_HOST too (it was refused as "only local unix sockets")', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../support/cli.js');
    // Port 1 on loopback: nothing listens, so the source says it is waiting and why.
    const child = spawn(CLI, ['--follow', '--log', log, '--no-tui'], { env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const { waitFor } = await import('../support/wait.js');
    await waitFor(() => stderr, (s) => s.includes('tcp://127.0.0.1:1'), { timeoutMs: 30_000, what: 'a status line naming the tcp endpoint' });
    const code = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr).toMatch(/^restartdoctor: docker tcp:\/\/127\.0\.0\.1:1: /m);
  });
});

describe('plural forms', () => {
  it('"1 line read", "1 upstream error", "1 failed request" — and plurals for more', async () => {
    const one = t.file('one.log', '2024/01/15 03:12:40 [notice] 1#1: signal process started\n');
    expect((await runMain(['--log', one])).stdout).toContain('  1 line read, 0 upstream errors, 1 other, 0 unparsed');
    const r = await runMain(['--log', log]);
    expect(r.stdout).toContain('12 lines read, 12 upstream errors');
    expect(r.stdout).toMatch(/2 incidents found/);
  });
});
