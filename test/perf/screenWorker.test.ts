/**
 * A big log read on two threads (scan/screenedFile.ts + screenWorker.ts) must give exactly what
 * the one-thread read gives: every counter, every upstream failure as burst detection receives
 * it, in order, the incidents, the newest time; with a --since/--until window and in another time
 * zone too. A worker runs a built JavaScript file, so this test drives the build in dist/ (npm
 * test builds first), the same code the CLI runs.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/gen.js';
import { readerThreadScript } from '../../src/scan/readerThread.js';

const dist = join(__dirname, '..', '..', 'dist', 'src');
type Analyze = typeof import('../../src/session/analyze.js');
type Engine = typeof import('../../src/engine/incidentEngine.js');
type Screened = typeof import('../../src/scan/screenedFile.js');
type ReaderThread = typeof import('../../src/scan/readerThread.js');
type Sample = import('../../src/parse/failureSample.js').FailureSample;

let analyzeMod: Analyze;
let engineMod: Engine;
let screenedMod: Screened;
let readerMod: ReaderThread;
let patterns: ReturnType<typeof import('../../src/diagnose/loadPatterns.js')['loadPatterns']>;
let dir: string;
let log: string;
let events: string;
/** An outage's log (bench --mix outage): nearly every line a failure, cut on the reader thread and handed over as numbers. */
let outage: string;

const T = '2024/03/10 00:30:00';

