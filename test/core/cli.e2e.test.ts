/**
 * The built binary as a user runs it (`bin/restartdoctor.js`, what npm puts on the PATH), on files in a real temp folder:
 * exit codes 0/1/2, stdin, --since/--until, --json, --export, and every "Bad input" case of the
 * issue. A user never sees a stack trace: stderr is checked for `    at ` frames on every run.
 *
 * Node needs about a second to start the CLI on a loaded machine, so the spawned runs start together
 * in beforeAll and the tests read their results; the rest of the bad-input matrix runs the same
 * `main(argv, io)` in process with injected streams (the seam the CLI is built around).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain as inProcess } from '../support/inProcess.js';
import {
  AUTH,
  BACKEND,
  dockerEvent,
  ensureBuilt,
  execNoise,
  failLines,
  inspectObject,
  nginxLine,
  runCli,
  seq,
  STACK_FRAME,
  T0,
  tempDir,
  type CliResult,
  type Ctr,
} from './helpers.js';

let t: ReturnType<typeof tempDir>;
const f: Record<string, string> = {};

/** A realistic restart race: noise, a docker restart, 111s (some CRLF), recovery. */
function raceLog(): string[] {
  const noise = [
    nginxLine({ time: T0 - 60_000, level: 'notice', conn: null, client: null, msg: 'signal process started' }),
    nginxLine({ time: T0 - 50_000, level: 'info', msg: 'client prematurely closed connection while reading upstream', request: 'GET /auth/me HTTP/1.1', upstream: 'http://172.18.0.6:8080/auth/me', host: 'shop.example.com' }),
    '203.0.113.7 - - [15/Jan/2024:03:11:50 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"',
  ];
  const methods = ['GET', 'POST', 'PATCH', 'PUT'];
  const burst = Array.from({ length: 24 }, (_, i) => failLines(T0 + 1000 + i * 250, 1, 0, { method: methods[i % 4]!, path: `/api/orders/${i}` })[0]!);
  return [...noise, ...burst];
}

function check(r: CliResult): CliResult {
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toMatch(/this is a bug in restartdoctor/);
  return r;
}

/** `main(argv, io)` in process: same code path as the binary minus node start-up. */
const runMain = (args: string[], stdin = ''): Promise<CliResult> => inProcess(args, { stdin, cwd: t.dir, now: () => Date.UTC(2024, 0, 16, 9, 0, 0) });

/** Spawned runs, started together in beforeAll (three at a time). */
const spawned: Record<string, CliResult> = {};
async function spawnAll(runs: Record<string, () => Promise<CliResult>>): Promise<void> {
  const queue = Object.entries(runs);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) spawned[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker(), worker()]);
}

/** A run that cannot go on: exit 2, one `restartdoctor: …` line (plus at most a hint), nothing on stdout. */
function expectUsageError(r: CliResult, message: RegExp): void {
  check(r);
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^restartdoctor: /);
  expect(lines[0]).toMatch(message);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1]) expect(lines[1]).toMatch(/^ {2}hint: /);
  expect(r.stdout).toBe('');
}

