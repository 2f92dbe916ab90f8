/**
 * Records real incidents: a busybox backend container on the host network, a real nginx in
 * front of it, GET+POST traffic through nginx, and the scenario's action in the middle. Writes
 * what an operator would collect afterwards into a temp folder:
 *   error.log, access.log   nginx's own logs
 *   events.jsonl            raw Engine API `/events` objects for the container, one per line
 *   inspect.json            `docker inspect` of the container at the end
 * and returns the ground truth read from those files (502s from the access log, 111 lines from
 * the error log, the lifecycle events), which the e2e tests hold the CLI's output against.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BUSYBOX_IMAGE, DOCKER_SOCKET, docker, removeContainers, slowStartApp } from './docker.js';
import { readAccessLog, startNginx, type AccessRecord, type NginxHandle } from './nginx.js';
import { startTraffic, type LoadResult, type LoadRun } from './traffic.js';

export type ScenarioName = 'restart-race' | 'crash-loop' | 'oom-kill' | 'slow-startup' | 'backend-down' | 'stop-timeout';

interface ScenarioEvent {
  time: number;
  action: string;
  exitCode: number | null;
  signal: string | null;
}

interface GroundTruth {
  /** Requests nginx logged (the access log). */
  requests: number;
  statuses: Record<string, number>;
  /** Access-log 502s, total and by method. */
  bad502: number;
  bad502ByMethod: Record<string, number>;
  /** Access-log attempts that got 502 from this peer (`127.0.0.1:PORT`), retries included. */
  peer502: number;
  /** Attempts on this peer that got 502 or 504. */
  peerFailed: number;
  /**
   * 504s: a connect or read that timed out (on a loaded machine even loopback connects can, when
   * the app's accept backlog is full). nginx logs each as one `upstream timed out (110)` line.
   */
  bad504: number;
  /** 502s + 504s: every request the upstream failed, and by method. */
  failed: number;
  failedByMethod: Record<string, number>;
  /** POST/PUT/PATCH/DELETE answered 502 or 504: writes the client lost. */
  writesLost: number;
  /** error.log lines with `(111: Connection refused)` / with `upstream:` at all. */
  refusedLines: number;
  upstreamErrorLines: number;
  /** First/last 502 in the access log (epoch ms, nginx's $msec). */
  first502: number | null;
  last502: number | null;
  /** Lifecycle events recorded (exec_* health probes left out), oldest first. */
  events: ScenarioEvent[];
  /** When the test issued the action, and the first `start` event after it (the restart). */
  actionAt: number;
  restartAt: number | null;
  dieExitCodes: number[];
  oomKilled: boolean;
  restartCount: number;
  finalStatus: string;
  /** What the client saw, for the record. */
  clientStatuses: Record<string, number>;
}

export interface RecordedScenario {
  name: ScenarioName;
  dir: string;
  container: string;
  nginxPort: number;
  backendPort: number;
  /** `127.0.0.1:PORT`, the peer in nginx's `upstream:` field. */
  peer: string;
  truth: GroundTruth;
}

interface Spec {
  name: ScenarioName;
  container: string;
  nginxPort: number;
  backendPort: number;
  /** `docker run` flags beyond the common ones (name, network, labels, www mount). */
  runFlags: string[];
  /** The container's command (run by `sh -c`). */
  script: string;
  /** Run the container before traffic starts (false: the action creates it). */
  startBefore: boolean;
  ratePerSec: number;
  /** Traffic before the action: the baseline (or, for a fresh start, the requests already failing). */
  actionDelayMs: number;
  action: (s: Spec, dirs: { www: string; ctl: string }) => Promise<void>;
  /**
   * Resolves once the incident is complete (back up, down for good, looped enough): the traffic
   * runs until then plus TAIL_MS, so a slow machine stretches the recording instead of cutting
   * the incident short. Bounded by MAX_TRAFFIC_MS.
   */
  complete: (s: Spec, deadline: number) => Promise<void>;
}

/** Traffic after the incident is complete: the recovery (or the outage going on) in the logs. */
const TAIL_MS = 700;
const MAX_TRAFFIC_MS = 30_000;

const LABELS = ['--label', 'com.docker.compose.service=backend', '--label', 'com.docker.compose.project=e2e'];

