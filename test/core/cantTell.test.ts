/**
 * The loud "can't tell" (issue 15, item 6): each bad input the issue lists, through the built CLI,
 * gets its message and exit code — never a quiet "no incident found" with exit 0 — and a partly
 * usable input is diagnosed with a warning on stderr and in the JSON notes. The decision itself
 * (engine/inputQuality.ts) is pure and tested on counters below.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeInput, MOSTLY_UNREADABLE_SHARE } from '../../src/engine/inputQuality.js';
import type { EngineCounters } from '../../src/model/snapshot.js';
import { REPO, runCli, type CliResult } from '../support/cli.js';
import { ensureBuilt, tempDir } from './helpers.js';

const FIXTURE = path.join(REPO, 'fixtures/incidents/restart-race');
const EVENTS = ['--events', path.join(FIXTURE, 'docker-events.jsonl'), '--containers', path.join(FIXTURE, 'inspect.json')];

let t: ReturnType<typeof tempDir>;
const f: Record<string, string> = {};
const r: Record<string, CliResult> = {};

beforeAll(async () => {
  ensureBuilt();
  t = tempDir();
  const log = readFileSync(path.join(FIXTURE, 'error.log'), 'utf8');
  const lines = log.split('\n').filter(Boolean);
  f.services = path.join(t.dir, 'services');
  copyFileSync('/etc/services', f.services);
  f.binary = path.join(t.dir, 'nginx.bin');
  copyFileSync('/bin/ls', f.binary); // an ELF binary, as someone may pass by mistake
  f.gz = t.file('error.log.gz', gzipSync(log));
  // A gzip cut short (copied while it was being written): what was read is used, with a warning.
  const gz = gzipSync(log);
  f.truncated = t.file('error.log.1.gz', gz.subarray(0, Math.floor(gz.length * 0.9)));
  f.xz = t.file('error.log.xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64)]));
  // Mostly garbage: three lines of noise for each line of the incident's log.
  const noise = readFileSync('/etc/services', 'utf8').split('\n').filter(Boolean);
  f.garbage = t.file('mostly-garbage.log', lines.flatMap((l, i) => [l, noise[(3 * i) % noise.length]!, noise[(3 * i + 1) % noise.length]!, noise[(3 * i + 2) % noise.length]!]).join('\n') + '\n');
  // One real connect() failure whose request is 5 MB: nginx's line, over the 1 MiB line limit.
  f.long = t.file('long.log', `${lines.find((l) => l.includes('connect() failed'))!.replace(/request: "GET \//, `request: "GET /${'a'.repeat(5_000_000)}`)}\n`);
  const runs: Record<string, string[]> = {
    services: ['--log', f.services],
    long: ['--log', f.long],
    binary: ['--log', f.binary],
    gz: ['--log', f.gz, ...EVENTS, '--tz', 'UTC'],
    xz: ['--log', f.xz],
    after: ['--log', path.join(FIXTURE, 'error.log'), '--tz', 'UTC', '--since', '2024-01-15 05:00'],
    afterJson: ['--log', path.join(FIXTURE, 'error.log'), '--tz', 'UTC', '--since', '2024-01-15 05:00', '--json'],
    truncated: ['--log', f.truncated, ...EVENTS, '--tz', 'UTC', '--json'],
    garbage: ['--log', f.garbage, ...EVENTS, '--tz', 'UTC'],
    garbageJson: ['--log', f.garbage, ...EVENTS, '--tz', 'UTC', '--json'],
    before: ['--log', path.join(FIXTURE, 'error.log'), ...EVENTS, '--tz', 'UTC', '--since', '2024-01-15 02:00', '--json'],
  };
  const queue = Object.entries(runs);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) r[next[0]] = await runCli(next[1]);
  };
  await Promise.all([worker(), worker(), worker()]);
}, 120_000);

afterAll(() => t?.cleanup());

/** Exit 2, one `restartdoctor:` line matching `message` and a hint, nothing on stdout. */
function cantTell(res: CliResult, message: RegExp): void {
  expect(res.code).toBe(2);
  expect(res.stdout).toBe('');
  const lines = res.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^restartdoctor: /);
  expect(lines[0]).toMatch(message);
  expect(lines.length).toBeLessThanOrEqual(2);
}