beforeAll(async () => {
  ensureBuilt();
  t = tempDir();
  const lines = raceLog();
  f.log = t.file('error.log', lines.join('\n') + '\n');
  // Same log, CRLF line ends (a log copied from Windows or through some shippers).
  f.crlf = t.file('crlf.log', lines.join('\r\n') + '\r\n');
  const stranger: Ctr = { id: '7'.repeat(64), name: 'shop-worker-7', image: 'shop/worker:2' };
  const ev = [
    ...execNoise(AUTH, T0 - 5000),
    ...seq.dockerRestart(BACKEND, T0),
    dockerEvent(stranger, 'health_status: unhealthy', T0 + 3000, {}, 'api152'),
    { Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { name: 'shop_default' } }, time: Math.floor(T0 / 1000) },
  ].map((e) => JSON.stringify(e));
  ev.push(ev[3]!.slice(0, 90)); // truncated last line (the daemon was stopped mid-write)
  f.events = t.file('docker-events.jsonl', ev.join('\n') + '\n');
  f.inspect = t.file('inspect.json', JSON.stringify([inspectObject({ c: BACKEND, ip: '172.18.0.5', expose: [3000] }), inspectObject({ c: AUTH, ip: '172.18.0.6', expose: [8080] })], null, 2));
  f.empty = t.file('empty.log', '');
  f.healthy = t.file('healthy.log', raceLog().slice(0, 3).join('\n') + '\n');
  f.binary = t.file('binary.log', Buffer.from([0x00, 0x00, 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0a, 0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x0a]));
  f.long = t.file('long.log', [nginxLine({ time: T0, msg: 'connect() failed (111: Connection refused) while connecting to upstream', request: `GET /${'a'.repeat(1_500_000)} HTTP/1.1`, upstream: 'http://172.18.0.5:3000/', host: 'h' }), ...lines].join('\n') + '\n');
  // Two bursts two hours apart, for --since/--until.
  f.twoBursts = t.file('two.log', [...failLines(T0, 6, 500), ...failLines(T0 + 2 * 3_600_000, 6, 500)].join('\n') + '\n');
  f.dir = path.join(t.dir, 'a-directory');
  mkdirSync(f.dir);
  f.badInspect = t.file('bad-inspect.json', '[{"Id": "x", "Name": "/x", "State": {"Status": 3}}]');
  // A pattern folder with one invalid file.
  const pdir = path.join(t.dir, 'patterns');
  mkdirSync(pdir);
  for (const name of ['restart-race.json', 'unexplained.json']) {
    const p = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../patterns', name), 'utf8')) as Record<string, unknown>;
    if (name === 'restart-race.json') (p.when as Record<string, unknown>).maxDies = 'two';
    t.file(path.join('patterns', name), JSON.stringify(p));
  }
  f.patterns = pdir;

  const all = [f.log!, '--events', f.events!, '--containers', f.inspect!];
  await spawnAll({
    race: () => runCli(['--log', ...all, '--tz', 'UTC']),
    lfJson: () => runCli(['--log', ...all, '--json']),
    crlfJson: () => runCli(['--log', f.crlf!, '--events', f.events!, '--containers', f.inspect!, '--json']),
    healthy: () => runCli(['--log', f.healthy!]),
    stdin: () => runCli(['--events', f.events!, '--containers', f.inspect!], { stdin: readFileSync(f.log!) }),
    exportMd: () => runCli(['--log', ...all, '--export', path.join(t.dir, 'incident.md')]),
    window: () => runCli(['--log', f.twoBursts!, '--tz', 'UTC', '--since', '2024-01-15 03:00', '--until', '1 hour later', '--json']),
    missing: () => runCli(['--log', path.join(t.dir, 'nope.log')]),
    directory: () => runCli(['--log', f.dir!]),
    patterns: () => runCli(['--log', f.log!, '--patterns', f.patterns!]),
    jsonError: () => runCli(['--log', path.join(t.dir, 'nope.log'), '--json']),
  });
}, 120_000);

afterAll(() => t?.cleanup());