/** A CGI answers GET and POST alike (busybox httpd answers POST to a static file with 501). */
function writeWww(dir: string): string {
  const www = path.join(dir, 'www');
  mkdirSync(path.join(www, 'cgi-bin'), { recursive: true });
  writeFileSync(path.join(www, 'health'), 'ok\n');
  const cgi = path.join(www, 'cgi-bin/health');
  writeFileSync(cgi, '#!/bin/sh\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nok %s\\n" "$REQUEST_METHOD"\n');
  chmodSync(cgi, 0o755);
  return www;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The status of a GET, 0 when nothing answered within a second: for waiting on a backend. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function waitForBackend(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await httpStatus(`http://127.0.0.1:${port}/health`)) === 200) return;
    await sleep(100);
  }
  throw new Error(`backend on 127.0.0.1:${port} did not answer within ${timeoutMs} ms`);
}

function runArgs(s: Spec, www: string, ctl: string): string[] {
  return [
    'run', '-d', '--name', s.container, '--network', 'host', ...LABELS,
    // --expose names the port in the container's config, as an image's EXPOSE would.
    '--expose', String(s.backendPort),
    '-v', `${www}:/www:ro`, '-v', `${ctl}:/ctl`,
    ...s.runFlags, BUSYBOX_IMAGE, 'sh', '-c', s.script,
  ];
}

/**
 * Raw `/events` objects over the unix socket. With `until` in the past the daemon replays and
 * closes the stream, so this ends by itself; the timer is only a guard.
 */
export function fetchEvents(container: string, sinceMs: number, untilMs: number): Promise<string[]> {
  const q = new URLSearchParams({
    since: (sinceMs / 1000).toFixed(3),
    until: (untilMs / 1000).toFixed(3),
    filters: JSON.stringify({ container: [container], type: ['container'] }),
  });
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: DOCKER_SOCKET, path: `/events?${q}`, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text.split('\n').filter((l) => l.trim() !== '')));
    });
    req.on('timeout', () => req.destroy(new Error('/events did not end within 10 s')));
    req.on('error', reject);
  });
}

function lifecycle(lines: string[]): ScenarioEvent[] {
  return lines
    .map((l) => JSON.parse(l) as { Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } })
    .filter((e) => !e.Action.startsWith('exec_'))
    .map((e) => ({
      time: e.timeNano / 1e6,
      action: e.Action,
      exitCode: e.Actor.Attributes.exitCode !== undefined ? Number(e.Actor.Attributes.exitCode) : null,
      signal: e.Actor.Attributes.signal ?? null,
    }));
}

function count<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function groundTruth(dir: string, peer: string, actionAt: number, load: LoadResult): GroundTruth {
  const access: AccessRecord[] = readAccessLog(path.join(dir, 'access.log'));
  const errorLines = readFileSync(path.join(dir, 'error.log'), 'utf8').split('\n');
  const events = lifecycle(readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean));
  const inspect = (JSON.parse(readFileSync(path.join(dir, 'inspect.json'), 'utf8')) as Array<{
    State: { OOMKilled: boolean; Status: string };
    RestartCount: number;
  }>)[0];
  const bad = access.filter((a) => a.status === 502);
  const failed = access.filter((a) => a.status === 502 || a.status === 504);
  return {
    requests: access.length,
    statuses: count(access, (a) => String(a.status)),
    bad502: bad.length,
    bad502ByMethod: count(bad, (a) => a.method),
    bad504: access.filter((a) => a.status === 504).length,
    failed: failed.length,
    failedByMethod: count(failed, (a) => a.method),
    peer502: access.reduce((n, a) => n + a.upstreams.filter((u) => u.addr === peer && u.status === '502').length, 0),
    peerFailed: access.reduce((n, a) => n + a.upstreams.filter((u) => u.addr === peer && (u.status === '502' || u.status === '504')).length, 0),
    writesLost: failed.filter((a) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(a.method)).length,
    refusedLines: errorLines.filter((l) => l.includes('(111: Connection refused)')).length,
    upstreamErrorLines: errorLines.filter((l) => l.includes(' upstream: "')).length,
    first502: bad.length ? Math.min(...bad.map((a) => a.time)) : null,
    last502: bad.length ? Math.max(...bad.map((a) => a.time)) : null,
    events,
    actionAt,
    restartAt: events.find((e) => e.action === 'start' && e.time >= actionAt)?.time ?? null,
    dieExitCodes: events.filter((e) => e.action === 'die').map((e) => e.exitCode ?? -1),
    oomKilled: inspect?.State.OOMKilled ?? false,
    restartCount: inspect?.RestartCount ?? 0,
    finalStatus: inspect?.State.Status ?? 'missing',
    clientStatuses: count(load.samples, (s) => String(s.status ?? 'none')),
  };
}