beforeAll(async () => {
  analyzeMod = (await import(join(dist, 'session', 'analyze.js'))) as Analyze;
  engineMod = (await import(join(dist, 'engine', 'incidentEngine.js'))) as Engine;
  screenedMod = (await import(join(dist, 'scan', 'screenedFile.js'))) as Screened;
  readerMod = (await import(join(dist, 'scan', 'readerThread.js'))) as ReaderThread;
  patterns = ((await import(join(dist, 'diagnose', 'loadPatterns.js'))) as typeof import('../../src/diagnose/loadPatterns.js')).loadPatterns();
  dir = mkdtempSync(join(tmpdir(), 'rd-screen-'));
  const g = generate(dir, 6_000_000, 11);
  log = g.log;
  events = g.events;
  // Lines that take the unusual ways through a batch: a line cut at the 1 MB bound (bigger than
  // any ordinary batch), binary bytes, CRLF, non-ASCII, and a failure right after each.
  const fail = `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "POST / HTTP/1.1", upstream: "http://10.9.9.9:80/", host: "a"`;
  appendFileSync(log, [`${T} [error] 1#1: *5 upstream ${'z'.repeat(1024 * 1024 + 100)}`, fail, '\u0000\u0001 binary', fail, `${fail}\r`, `${T} [error] 1#1: *5 upstream timed out (110: Connection timed out) while reading upstream, client: 1.2.3.4, server: é, upstream: "http://10.9.9.9:80/ü"`, fail, ''].join('\n'));
  outage = generate(dir, 3_000_000, 12, 'outage').log;
  // The outage log ends with the same odd lines, and failures whose names and messages the reader
  // thread's tables must keep apart (a message seen before with one character changed, a new host),
  // and failures with more field markers than a candidate carries over (8, and more than a cut holds).
  const odd = [`${T} [error] 1#1: *5 upstream ${'z'.repeat(1024 * 1024 + 100)}`, fail, '\u0000\u0001 binary', fail, fail.replace('host: "a"', 'host: "a\u0008b"'), `${fail}, referrer: "\u0001\u0000"`, `${fail}\r`, fail.replace('111: ', '112: '), fail.replace('host: "a"', 'host: "b"'), fail.replace('*5 ', '* '), fail.replace('*5 ', '*x5 '), fail.replace('"http://10.9.9.9:80/"', '"http://[2001:db8::1]:80/x"'), fail.replace(', upstream: "http://10.9.9.9:80/"', ''), `${fail.replace('POST / HTTP/1.1', 'POST /?a=1, host: b, host: c HTTP/1.1')}, referrer: "r"`, fail.replace('POST / HTTP/1.1', `POST /${', host: x'.repeat(70)} HTTP/1.1`), `${T} [error] 1#1: *5 upstream timed out (110: Connection timed out) while reading upstream, client: 1.2.3.4, server: é, upstream: "http://10.9.9.9:80/ü"`, fail, ''];
  appendFileSync(outage, odd.join('\n'));
  // Shaped lines (parse/lineShape.ts) and access lines: the reader thread passes them on to be read as strings.
  appendFileSync(log, [`2024-03-10T00:30:00.5Z ${fail}`, `nginx-1  | ${fail}`, `nginx-1  | 2024-03-10T00:30:01.5Z ${fail}`, '127.0.0.1 - - [10/Mar/2024:00:30:00 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/7.88"', `<187>Mar 10 00:30:00 host nginx: ${fail}`, 'nginx-1  | /docker-entrypoint.sh: ready', ''].join('\n'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  counts: unknown;
  failures: unknown[];
  incidents: string;
  latest: number;
}

interface Extra {
  since?: number;
  until?: number;
  tz?: string;
  /** Of every 8 failure lines, how many the reader thread cuts (ScreenJob.share); adapted when not given. */
  share?: number;
  /** The log to read (default: the busy host's). */
  file?: string;
}

/** analyze() on one or two threads, with every upstream failure recorded as the engine takes it. */
async function run(readerThread: boolean, extra: Extra): Promise<Outcome> {
  const proto = engineMod.IncidentEngine.prototype;
  const orig = proto.ingestFailure;
  const failures: unknown[] = [];
  proto.ingestFailure = function (this: InstanceType<Engine['IncidentEngine']>, f: Sample) {
    failures.push({ line: f.line, time: f.time, raw: f.raw, kind: f.kind, key: f.key, method: f.method, requestSent: f.requestSent, server: f.server, host: f.host, clientHash: f.clientHash });
    orig.call(this, f);
  };
  try {
    const file = extra.file ?? log;
    if (readerThread && extra.share !== undefined) {
      // The reader thread with a fixed share of the cut (analyze() adapts it to the two threads' speed).
      const engine = new engineMod.IncidentEngine({ tz: extra.tz ?? 'UTC', patterns, since: extra.since ?? null, until: extra.until ?? null });
      await analyzeMod.feedEventsFile(events, engine);
      await screenedMod.streamFileScreened(file, engine, { tz: extra.tz ?? 'UTC', since: extra.since ?? null, until: extra.until ?? null, share: extra.share });
      engine.finish();
      return { counts: engine.counts(), failures, incidents: JSON.stringify(engine.incidents()), latest: engine.latestDataTime() };
    }
    const { engine, incidents } = await analyzeMod.analyze({ logs: [file], events, tz: extra.tz ?? 'UTC', patterns, since: extra.since ?? null, until: extra.until ?? null, readerThread });
    return { counts: engine.counts(), failures, incidents: JSON.stringify(incidents), latest: engine.latestDataTime() };
  } finally {
    proto.ingestFailure = orig;
  }
}

async function expectSame(extra: Extra): Promise<Outcome> {
  const one = await run(false, extra);
  const two = await run(true, extra);
  expect(two.counts).toEqual(one.counts);
  // In the same order too: a report lists the counts as the engine gives them.
  expect(JSON.stringify(two.counts)).toBe(JSON.stringify(one.counts));
  expect(two.failures.length).toBe(one.failures.length);
  for (let i = 0; i < one.failures.length; i++) expect(two.failures[i]).toEqual(one.failures[i]);
  expect(two.latest).toBe(one.latest);
  expect(two.incidents).toBe(one.incidents);
  return one;
}

describe('reading a big log on a second thread', () => {
  it('the built worker script is there (the CLI uses it for files of 64 MB and more)', () => {
    // A file of 64 MB and more, on disk, not compressed (the sizes are the caller's: a file's own).
    expect(readerMod.readOnThread(log, 64 * 1024 * 1024)).toBe(true);
    expect(readerMod.readOnThread(log, 64 * 1024 * 1024 - 1)).toBe(false);
    expect(readerMod.readOnThread('-', 1024 * 1024 * 1024)).toBe(false);
  });

  it('the thread runs the build\'s one-file script (so every test here holds the bundle to the one-thread path), not an older one', () => {
    expect(readerMod.readerThreadScript()?.pathname).toBe(join(dist, 'scan', 'screenWorker.bundle.js'));
    // A build by tsc alone rewrites screenWorker.js and leaves the bundle of the build before: the modules run then.
    const built = mkdtempSync(join(tmpdir(), 'rd-script-'));
    try {
      const dirUrl = pathToFileURL(`${built}/`);
      expect(readerThreadScript(dirUrl)).toBeNull();
      writeFileSync(join(built, 'screenWorker.js'), '');
      expect(readerThreadScript(dirUrl)?.pathname).toBe(join(built, 'screenWorker.js'));
      writeFileSync(join(built, 'screenWorker.bundle.js'), '');
      utimesSync(join(built, 'screenWorker.bundle.js'), 1_000, 1_000);
      expect(readerThreadScript(dirUrl)?.pathname).toBe(join(built, 'screenWorker.js'));
      utimesSync(join(built, 'screenWorker.bundle.js'), new Date(), new Date());
      expect(readerThreadScript(dirUrl)?.pathname).toBe(join(built, 'screenWorker.bundle.js'));
      // The CLI's bundle (dist/bundle/) has the one file beside its chunks, and no modules.
      rmSync(join(built, 'screenWorker.js'));
      expect(readerThreadScript(dirUrl)?.pathname).toBe(join(built, 'screenWorker.bundle.js'));
    } finally {
      rmSync(built, { recursive: true, force: true });
    }
  });

  it('a reader thread started ahead of its job (the installed command\'s big postmortem) takes it by message and gives the same', async () => {
    readerMod.startReaderThread();
    // Let it load its modules and wait: the job then comes as a message, not as workerData.
    await new Promise((r) => setTimeout(r, 300));
    await expectSame({});
    readerMod.startReaderThread();
    await expectSame({ file: outage });
  });

  it('a read started before the engine exists: what the thread sent meanwhile is taken over in order, and a read of another window is dropped', async () => {
    // The thread fills its slots and waits while nothing takes its batches (the outage log fills them at once).
    screenedMod.startReadingEarly(outage, { tz: 'UTC', since: null, until: null });
    await new Promise((r) => setTimeout(r, 500));
    await expectSame({ file: outage });
    screenedMod.startReadingEarly(log, { tz: 'UTC', since: null, until: null });
    await expectSame({});
    // Started for another window: dropped, and the read starts again with the right one.
    screenedMod.startReadingEarly(log, { tz: 'UTC', since: Date.UTC(2024, 2, 10, 0, 0, 0), until: null });
    await expectSame({ tz: 'Europe/Berlin' });
  });

  it('a busy host\'s log read while nothing takes its batches: many chunks\' lines gathered in a batch give the same', async () => {
    // 24 MB: six chunks of a few candidates each. With the engine's thread not taking batches yet,
    // the reader thread gathers chunks into one batch instead of sending each, copying each
    // chunk's lines before the chunk's memory is read into again.
    const big = generate(dir, 24_000_000, 13).log;
    screenedMod.startReadingEarly(big, { tz: 'UTC', since: null, until: null });
    await new Promise((r) => setTimeout(r, 500));
    const one = await expectSame({ file: big });
    expect(one.failures.length).toBeGreaterThan(5000);
  });

  it('gives the same counts, failures, incidents and times as one thread', async () => {
    const one = await expectSame({});
    expect(one.failures.length).toBeGreaterThan(1000);
    expect((JSON.parse(one.incidents) as unknown[]).length).toBeGreaterThan(2);
    expect(one.counts).toMatchObject({ unparsed: { 'not-nginx': expect.any(Number), binary: expect.any(Number), empty: expect.any(Number) } });
    expect(one.counts).toMatchObject({ accessLines: 1, untimed: 1, shapes: { docker: 1, compose: 2, 'compose-t': 1, 'syslog-3164': 1 } });
  });

  it('with a --since/--until window', async () => {
    const one = await expectSame({ since: Date.UTC(2024, 2, 10, 0, 20, 0), until: Date.UTC(2024, 2, 10, 1, 30, 0) });
    expect((one.counts as { outsideWindow: number }).outsideWindow).toBeGreaterThan(1000);
  });

  it('in another time zone', async () => {
    await expectSame({ tz: 'Europe/Berlin' });
  });

  it('an outage log: the same whoever cuts the failure lines (all on the reader thread, some, none, adapted)', async () => {
    const one = await expectSame({ file: outage, share: 8 });
    expect((one.counts as { upstreamErrors: number }).upstreamErrors).toBeGreaterThan(5000);
    expect((one.counts as { upstreamErrors: number }).upstreamErrors / (one.counts as { linesRead: number }).linesRead).toBeGreaterThan(0.8);
    for (const share of [3, 0]) await expectSame({ file: outage, share });
    await expectSame({ file: outage });
  });

  it('an outage log with a window, in another time zone', async () => {
    const one = await expectSame({ file: outage, share: 5, tz: 'America/New_York', since: Date.UTC(2024, 2, 10, 5, 5, 0), until: Date.UTC(2024, 2, 10, 5, 40, 0) });
    expect((one.counts as { outsideWindow: number }).outsideWindow).toBeGreaterThan(1000);
  });

  it('a row added to the signature table reaches the reader thread: its failures are cut there and handed over as numbers', async () => {
    const intakeMod = (await import(join(dist, 'scan', 'lineIntake.js'))) as typeof import('../../src/scan/lineIntake.js');
    const readMod = (await import(join(dist, 'sources', 'readInput.js'))) as typeof import('../../src/sources/readInput.js');
    const sigMod = (await import(join(dist, 'parse', 'nginx', 'signatures.js'))) as typeof import('../../src/parse/nginx/signatures.js');
    const signatures = [...sigMod.SIGNATURES, { phrase: 'peer vanished mid-flight', where: 'anywhere' as const, kind: 'reset' as const }];
    const added = join(dir, 'added.log');
    const line = (k: number) => `${T} [error] 1#1: *${k} peer vanished mid-flight while reading upstream, client: 1.2.3.${k}, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.7.7.7:80/x", host: "a"`;
    appendFileSync(added, Array.from({ length: 50 }, (_, k) => line(k)).join('\n') + '\n');
    const read = async (table: typeof signatures | undefined, thread: boolean) => {
      const engine = new engineMod.IncidentEngine({ tz: 'UTC', patterns });
      const o = { tz: 'UTC', ...(table ? { signatures: table } : {}) };
      if (thread) await screenedMod.streamFileScreened(added, engine, { ...o, share: 8 });
      else {
        const intake = new intakeMod.LineIntake(engine, o);
        await readMod.streamFileLines(added, intake);
        intake.flush();
      }
      engine.finish();
      return { counts: engine.counts(), incidents: JSON.stringify(engine.incidents()) };
    };
    const two = await read(signatures, true);
    expect(two.counts.upstreamErrors).toBe(50);
    expect(JSON.parse(two.incidents)[0].burst.kinds).toEqual({ reset: 50 });
    expect(two).toEqual(await read(signatures, false));
    // Without the row they are no failures on either path: the table alone made the difference.
    expect((await read(undefined, true)).counts.upstreamErrors).toBe(0);
  });

  it('where WebAssembly is missing (node --jitless): the slots are a SharedArrayBuffer of their own, the lines copied by Buffer.copy, and it gives the same', () => {
    // With WebAssembly the slots lie in the scanner's memory and a line is copied inside the module
    // (screenedFile.ts ScreenJob.memory); the tests above read that way. This reads the other.
    const script = `
      const { analyze } = await import(${JSON.stringify(join(dist, 'session', 'analyze.js'))});
      const { loadPatterns } = await import(${JSON.stringify(join(dist, 'diagnose', 'loadPatterns.js'))});
      const { isDeepStrictEqual } = await import('node:util');
      const out = [];
      for (const readerThread of [false, true]) {
        const { engine, incidents } = await analyze({ logs: [${JSON.stringify(outage)}], tz: 'UTC', patterns: loadPatterns(), readerThread });
        out.push({ counts: engine.counts(), incidents: JSON.stringify(incidents) });
      }
      console.log(JSON.stringify({ wasm: typeof WebAssembly, same: isDeepStrictEqual(out[0], out[1]), errors: out[1].counts.upstreamErrors }));`;
    // A file, not -e: the reader thread would inherit -e's --input-type.
    const file = join(dir, 'jitless.mjs');
    writeFileSync(file, script);
    const got = JSON.parse(execFileSync(process.execPath, ['--jitless', '--no-warnings', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { wasm: string; same: boolean; errors: number };
    expect(got).toEqual({ wasm: 'undefined', same: true, errors: expect.any(Number) });
    expect(got.errors).toBeGreaterThan(5000);
  }, 60_000);

  it('no ArrayBuffer is detached on either thread, on one thread or two: V8 would then check every typed-array access of that thread', () => {
    // A detached ArrayBuffer (a WebAssembly memory grown, a buffer transferred) turns off V8's
    // detaching protector for good, and the byte loops of the screen and the cut ran ~1.5x as long
    // (lineScan.ts MEMORY_PAGES). V8 says when it happens; the flag reaches the reader thread too.
    const script = `
      const { analyze } = await import(${JSON.stringify(join(dist, 'session', 'analyze.js'))});
      const { loadPatterns } = await import(${JSON.stringify(join(dist, 'diagnose', 'loadPatterns.js'))});
      for (const readerThread of [true, false]) await analyze({ logs: [${JSON.stringify(outage)}], events: ${JSON.stringify(events)}, tz: 'UTC', patterns: loadPatterns(), readerThread });
      console.log('read');`;
    const file = join(dir, 'protector.mjs');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, ['--trace-protector-invalidation', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim().split('\n').pop()).toBe('read');
    expect(out).not.toContain('ArrayBufferDetaching');
  }, 60_000);

  it('an error in the reader thread becomes the same one-line error', async () => {
    const engine = new engineMod.IncidentEngine({ tz: 'UTC', patterns });
    await expect(screenedMod.streamFileScreened(dir, engine, { tz: 'UTC', since: null, until: null })).rejects.toMatchObject({
      name: 'InputError',
      message: `${dir}: is a directory, not a log file`,
    });
  });
});