describe('postmortem: exit codes and reports (spawned binary)', () => {
  it('finds the restart race: exit 1, the pattern, the container, the burst, counted skips', () => {
    const r = check(spawned.race!);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 incident found');
    expect(r.stdout).toMatch(/diagnosis\s+restart-race — high confidence/);
    expect(r.stdout).toContain('shop-backend-1');
    expect(r.stdout).toContain('172.18.0.5:3000');
    expect(r.stdout).toMatch(/24 failed requests/);
    expect(r.stdout).toMatch(/1 access-log line, 0 unparsed/); // the access line nginx in Docker mixes in
    // 5 lifecycle events + the stranger's health event used; exec×3 + network ignored; the truncated line invalid.
    expect(r.stdout).toMatch(/6 container lifecycle events used, 4 other events ignored .*, 1 invalid/);
    expect(r.stdout).not.toContain('shop-worker-7'); // the unknown container is not linked
  });

  it('a CRLF log gives the same diagnosis and counts as the LF one', () => {
    const a = JSON.parse(check(spawned.lfJson!).stdout);
    const crlf = check(spawned.crlfJson!);
    expect(crlf.code).toBe(1);
    const b = JSON.parse(crlf.stdout);
    expect(b.counters).toEqual(a.counters);
    expect(b.incidents[0].diagnosis.patternId).toBe('restart-race');
    expect(b.incidents[0].burst.count).toBe(a.incidents[0].burst.count);
    expect(b.incidents[0].burst.hosts).toEqual(['shop.example.com']); // no stray CR in the last field
  });

  it('a log with no upstream failure: exit 0, "no incident found"', () => {
    const r = check(spawned.healthy!);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no incident found');
  });

  it('reads a piped log from stdin (`cat error.log | restartdoctor`)', () => {
    const r = check(spawned.stdin!);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 incident found in -/);
    expect(r.stdout).toContain('restart-race');
  });

  it('--json prints one schemaVersion 1 document and nothing else', () => {
    const r = check(spawned.lfJson!);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.tz).toBe('UTC');
    expect(doc.incidents[0]).toMatchObject({ diagnosis: { patternId: 'restart-race' }, match: { name: 'shop-backend-1' }, burst: { count: 24, writes: 18, notRetried: 0 } }); // 111 at connect: nothing was sent yet
  });

  it('--export writes the markdown summary and says where', () => {
    const out = path.join(t.dir, 'incident.md');
    const r = check(spawned.exportMd!);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`markdown summary written to ${out}`);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# Incident: Restart race/);
    expect(md).toContain('### Evidence');
  });

  it('absolute --since and --until "1 hour later" keep only the first burst', () => {
    const r = check(spawned.window!);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.window).toEqual({ since: '2024-01-15T03:00:00.000Z', until: '2024-01-15T04:00:00.000Z' });
    expect(doc.incidents).toHaveLength(1);
    expect(doc.incidents[0].burst.firstIso).toBe('2024-01-15T03:12:40.000Z');
    expect(doc.counters.outsideWindow).toBe(6);
  });

  it('a missing log / a directory: exit 2, one line', () => {
    expectUsageError(spawned.missing!, /nope\.log: no such file$/);
    expectUsageError(spawned.directory!, /a-directory: is a directory, not a log file$/);
  });

  it('an invalid pattern file (--patterns DIR) names the file and the field', () => {
    expectUsageError(spawned.patterns!, /invalid pattern file .*restart-race\.json: when\.maxDies: /);
  });

  it('under --json an error is one JSON object on stdout, exit 2', () => {
    const r = check(spawned.jsonError!);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, error: { exitCode: 2, message: expect.stringMatching(/no such file/) } });
  });

  it('the dist build exists (built by beforeAll when stale)', () => {
    expect(existsSync(path.join(import.meta.dirname, '../../dist/src/cli/main.js'))).toBe(true);
  });
});

