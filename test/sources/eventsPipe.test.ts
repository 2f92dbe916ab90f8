/**
 * `--events` from a FIFO (mkfifo) and from bash's process substitution `--events <(cat)` (a real
 * pipe, passed as /dev/fd/N): read as streams, as the file would be. Both used to fail (ESPIPE:
 * the file was peeked at by position). The test writes the events itself, in pieces.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../support/cli.js';

const FIX = path.join(REPO, 'fixtures/incidents/restart-race');
const EVENTS = readFileSync(path.join(FIX, 'docker-events.jsonl'));
const dir = mkdtempSync(path.join(tmpdir(), 'rd-events-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` (argv; `{events}` in an argument is replaced); `feed` writes the events once the child runs. */
function run(argv: string[], feed: (child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.on('error', () => undefined); // a child that failed early closes it: its stderr says why
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    feed(child);
  });
}

const cliArgs = (events: string) => ['--log', path.join(FIX, 'error.log'), '--events', events, '--containers', path.join(FIX, 'inspect.json'), '--tz', 'UTC', '--json'];
/** `restartdoctor … --events <(cat)`: bash makes the pipe; cat copies this test's writes into it. */
const processSubstitution = ['bash', '-c', `exec "$0" ${cliArgs('<(cat)').map((a) => (a === '<(cat)' ? a : `'${a}'`)).join(' ')}`, CLI];

/** Writes the events in small pieces (a pipe delivers them in chunks cut anywhere). */
function writeInPieces(out: Writable, data: Buffer): void {
  for (let at = 0; at < data.length; at += 997) out.write(data.subarray(at, at + 997));
  out.end();
}

function expectRestartRace(r: Result): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout);
  expect(report.counters.dockerEvents).toBe(5);
  expect(report.incidents.map((i: any) => [i.diagnosis.patternId, i.match?.name, i.diagnosis.confidenceLabel])).toEqual([['restart-race', 'shop-backend-1', 'high']]);
}

describe('--events from pipes and FIFOs', () => {
  it('a FIFO made with mkfifo and written by another process is read as a stream', async () => {
    const fifo = path.join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO for writing waits for its reader: the CLI.
    const r = await run([CLI, ...cliArgs(fifo)], (child) => {
      child.stdin!.end();
      writeInPieces(createWriteStream(fifo), EVENTS);
    });
    expectRestartRace(r);
  });

  it('bash process substitution, --events <(cat), is read as a stream', async () => {
    const r = await run(processSubstitution, (child) => writeInPieces(child.stdin!, EVENTS));
    expectRestartRace(r);
  });

  it('a JSON array of events through a pipe is read whole, as from a file', async () => {
    const array = Buffer.from(`  \n[${EVENTS.toString('utf8').trim().split('\n').join(',\n')}]\n`);
    const r = await run(processSubstitution, (child) => writeInPieces(child.stdin!, array));
    expectRestartRace(r);
  });
});