async function record(s: Spec): Promise<RecordedScenario> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rd-scenario-${s.name}-`));
  const www = writeWww(dir);
  const ctl = path.join(dir, 'ctl');
  mkdirSync(ctl);
  const peer = `127.0.0.1:${s.backendPort}`;
  await removeContainers(s.container);
  let nginx: NginxHandle | null = null;
  let traffic: LoadRun | null = null;
  try {
    if (s.startBefore) {
      await docker(...runArgs(s, www, ctl));
      await waitForBackend(s.backendPort, 10_000);
    }
    nginx = await startNginx({ port: s.nginxPort, peers: [{ port: s.backendPort }] });
    // Events from here on: what `docker events --since` taken at the incident would hold.
    const sinceMs = Date.now() - 200;
    traffic = startTraffic({
      url: nginx.url('/health'),
      count: Math.ceil((MAX_TRAFFIC_MS / 1000) * s.ratePerSec),
      ratePerSec: s.ratePerSec,
      methods: ['GET', 'POST'],
      maxDurationMs: MAX_TRAFFIC_MS,
    });
    await sleep(s.actionDelayMs);
    const actionAt = Date.now();
    await s.action(s, { www, ctl });
    await s.complete(s, actionAt + MAX_TRAFFIC_MS - s.actionDelayMs - TAIL_MS);
    await sleep(TAIL_MS);
    traffic.stop();
    const load = await traffic.done;
    await sleep(300); // the last log lines and events of the run
    const untilMs = Date.now();
    writeFileSync(path.join(dir, 'events.jsonl'), (await fetchEvents(s.container, sinceMs, untilMs)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'inspect.json'), (await docker('inspect', s.container)) + '\n');
    await nginx.stop();
    copyFileSync(nginx.errorLog, path.join(dir, 'error.log'));
    copyFileSync(nginx.accessLog, path.join(dir, 'access.log'));
    rmSync(nginx.prefix, { recursive: true, force: true });
    writeFileSync(path.join(dir, 'client.json'), JSON.stringify(load.samples) + '\n');
    return {
      name: s.name,
      dir,
      container: s.container,
      nginxPort: s.nginxPort,
      backendPort: s.backendPort,
      peer,
      truth: groundTruth(dir, peer, actionAt, load),
    };
  } finally {
    traffic?.stop();
    await nginx?.stop();
    await removeContainers(s.container);
  }
}

// App scripts: slowStartApp (support/docker.ts) stops cleanly on SIGTERM; busybox httpd as PID 1
// has no handler, and PID 1 without one ignores SIGTERM (the stop-timeout scenario relies on that).
const serve = slowStartApp;

const inspectField = (name: string, format: string) => docker('inspect', '-f', format, name).catch(() => '');

/** Polls `check` every 100 ms until it holds, or throws at `deadline`. */
async function until(check: () => Promise<boolean>, deadline: number, what: string): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`scenario did not reach "${what}" in time`);
    await sleep(100);
  }
}

const backendAnswers = (s: Spec, deadline: number) =>
  until(async () => (await httpStatus(`http://127.0.0.1:${s.backendPort}/health`)) === 200, deadline, `${s.container} answers`);
const restartCountAtLeast = (s: Spec, n: number, deadline: number) =>
  until(async () => Number(await inspectField(s.container, '{{.RestartCount}}')) >= n, deadline, `${s.container} restarted ${n}×`);