describe('the rest of the matrix, in process through main(argv, io)', () => {
  it('binary bytes: a loud can\'t-tell, exit 2', async () => {
    expectUsageError(await runMain(['--log', f.binary!]), /binary\.log: looks binary \(2 of 2 lines hold control bytes\), not a text log/);
  });

  it('control bytes a client put in the fields of every failure hide nothing: same incident, same counts, plain or in Docker\'s prefix', async () => {
    const clean = JSON.parse(check(await runMain(['--log', f.log!, '--events', f.events!, '--containers', f.inspect!, '--json'])).stdout);
    const marked = readFileSync(f.log!, 'utf8').split('\n').map((l) => (l.includes('upstream: "') ? l.replace(/host: "([^"]*)"/, 'host: "$1\u0008\u0001"') + ', referrer: "\u0000\u000e"' : l));
    expect(marked.filter((l) => l.includes('\u0008')).length).toBeGreaterThan(5);
    for (const [name, lines] of [
      ['ctl.log', marked],
      ['ctl-docker.log', marked.map((l) => (l ? `nginx-1  | ${l}` : l))],
    ] as const) {
      const r = check(await runMain(['--log', t.file(name, lines.join('\n')), '--events', f.events!, '--containers', f.inspect!, '--json']));
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.counters.upstreamErrors, name).toBe(clean.counters.upstreamErrors);
      expect(doc.counters.unparsed.binary ?? 0, name).toBe(0);
      expect(doc.incidents.map((i: { diagnosis: { patternId: string }; burst: { count: number } }) => [i.diagnosis.patternId, i.burst.count])).toEqual(
        clean.incidents.map((i: { diagnosis: { patternId: string }; burst: { count: number } }) => [i.diagnosis.patternId, i.burst.count]),
      );
      expect(r.stdout).not.toMatch(/[\u0000-\u0008]/); // escaped in the JSON
    }
  });

  it('an empty file: exit 2, not a quiet "no incident found"', async () => {
    expectUsageError(await runMain(['--log', f.empty!]), /empty\.log: empty: nothing to diagnose$/);
  });

  it('an invalid --tz and a bad --burst-gap', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--tz', 'Mars/Olympus']), /unknown time zone "Mars\/Olympus"/);
    expectUsageError(await runMain(['--log', f.log!, '--burst-gap', 'soon']), /--burst-gap: "soon" is not a duration \(use 90s, 10m/);
  });

  it('--since is read in --tz (04:00 in Berlin is 03:00Z)', async () => {
    const r = check(await runMain(['--log', f.twoBursts!, '--tz', 'Europe/Berlin', '--since', '2024-01-15 04:00', '--until', '2 hours later', '--json']));
    const doc = JSON.parse(r.stdout);
    expect(doc.window.since).toBe('2024-01-15T03:00:00.000Z');
    expect(doc.tz).toBe('Europe/Berlin');
  });

  // The --tz offset is the one at the date being read, not at "now".
  it('--until in summer read in winter still uses the summer offset (03:00 CEST is 01:00Z)', async () => {
    const r = check(await runMain(['--log', f.twoBursts!, '--tz', 'Europe/Berlin', '--until', '2024-07-15 03:00', '--json']));
    expect(JSON.parse(r.stdout).window.until).toBe('2024-07-15T01:00:00.000Z');
  });

  it('a window no line falls in: exit 2, with the time the log covers', async () => {
    expectUsageError(
      await runMain(['--log', f.twoBursts!, '--tz', 'UTC', '--since', '2024-01-15 04:00', '--until', '2024-01-15 05:00']),
      /two\.log: no line falls in --since 2024-01-15 04:00:00 … --until 2024-01-15 05:00:00 \(the log covers 2024-01-15 03:12:40 – 05:12:42 UTC\)$/,
    );
  });

  it('--until before --since and an unreadable time are one-line usage errors', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--since', '2024-01-15 05:00', '--until', '2024-01-15 04:00']), /--until .* is not after --since/);
    expectUsageError(await runMain(['--log', f.log!, '--since', 'the day the music died']), /--since "the day the music died": not a time I can read/);
  });

  it('a line over 1 MB: counted as too-long, the rest of the log still diagnosed', async () => {
    const r = check(await runMain(['--log', f.long!, '--events', f.events!, '--containers', f.inspect!]));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 too-long/);
    expect(r.stdout).toContain('restart-race');
  });

  it('a missing events file and a directory as the events file', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--events', path.join(t.dir, 'nope.jsonl')]), /nope\.jsonl: no such file/);
    expectUsageError(await runMain(['--log', f.log!, '--events', f.dir!]), /is a directory/);
  });

  it('an inspect snapshot of the wrong shape names the item and field', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--containers', f.badInspect!]), /bad-inspect\.json: item 1: State\.Status: /);
  });

  it('a zero --burst-gap is refused; a long one joins the two bursts of two.log', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--burst-gap', '0s']), /--burst-gap: "0s" must be more than 0/);
    const r = check(await runMain(['--log', f.twoBursts!, '--burst-gap', '3h', '--json']));
    expect(JSON.parse(r.stdout).incidents).toHaveLength(1);
  });

  it('an unknown flag and a stray argument', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--frobnicate']), /frobnicate/);
    expectUsageError(await runMain([f.log!]), /unexpected argument/);
  });

  it('--export into a folder that does not exist is a one-line error', async () => {
    expectUsageError(await runMain(['--log', f.log!, '--export', path.join(t.dir, 'no/such/dir/x.md')]), /--export .*cannot write \(ENOENT\)/);
  });

  it('stdin through main(): a piped log with CRLF ends', async () => {
    const r = check(await runMain(['--events', f.events!, '--containers', f.inspect!, '--json'], readFileSync(f.crlf!, 'utf8')));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).inputs.logs).toEqual(['-']);
  });
});
