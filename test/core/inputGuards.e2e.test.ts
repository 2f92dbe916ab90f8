/**
 * Inputs a user can get wrong, each met with one line (exit 2) or a note, never a stack, a "bug in
 * restartdoctor", a quiet "no incident found" or a lost file: an --export naming an input, a log
 * given twice. Through the built binary (as a user types it, relative paths from its folder) and
 * through `main(argv, io)` in process.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain as inProcess } from '../support/inProcess.js';
import { ensureBuilt, failLines, REPO, runCli, STACK_FRAME, T0, tempDir, type CliResult } from './helpers.js';

const F = path.join(REPO, 'fixtures/incidents/restart-race');
const NOW = Date.UTC(2024, 0, 16, 9, 0, 0);
let t: ReturnType<typeof tempDir>;
let log: string;
const LOG_TEXT = [...failLines(T0, 6, 500), ''].join('\n');

const runMain = (args: string[]): Promise<CliResult> => inProcess(args, { cwd: t.dir, now: () => NOW });

/** Exit 2, the message on the first line of stderr (a hint may follow), no stack, no "bug", nothing on stdout. */
function refused(r: CliResult, line: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(line);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toMatch(/bug in restartdoctor/);
  expect(r.stdout).toBe('');
}

beforeAll(() => {
  ensureBuilt();
  t = tempDir();
  log = t.file('error.log', LOG_TEXT);
  mkdirSync(path.join(t.dir, 'sub'));
});
afterAll(() => t.cleanup());