const SPECS: Record<ScenarioName, Spec> = {
  'restart-race': {
    name: 'restart-race',
    container: 'rd-e2e-restart',
    nginxPort: 39510,
    backendPort: 39610,
    runFlags: [],
    script: serve(39610, 2),
    startBefore: true,
    ratePerSec: 25,
    actionDelayMs: 1000,
    action: async (s) => void (await docker('restart', '-t', '3', s.container)),
    complete: backendAnswers,
  },
  'crash-loop': {
    name: 'crash-loop',
    container: 'rd-e2e-crashloop',
    nginxPort: 39511,
    backendPort: 39611,
    runFlags: ['--restart', 'always'],
    // A bad deploy in miniature: once /ctl/crash exists, the app dies, and every restart dies again after 1 s.
    script: 'if [ -e /ctl/crash ]; then sleep 1; exit 1; fi; httpd -p 39611 -h /www; while [ ! -e /ctl/crash ]; do sleep 0.1; done; exit 1',
    startBefore: true,
    ratePerSec: 25,
    actionDelayMs: 800,
    action: async (_s, { ctl }) => writeFileSync(path.join(ctl, 'crash'), ''),
    // Three policy restarts (and four deaths) make a loop, not one crash.
    complete: (s, deadline) => restartCountAtLeast(s, 3, deadline),
  },
  'oom-kill': {
    name: 'oom-kill',
    container: 'rd-e2e-oom',
    nginxPort: 39512,
    backendPort: 39612,
    runFlags: ['--memory', '16m', '--memory-swap', '16m', '--restart', 'on-failure'],
    // Once /ctl/oom exists, PID 1 doubles a string until the 16 MB cgroup is full. The memory
    // is touched in user space on purpose: `dd bs=64M` fills its buffer inside read(), where a
    // failed charge only shortens the read (dd then exits 0) instead of invoking the OOM killer.
    // The flag is consumed first so the restarted app serves again (after its 1 s start).
    script:
      'sleep 1; httpd -p 39612 -h /www; while [ ! -e /ctl/oom ]; do sleep 0.1; done; busybox rm -f /ctl/oom; s=x; while :; do s="$s$s"; done',
    startBefore: true,
    ratePerSec: 25,
    actionDelayMs: 1000,
    action: async (_s, { ctl }) => writeFileSync(path.join(ctl, 'oom'), ''),
    complete: async (s, deadline) => {
      await restartCountAtLeast(s, 1, deadline);
      await backendAnswers(s, deadline);
    },
  },
  'slow-startup': {
    name: 'slow-startup',
    container: 'rd-e2e-slowstart',
    nginxPort: 39513,
    backendPort: 39613,
    runFlags: [
      '--health-cmd', 'wget -qO- http://127.0.0.1:39613/health || exit 1',
      '--health-interval', '1s', '--health-timeout', '1s', '--health-retries', '3', '--health-start-period', '10s',
    ],
    script: serve(39613, 3),
    startBefore: false,
    ratePerSec: 20,
    actionDelayMs: 500,
    // A fresh deploy: create + start while traffic already flows to its port.
    action: async (s, { www, ctl }) => void (await docker(...runArgs(s, www, ctl))),
    // Until the healthcheck says so: the `health_status: healthy` event belongs in the recording.
    complete: (s, deadline) =>
      until(async () => (await inspectField(s.container, '{{.State.Health.Status}}')) === 'healthy', deadline, `${s.container} healthy`),
  },
  'backend-down': {
    name: 'backend-down',
    container: 'rd-e2e-down',
    nginxPort: 39514,
    backendPort: 39614,
    runFlags: [],
    script: serve(39614, 1),
    startBefore: true,
    ratePerSec: 20,
    actionDelayMs: 1000,
    action: async (s) => void (await docker('stop', '-t', '3', s.container)),
    // Down for good: the outage simply goes on; two more seconds of it.
    complete: () => sleep(2000),
  },
  'stop-timeout': {
    name: 'stop-timeout',
    container: 'rd-e2e-stoptimeout',
    nginxPort: 39515,
    backendPort: 39615,
    runFlags: [],
    // Ignores SIGTERM (inherited across exec; PID 1 would ignore it anyway with no handler):
    // `docker restart -t 2` waits 2 s, SIGKILLs (exit 137, not OOM), then the 1 s start.
    script: "trap '' TERM; sleep 1; exec httpd -f -p 39615 -h /www",
    startBefore: true,
    ratePerSec: 20,
    actionDelayMs: 1000,
    action: async (s) => void (await docker('restart', '-t', '2', s.container)),
    complete: backendAnswers,
  },
};

function recordScenario(name: ScenarioName): Promise<RecordedScenario> {
  return record(SPECS[name]);
}

/**
 * Records several scenarios, `concurrency` at a time: each has its own ports and container, so
 * running side by side is safe; the bound keeps a 2-core machine responsive enough for the timings.
 */
export async function recordScenarios(names: ScenarioName[], concurrency = 3): Promise<RecordedScenario[]> {
  const out: RecordedScenario[] = [];
  for (let i = 0; i < names.length; i += concurrency) {
    out.push(...(await Promise.all(names.slice(i, i + concurrency).map((n) => recordScenario(n)))));
  }
  return out;
}

export const SCENARIOS = Object.keys(SPECS) as ScenarioName[];
