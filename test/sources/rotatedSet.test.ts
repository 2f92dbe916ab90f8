/**
 * A rotated set made by real logrotate (`compress` + `delaycompress`, as Debian's nginx package
 * rotates), from the bundled restart-race incident written out in four parts with a rotation
 * between each: the burst is cut by a rotation, one part lives in a `.gz`. Read as
 * `--log 'DIR/error.log*'` (expanded by the tool, oldest first) and as `--log DIR`, it must be
 * diagnosed exactly as the unrotated log. gzip is known by its bytes: under another name and on
 * stdin it is read too.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, type CliResult } from '../support/cli.js';

const run = promisify(execFile);
const LOGROTATE = ['/usr/sbin/logrotate', '/sbin/logrotate', '/usr/bin/logrotate'].find((p) => existsSync(p));
const FIXTURE = path.join(REPO, 'fixtures/incidents/restart-race');

function requireLogrotate(): boolean {
  if (LOGROTATE) return true;
  if (process.env.CI) throw new Error('logrotate must run in CI but is not installed (apt-get install -y logrotate)');
  console.warn('[skip] rotated-set tests skipped: logrotate is not installed (apt-get install -y logrotate)');
  return false;
}

interface Doc {
  inputs: { logs: string[] };
  counters: Record<string, unknown>;
  incidents: Array<{ diagnosis: { patternId: string }; burst: { upstreamKey: string; count: number; first: number; last: number; evidence: unknown[] }; match: { name: string } | null }>;
}

let ok = false;
let dir = '';
let logDir = '';
let parts: string[][] = [];
const res: Record<string, CliResult> = {};

beforeAll(async () => {
  ok = requireLogrotate();
  if (!ok) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h15a-rotate-'));
  logDir = path.join(dir, 'nginx');
  (await import('node:fs')).mkdirSync(logDir);
  const lines = readFileSync(path.join(FIXTURE, 'error.log'), 'utf8').split('\n').filter((l) => l !== '');
  // Cut points: before the burst, in its middle, after it.
  const refused = lines.flatMap((l, i) => (l.includes('(111: Connection refused)') ? [i] : []));
  const first = refused[0]!;
  const last = refused[refused.length - 1]!;
  const cuts = [first - 40, Math.floor((first + last) / 2), last + 40];
  parts = [lines.slice(0, cuts[0]), lines.slice(cuts[0], cuts[1]), lines.slice(cuts[1], cuts[2]), lines.slice(cuts[2])];
  const conf = path.join(dir, 'logrotate.conf');
  writeFileSync(conf, `${logDir}/error.log {\n  rotate 10\n  compress\n  delaycompress\n  create 0640 root root\n  missingok\n}\n`);
  const live = path.join(logDir, 'error.log');
  for (const [k, part] of parts.entries()) {
    // nginx appends to the file logrotate created.
    appendFileSync(live, part.join('\n') + '\n');
    if (k < parts.length - 1) await run(LOGROTATE!, ['-f', '-s', path.join(dir, 'state'), conf]);
  }
  copyFileSync(path.join(logDir, 'error.log.2.gz'), path.join(dir, 'renamed.log'));
  // The access log's own set beside it, as in /var/log/nginx: a directory is read as its error sets only.
  writeFileSync(path.join(logDir, 'access.log'), '127.0.0.1 - - [15/Jan/2024:03:12:41 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/8.5.0"\n');
  writeFileSync(path.join(logDir, 'access.log.1'), '');

  const common = ['--events', path.join(FIXTURE, 'docker-events.jsonl'), '--containers', path.join(FIXTURE, 'inspect.json'), '--tz', 'UTC', '--json'];
  const runs: Record<string, () => Promise<CliResult>> = {
    whole: () => runCli(['--log', path.join(FIXTURE, 'error.log'), ...common]),
    pattern: () => runCli(['--log', `${logDir}/error.log*`, ...common]),
    directory: () => runCli(['--log', logDir, ...common]),
    renamed: () => runCli(['--log', path.join(dir, 'renamed.log'), '--tz', 'UTC', '--json']),
    stdin: () => runCli(['--tz', 'UTC', '--json'], { stdin: readFileSync(path.join(logDir, 'error.log.2.gz')) }),
    noMatch: () => runCli(['--log', `${logDir}/nothing.log*`]),
  };
  await Promise.all(Object.entries(runs).map(async ([k, f]) => (res[k] = await f())));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function doc(name: string): Doc {
  expect(res[name]!.stderr).toBe('');
  return JSON.parse(res[name]!.stdout) as Doc;
}

const GZIP = (file: string) => readFileSync(file).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]));

describe('a rotated set made by logrotate (compress + delaycompress)', () => {
  it('logrotate made the set the tests expect: .1 plain, .2.gz and .3.gz gzip, the burst cut between .2.gz and .1', () => {
    if (!ok) return;
    expect(GZIP(path.join(logDir, 'error.log.3.gz'))).toBe(true);
    expect(GZIP(path.join(logDir, 'error.log.2.gz'))).toBe(true);
    expect(GZIP(path.join(logDir, 'error.log.1'))).toBe(false);
    expect(readFileSync(path.join(logDir, 'error.log.1'), 'utf8').split('\n')[0]).toBe(parts[2]![0]);
    expect(readFileSync(path.join(logDir, 'error.log'), 'utf8').split('\n')[0]).toBe(parts[3]![0]);
  });

  it.each(['pattern', 'directory'])("--log %s reads the set oldest first and diagnoses it as the unrotated log", (name) => {
    if (!ok) return;
    const whole = doc('whole');
    const set = doc(name);
    expect(res[name]!.code).toBe(1);
    expect(set.inputs.logs.map((f) => path.basename(f))).toEqual(['error.log.3.gz', 'error.log.2.gz', 'error.log.1', 'error.log']);
    expect(set.counters).toEqual(whole.counters);
    const strip = (d: Doc) => d.incidents.map((i) => ({ pattern: i.diagnosis.patternId, upstream: i.burst.upstreamKey, container: i.match?.name, count: i.burst.count, first: i.burst.first, last: i.burst.last }));
    expect(strip(set)).toEqual(strip(whole));
    expect(set.incidents[0]!.diagnosis.patternId).toBe('restart-race');
  });

  it('a gzip is read by its bytes: renamed to .log, and piped on stdin', () => {
    if (!ok) return;
    for (const name of ['renamed', 'stdin']) {
      expect([0, 1]).toContain(res[name]!.code);
      expect(doc(name).counters.linesRead).toBe(parts[1]!.length);
    }
  });

  it('a pattern that matches nothing is a one-line error', () => {
    if (!ok) return;
    expect(res.noMatch!.code).toBe(2);
    expect(res.noMatch!.stderr).toMatch(/^restartdoctor: --log .*nothing\.log\*: no file matches\n/);
  });
});