describe('each bad input of the issue: what was read, what was expected, exit 2', () => {
  it('a non-nginx file (/etc/services)', () => {
    cantTell(r.services!, /services: [\d,]+ lines, none is an nginx error-log line \([\d,]+ not-nginx\) — expected nginx error-log lines like `2026\/12\/02 04:21:36 \[error\]/);
  });

  it('an nginx line longer than the 1 MiB limit is said to be too long, not "not an nginx error-log line"', () => {
    cantTell(r.long!, /long\.log: 1 line, longer than the 1 MiB line limit, skipped \(1 too-long\) — expected/);
  });

  it('a binary file', () => {
    cantTell(r.binary!, /nginx\.bin: looks binary \([\d,]+ of [\d,]+ lines hold control bytes\), not a text log/);
  });

  it('a gzip file is now read (whatever it is called) and diagnosed', () => {
    expect(r.gz!.code).toBe(1);
    expect(r.gz!.stdout).toMatch(/diagnosis\s+restart-race/);
  });

  it('a compression it does not read names the command that does', () => {
    cantTell(r.xz!, /error\.log\.xz: xz-compressed, which restartdoctor does not read itself/);
    expect(r.xz!.stderr).toMatch(/hint: decompress it first: xz -dc .*error\.log\.xz \| restartdoctor/);
  });

  it('a --since after all the data says what the log covers; as JSON too', () => {
    cantTell(r.after!, /error\.log: no line falls in --since 2024-01-15 05:00:00 \(the log covers 2024-01-15 03:00:11 – 03:17:29 UTC\)$/);
    expect(r.afterJson!.code).toBe(2);
    expect(JSON.parse(r.afterJson!.stdout)).toMatchObject({ schemaVersion: 1, error: { exitCode: 2, message: expect.stringMatching(/no line falls in --since/) } });
  });
});

describe('a partly usable input: diagnosed, with a warning', () => {
  it('mostly garbage with the incident in it: still the restart race, and a warning on stderr', () => {
    expect(r.garbage!.code).toBe(1);
    expect(r.garbage!.stdout).toMatch(/diagnosis\s+restart-race/);
    expect(r.garbage!.stderr).toMatch(/^restartdoctor: warning: .*mostly-garbage\.log: [\d,]+ of [\d,]+ lines are not nginx error-log lines \([\d,]+ not-nginx.*\); diagnosed from the 2,197 that are\n$/);
  });

  it('a gzip cut short: the lines before the cut are diagnosed, with a warning', () => {
    expect(r.truncated!.code).toBe(1);
    expect(r.truncated!.stderr).toMatch(/^restartdoctor: warning: .*error\.log\.1\.gz: the gzip stream ends early \(truncated\?\): the lines before the cut were read\n$/);
    const doc = JSON.parse(r.truncated!.stdout);
    expect(doc.counters.linesRead).toBeGreaterThan(1000);
    expect(doc.incidents[0].diagnosis.patternId).toBe('restart-race');
    expect(doc.notes[0]).toMatch(/ends early/);
  });

  it('the same warning is in the JSON notes', () => {
    const doc = JSON.parse(r.garbageJson!.stdout);
    expect(doc.notes.some((n: string) => /lines are not nginx error-log lines/.test(n))).toBe(true);
  });

  it('--since before the log starts: diagnosed, and the report says the start is not covered', () => {
    expect(r.before!.code).toBe(1);
    expect(r.before!.stderr).toMatch(/warning: the log starts at 2024-01-15 03:00:11 UTC, after --since 2024-01-15 02:00:00/);
    expect(JSON.parse(r.before!.stdout).notes[0]).toMatch(/the log starts at/);
  });

  it('a clean log gives no warning', async () => {
    const res = await runCli(['--log', path.join(FIXTURE, 'error.log'), ...EVENTS, '--tz', 'UTC']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('');
  });
});

function counters(c: Partial<EngineCounters>): EngineCounters {
  return { linesRead: 0, otherLines: 0, upstreamErrors: 0, unparsed: {}, outsideWindow: 0, dockerEvents: 0, ignoredEvents: 0, invalidEvents: 0, accessLines: 0, untimed: 0, shapes: {}, ...c };
}

describe('judgeInput (the one place the thresholds live)', () => {
  const base = { files: ['error.log'], span: null, since: null, until: null, tz: 'UTC' };

  it('an access log, a file of untimed lines, only empty lines', () => {
    expect(judgeInput({ ...base, counters: counters({ linesRead: 10, accessLines: 9, unparsed: { 'not-nginx': 1 } }) }).fatal?.message).toMatch(/10 lines, none is an nginx error-log line \(9 look like access-log lines\)/);
    expect(judgeInput({ ...base, counters: counters({ linesRead: 4, untimed: 4 }) }).fatal?.message).toMatch(/4 lines, none is an nginx error-log line \(4 carry no date\)/);
    expect(judgeInput({ ...base, counters: counters({ linesRead: 3, unparsed: { empty: 3 } }) }).fatal?.message).toBe('error.log: only empty lines: nothing to diagnose');
  });

  it('too-long lines are named as such, with the count by reason', () => {
    expect(judgeInput({ ...base, counters: counters({ linesRead: 3, unparsed: { 'too-long': 3 } }) }).fatal?.message).toMatch(/^error\.log: 3 lines, all longer than the 1 MiB line limit, skipped \(3 too-long\) — /);
    expect(judgeInput({ ...base, counters: counters({ linesRead: 3, unparsed: { 'too-long': 2, 'not-nginx': 1 } }) }).fatal?.message).toMatch(/^error\.log: 3 lines, 2 of them longer than the 1 MiB line limit, skipped \(2 too-long, 1 not-nginx\) — /);
    expect(judgeInput({ ...base, counters: counters({ linesRead: 3, unparsed: { 'too-long': 1, 'not-nginx': 2 } }) }).fatal?.message).toMatch(
      /^error\.log: 3 lines, none was read as an nginx error-log line \(2 not-nginx, 1 too-long; too-long lines are over the 1 MiB limit\) — /,
    );
  });

  it('access lines mixed with error lines (nginx in Docker) are no reason to warn', () => {
    expect(judgeInput({ ...base, counters: counters({ linesRead: 1000, accessLines: 950, otherLines: 40, upstreamErrors: 10 }) })).toEqual({ fatal: null, warnings: [] });
  });

  it(`warns above ${MOSTLY_UNREADABLE_SHARE * 100} % unreadable lines, not at it`, () => {
    expect(judgeInput({ ...base, counters: counters({ linesRead: 100, otherLines: 50, unparsed: { 'not-nginx': 50 } }) }).warnings).toEqual([]);
    expect(judgeInput({ ...base, counters: counters({ linesRead: 100, otherLines: 49, unparsed: { 'not-nginx': 51 } }) }).warnings).toHaveLength(1);
  });

  it('names several files briefly and standard input by name', () => {
    const many = judgeInput({ ...base, files: ['a.4.gz', 'a.3.gz', 'a.2.gz', 'a.1', 'a'], counters: counters({ linesRead: 0 }) });
    expect(many.fatal?.message).toBe('a.4.gz … a (5 files): empty: nothing to diagnose');
    expect(judgeInput({ ...base, files: ['-'], counters: counters({ linesRead: 0 }) }).fatal?.message).toMatch(/^standard input: empty/);
  });
});
