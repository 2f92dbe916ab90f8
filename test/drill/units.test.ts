/** The drill's pure parts: flags, URL policy, log delta, measurement, rendering. No Docker here. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/util/errors.js';
import type { ContainerEvent } from '../../src/model/container.js';
import { startLoad, type RequestSample } from '../../src/drill/load.js';
import { markLog, readSinceMark } from '../../src/drill/logDelta.js';
import { countFailures, measure, summarizeLog, timeToReady } from '../../src/drill/measure.js';
import { parseDrillArgs } from '../../src/cli/commands/drill.js';
import { parseDuration } from '../../src/util/duration.js';
import { decide, renderMarkdown, renderText, type DrillReport } from '../../src/drill/report.js';
import { actionDelayMs } from '../../src/drill/run.js';
import { checkTargetUrl } from '../../src/drill/urlPolicy.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rd-drill-unit-'));

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain('\n');
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('URL policy', () => {
  it('allows loopback only, unless the user names the host', () => {
    for (const u of ['http://127.0.0.1:8080/health', 'http://127.1.2.3/', 'http://localhost/', 'http://[::1]:80/', 'https://app.localhost/x']) {
      expect(checkTargetUrl(u, []).toString()).toBe(new URL(u).toString());
    }
    expect(usage(() => checkTargetUrl('http://example.com/health', [])).hint).toBe('if you own example.com, add --allow-host example.com');
    expect(checkTargetUrl('http://staging.internal:8080/', ['staging.internal']).hostname).toBe('staging.internal');
    expect(usage(() => checkTargetUrl('http://10.0.0.5/', [])).message).toMatch(/only loopback/);
    expect(usage(() => checkTargetUrl('ftp://127.0.0.1/', [])).message).toMatch(/only http and https/);
    expect(usage(() => checkTargetUrl('http://u:p@127.0.0.1/', [])).message).toMatch(/credentials/);
    expect(usage(() => checkTargetUrl('not a url', [])).message).toMatch(/is not a URL/);
  });
});

describe('drill flags', () => {
  const base = ['--container', 'backend', '--url', 'http://127.0.0.1:8080/health'];

  it('has bounded defaults', () => {
    const a = parseDrillArgs(base, {});
    expect(a.kind).toBe('run');
    if (a.kind !== 'run') return;
    expect(a.options).toMatchObject({
      requests: 200,
      ratePerSec: 50,
      methods: ['GET'],
      action: 'restart',
      timeoutMs: 60_000,
      requestTimeoutMs: 5000,
      maxFailures: 0,
      docker: { label: '/var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } },
      json: false,
      log: null,
      export: null,
    });
    const b = parseDrillArgs([...base, '--method', 'get,POST', '--timeout', '2s', '--allow-host', 'Example.COM'], { DOCKER_HOST: 'tcp://127.0.0.1:2375' });
    if (b.kind !== 'run') throw new Error('run expected');
    expect(b.options.methods).toEqual(['GET', 'POST']);
    // A request never outlives the drill.
    expect(b.options.requestTimeoutMs).toBe(2000);
    expect(b.options.docker).toMatchObject({ label: 'tcp://127.0.0.1:2375', options: { host: '127.0.0.1', port: 2375, protocol: 'http' } });
    expect(b.options.allowHosts).toEqual(['example.com']);
  });

  it('answers --help without other flags', () => {
    expect(parseDrillArgs(['--help'], {})).toEqual({ kind: 'help' });
  });

  it('rejects bad values in one line naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--url', 'http://127.0.0.1/'], /--container is required/],
      [['--container', 'b'], /--url is required/],
      [[...base, '--requests', '0'], /--requests: must be between 1 and 100000/],
      [[...base, '--requests', '12abc'], /--requests: expected a whole number/],
      [[...base, '--rate', '0'], /--rate: must be more than 0/],
      [[...base, '--method', 'GET,FETCH'], /--method: use a comma-separated list/],
      [[...base, '--action', 'reboot'], /--action: use restart, stop-start, kill/],
      [[...base, '--timeout', 'soon'], /--timeout: "soon" is not a duration/],
      [[...base, '--bogus'], /unknown flag --bogus for drill/],
      [[...base, '--contaner', 'x'], /unknown flag --contaner for drill \(did you mean --container\?\)/],
      [[...base, 'extra'], /unexpected argument "extra"/],
      [['--container', 'bad name!', '--url', 'http://127.0.0.1/'], /--container: not a valid container name/],
    ];
    for (const [args, re] of cases) expect(usage(() => parseDrillArgs(args, {})).message, args.join(' ')).toMatch(re);
  });

  it('reads durations', () => {
    // The one grammar (util/duration.ts) that every duration flag reads.
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('1h')).toBe(3_600_000);
  });

  it('acts after a baseline of a fifth of the traffic, at most 2 s', () => {
    expect(actionDelayMs({ requests: 200, ratePerSec: 50 })).toBe(800);
    expect(actionDelayMs({ requests: 10_000, ratePerSec: 50 })).toBe(2000);
  });
});

describe('log delta', () => {
  const line = (n: number) => `2024/01/15 03:12:${String(n).padStart(2, '0')} [error] 7#7: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "POST /api HTTP/1.1", upstream: "http://127.0.0.1:3000/api", host: "x"\n`;

  it('reads only what was appended, without a half-written last line', async () => {
    const f = path.join(tmp(), 'error.log');
    writeFileSync(f, line(1));
    const mark = await markLog(f);
    appendFileSync(f, line(2) + line(3) + '2024/01/15 03:12:04 [error] half');
    const d = await readSinceMark(mark);
    expect(d.lines).toEqual([line(2).trimEnd(), line(3).trimEnd()]);
    expect(d.note).toBeNull();
    const s = summarizeLog(d, 'UTC');
    expect(s.upstreamErrors).toBe(2);
    expect(s.byKind).toEqual({ refused: 2 });
    expect(s.byUpstream).toEqual({ '127.0.0.1:3000': 2 });
  });

  it('reads a truncated or rotated log from its start and says so', async () => {
    const dir = tmp();
    const f = path.join(dir, 'error.log');
    writeFileSync(f, line(1) + line(2));
    const mark = await markLog(f);
    writeFileSync(f, line(3));
    const t = await readSinceMark(mark);
    expect(t.lines).toEqual([line(3).trimEnd()]);
    expect(t.note).toMatch(/truncated/);

    const mark2 = await markLog(f);
    renameSync(f, `${f}.1`);
    writeFileSync(f, line(4) + line(5));
    const r = await readSinceMark(mark2);
    expect(r.lines).toHaveLength(2);
    expect(r.note).toMatch(/rotated/);
  });

  it('refuses a missing log before the drill starts', async () => {
    await expect(markLog(path.join(tmp(), 'nope.log'))).rejects.toThrow(/does not exist/);
  });
});

describe('measurement', () => {
  const s = (seq: number, sentAt: number, status: number | null, method = 'GET'): RequestSample => ({
    seq, method, sentAt, doneAt: sentAt + 10, latencyMs: 10, status, error: status === null ? 'ECONNRESET' : null,
  });
  const ev = (time: number, action: ContainerEvent['action'], exitCode: number | null = null): ContainerEvent => ({
    time, action, exitCode, health: null, containerId: 'c', name: 'backend', image: null, signal: null, service: null, project: null, attributes: {},
  });

  it('names what a request without an answer died of, a reset on a reused keep-alive socket apart', () => {
    const samples: RequestSample[] = [
      { ...s(1, 0, null), reusedSocket: true },
      { ...s(2, 40, null), reusedSocket: false },
      { ...s(3, 80, null), error: 'ETIMEOUT' },
      s(4, 120, 200),
    ];
    expect(countFailures(samples).noResponseBy).toEqual({ 'ECONNRESET on a reused socket': 1, ECONNRESET: 1, ETIMEOUT: 1 });
  });

  it('counts failures, the window, and the time to ready from the last start before the first 2xx', () => {
    const samples = [s(1, 0, 200), s(2, 100, 502, 'POST'), s(3, 200, 503), s(4, 300, null), s(5, 400, 504), s(6, 500, 500), s(7, 600, 404), s(8, 700, 200)];
    // A start at 250 that died again, then the start at 450 that served.
    const events = [ev(90, 'die', 0), ev(250, 'start'), ev(300, 'die', 1), ev(450, 'start')];
    const m = measure({ samples, events, actionStartedAt: 50, actionEndedAt: 460, log: null });
    expect(m.failures).toEqual({ total: 5, s502: 1, s503: 1, s504: 1, otherServerErrors: 1, noResponse: 1, noResponseBy: { ECONNRESET: 1 }, byMethod: { POST: 1, GET: 4 } });
    expect(m.statuses).toEqual({ '200': 2, '404': 1, '500': 1, '502': 1, '503': 1, '504': 1, 'no-response': 1 });
    expect(m.failureWindow).toEqual({ first: 110, last: 510, durationMs: 400 });
    expect(m.timeToReadyMs).toBe(710 - 450);
    expect(m.readyAnchor).toBe('start-event');
    expect(decide(m, 5)).toEqual({ pass: true, verdict: ['5 failed requests ≤ --max-failures 5'] });
    expect(decide(m, 4).pass).toBe(false);
  });

  it('falls back to the API call when no event was read, and fails a drill that never saw the app again', () => {
    expect(timeToReady([s(1, 500, 200)], [], 0, 400)).toEqual({ ms: 110, anchor: 'action-return' });
    const m = measure({ samples: [s(1, 0, 200), s(2, 100, 502)], events: [ev(50, 'start')], actionStartedAt: 10, actionEndedAt: 60, log: null });
    expect(m.timeToReadyMs).toBeNull();
    expect(decide(m, 10).pass).toBe(false);
  });
});

describe('rendering', () => {
  it('escapes what came from the log and the daemon', () => {
    const evil = '2024/01/15 03:12:44 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: _, request: "GET /|`x`|\u001b[31m HTTP/1.1", upstream: "http://127.0.0.1:3000/", host: "x"';
    const log = summarizeLog({ file: '/tmp/e.log', lines: [evil, '```', 'garbage'], bytesRead: 1, note: null }, 'UTC');
    expect(log.upstreamErrors).toBe(1);
    expect(log.unparsed).toBe(2);
    const m = measure({ samples: [], events: [], actionStartedAt: 0, actionEndedAt: 0, log });
    const report: DrillReport = {
      schemaVersion: 1, container: { name: 'api|`x`', id: 'abcdef0123456789', restartPolicy: null }, url: 'http://127.0.0.1/',
      action: 'restart', methods: ['GET'], plannedRequests: 0, ratePerSec: 1, startedAt: 0, endedAt: 0, actionStartedAt: 0,
      actionEndedAt: 0, cutShort: false, measurement: m, maxFailures: 0, pass: false, verdict: ['x'], notes: [],
    };
    const md = renderMarkdown(report);
    expect(md).toContain('api\\|\\`x\\`');
    expect(md).not.toContain('\u001b');
    const fenced = md.slice(md.indexOf('```text') + 7, md.lastIndexOf('```'));
    expect(fenced).not.toContain('```');
    expect(renderText(report)).not.toContain('\u001b');
  });
});

describe('load generator bounds', () => {
  it('stops at the count, at the deadline, and gives up on a server that never finishes', async () => {
    // /ok answers; /trickle sends headers and then a byte every 50 ms, forever.
    const timers: NodeJS.Timeout[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/ok') return void res.end('ok');
      res.writeHead(200);
      timers.push(setInterval(() => res.write('.'), 50));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const counted = await startLoad({ url: new URL(`http://127.0.0.1:${port}/ok`), requests: 12, ratePerSec: 200, methods: ['GET', 'POST'], deadlineMs: 5000, requestTimeoutMs: 1000 }).done;
      expect(counted.samples).toHaveLength(12);
      expect(counted.cutShort).toBe(false);
      expect(counted.samples.filter((x) => x.method === 'POST' && x.status === 200)).toHaveLength(6);

      const t0 = Date.now();
      const cut = await startLoad({ url: new URL(`http://127.0.0.1:${port}/trickle`), requests: 1000, ratePerSec: 50, methods: ['GET'], deadlineMs: 200, requestTimeoutMs: 300 }).done;
      expect(cut.cutShort).toBe(true);
      expect(cut.samples.length).toBeLessThanOrEqual(12);
      expect(cut.samples.every((x) => x.error === 'ETIMEOUT' && x.status === null)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(200 + 300 + 400);
    } finally {
      timers.forEach(clearInterval);
      server.closeAllConnections();
      server.close();
    }
  });
});