describe('--export never writes over an input', () => {
  it('the --log file itself, by the binary: refused before anything is read, the log kept', async () => {
    const r = await runCli(['--log', 'error.log', '--export', './error.log'], { cwd: t.dir });
    refused(r, /^restartdoctor: --export \.\/error\.log is the --log file error\.log: refusing to write the report over an input$/);
    expect(readFileSync(log, 'utf8')).toBe(LOG_TEXT);
  });

  it('a symlink to the log, the --events, --containers, --nginx-conf or --compose file, a file of a --log directory', async () => {
    const link = path.join(t.dir, 'sub', 'link.md');
    symlinkSync(log, link);
    const events = t.file('events.jsonl', readFileSync(path.join(F, 'docker-events.jsonl')));
    const inspect = t.file('inspect.json', readFileSync(path.join(F, 'inspect.json')));
    const conf = t.file('nginx.conf', readFileSync(path.join(F, 'nginx.conf')));
    const compose = t.file('docker-compose.yml', readFileSync(path.join(F, 'docker-compose.yml')));
    const all = ['--log', log, '--events', events, '--containers', inspect, '--nginx-conf', conf, '--compose', compose];
    refused(await runMain([...all, '--export', link]), /is the --log file .*error\.log: refusing/);
    refused(await runMain([...all, '--export', `${t.dir}/./events.jsonl`]), /is the --events file/);
    refused(await runMain([...all, '--export', `${t.dir}/sub/../inspect.json`]), /is the --containers file/);
    refused(await runMain([...all, '--export', conf]), /is the --nginx-conf file/);
    refused(await runMain([...all, '--export', compose]), /is the --compose file/);
    refused(await runMain(['--log', t.dir, '--export', log]), /is the --log file/);
    for (const [file, text] of [
      [log, LOG_TEXT],
      [events, readFileSync(path.join(F, 'docker-events.jsonl'), 'utf8')],
      [conf, readFileSync(path.join(F, 'nginx.conf'), 'utf8')],
    ]) {
      expect(readFileSync(file!, 'utf8')).toBe(text);
    }
  });

  it("a replay's recording files too (the live export uses the same rule)", async () => {
    // A copy: without the rule the recording's inspect.json would be replaced.
    const rec = path.join(t.dir, 'recording');
    cpSync(F, rec, { recursive: true });
    refused(await runMain(['--replay', rec, '--no-tui', '--speed', '10000', '--export', path.join(rec, 'inspect.json')]), /^restartdoctor: --export .*inspect\.json is the --containers file/);
    expect(readFileSync(path.join(rec, 'inspect.json'), 'utf8')).toBe(readFileSync(path.join(F, 'inspect.json'), 'utf8'));
  });

  it('a new file is written as before', async () => {
    const r = await runMain(['--log', log, '--export', path.join(t.dir, 'incident.md')]);
    expect(r.code).toBe(1);
    expect(readFileSync(path.join(t.dir, 'incident.md'), 'utf8')).toMatch(/^# Incident/);
  });
});

describe('--log patterns', () => {
  it('a stray [ or a backwards range, by the binary: one line, not a RegExp error', async () => {
    refused(await runCli(['--log', 'error.log['], { cwd: t.dir }), /^restartdoctor: --log error\.log\[: no file matches$/);
    refused(await runCli(['--log', 'x[z-a]*'], { cwd: t.dir }), /^restartdoctor: --log x\[z-a\]\*: \[z-a\] is not a range \(a comes before z\)$/);
  });
});

describe('a log named twice is read once', () => {
  const oneIncident = (r: CliResult) => {
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/— 1 incident found in /);
    expect(r.stdout).not.toMatch(/INCIDENT 2/);
  };

  it('two spellings of one file, by the binary: one incident, one line on stderr', async () => {
    const r = await runCli(['--log', 'error.log', '--log', './error.log'], { cwd: t.dir });
    oneIncident(r);
    expect(r.stderr).toBe('restartdoctor: --log ./error.log is error.log given twice, read once\n');
  });

  it('a directory and a file in it, a symlink to it; fix --log too', async () => {
    const link = path.join(t.dir, 'sub', 'again.log');
    symlinkSync(log, link);
    const r = await runMain(['--log', t.dir, '--log', link]);
    oneIncident(r);
    expect(r.stderr).toBe(`restartdoctor: --log ${link} is ${log} given twice, read once\n`);
    const fix = await runMain(['fix', '--log', log, '--log', link]);
    expect(fix.code).toBe(0);
    expect(fix.stderr).toMatch(/given twice, read once\n.*incident 1 of 1:/s);
  });
});

describe('fix --log judges its input as the postmortem does', () => {
  it('an empty log, a binary file, one long line that is no nginx line: exit 2 with why, not "nothing to fix"', async () => {
    const conf = path.join(F, 'nginx.conf');
    refused(await runMain(['fix', '--log', t.file('empty.log', ''), '--nginx-conf', conf]), /^restartdoctor: .*empty\.log: empty: nothing to diagnose$/);
    const binary = Buffer.alloc(4096, 0);
    for (let i = 0; i < binary.length; i += 64) binary[i] = 10;
    refused(await runMain(['fix', '--log', t.file('binary.log', binary), '--nginx-conf', conf]), /^restartdoctor: .*binary\.log: looks binary/);
    const long = await runMain(['fix', '--json', '--log', t.file('long.log', 'a'.repeat(2_000_000)), '--nginx-conf', conf]);
    expect(long.code).toBe(2);
    expect(JSON.parse(long.stdout).error).toMatchObject({ message: expect.stringMatching(/long\.log: 1 line, longer than the 1 MiB line limit, skipped \(1 too-long\)/), exitCode: 2 });
  });

  it('an nginx log with no incident is still "nothing to fix", exit 0', async () => {
    const quiet = t.file('quiet.log', '2024/01/15 03:12:40 [notice] 1#1: signal process started\n');
    const r = await runMain(['fix', '--log', quiet]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no incident found in .*quiet\.log: nothing to fix/);
  });
});

describe('--tz is checked where the flags are read, for every command', () => {
  it('fix --log, fix --upstream, check, lint, record, the main command: one line naming the zone', async () => {
    const zone = /^restartdoctor: --tz: unknown time zone "Mars\/X" \(use an IANA name such as UTC or Europe\/Berlin\)$/;
    const conf = path.join(F, 'nginx.conf');
    for (const args of [
      ['fix', '--log', log, '--tz', 'Mars/X'],
      ['fix', '--upstream', '127.0.0.1:3000', '--tz', 'Mars/X'],
      ['check', '--upstream', '127.0.0.1:1', '--tz', 'Mars/X'],
      ['lint', conf, '--tz', 'Mars/X'],
      ['--tz', 'Mars/X', 'record', path.join(t.dir, 'never')],
      ['--log', log, '--tz', 'Mars/X'],
    ]) {
      refused(await runMain(args), zone);
    }
  });

  it('and $TZ where a command reads times by it', async () => {
    const r = await inProcess(['fix', '--log', log], { cwd: t.dir, now: () => NOW, env: { TZ: 'Mars/X' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^restartdoctor: \$TZ: unknown time zone "Mars\/X"/m);
    expect(r.stderr).not.toMatch(/bug in restartdoctor/);
  });
});

describe('fix: --upstream or --log, not both', () => {
  it('both: one usage line, nothing proposed; --events, --containers or --incident without --log likewise', async () => {
    refused(await runMain(['fix', '--log', log, '--upstream', '1.2.3.4:80']), /^restartdoctor: fix: --upstream and --log both name the upstream: give --upstream HOST:PORT, or --log FILE/);
    refused(await runMain(['fix', '--upstream', '1.2.3.4:80', '--incident', '2']), /^restartdoctor: fix: --incident is read with --log FILE only/);
    refused(await runMain(['fix', '--upstream', '1.2.3.4:80', '--events', path.join(F, 'docker-events.jsonl')]), /^restartdoctor: fix: --events is read with --log FILE only/);
  });

  it('either alone proposes as before', async () => {
    const conf = path.join(F, 'nginx.conf');
    for (const args of [['--log', log], ['--upstream', '172.18.0.5:3000']]) {
      const r = await runMain(['fix', ...args, '--nginx-conf', conf]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^--- .*nginx\.conf$/m);
    }
  });
});
