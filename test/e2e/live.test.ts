/**
 * Live mode on a real incident (issue 6): `restartdoctor --follow --no-tui` attached to a real
 * nginx error log and the real Docker daemon *before* the restart must print the incident within
 * 2 s of the burst's end and run the checklist against the real container, measuring how long the
 * app took to listen again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker, slowStartApp } from '../support/docker.js';
import { readAccessLog, requireNginx, startNginx, type NginxHandle } from '../support/nginx.js';
import { httpStatus, sleep } from '../support/scenario.js';
import { startTraffic } from '../support/traffic.js';
import { waitFor } from '../support/wait.js';

const CONTAINER = 'rd-e2e-live';
const NGINX_PORT = 39530;
const BACKEND_PORT = 39630;
/** The app listens this long after its process starts: the restart race's window. */
const START_DELAY_S = 3;

let ready = false;
let nginx: NginxHandle | null = null;
let live: ChildProcess | null = null;
const work = mkdtempSync(path.join(os.tmpdir(), 'rd-e2e-live-'));

interface Line {
  at: number;
  text: string;
}

const until = (ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<unknown> => waitFor(ok, Boolean, { what, timeoutMs, intervalMs: 100 });

beforeAll(async () => {
  ready = (await requireDocker()) && requireNginx();
  if (!ready) return;
  await ensureBusyboxImage();
  await removeContainers(CONTAINER);
  const www = path.join(work, 'www');
  mkdirSync(www);
  writeFileSync(path.join(www, 'health'), 'ok\n');
  // `trap … TERM` + `wait`: stops at once on SIGTERM, like an app with a signal handler.
  await docker(
    'run', '-d', '--name', CONTAINER, '--network', 'host', '--expose', String(BACKEND_PORT),
    '--label', 'com.docker.compose.service=backend', '--label', 'com.docker.compose.project=e2e',
    '-v', `${www}:/www:ro`, BUSYBOX_IMAGE,
    'sh', '-c', slowStartApp(BACKEND_PORT, START_DELAY_S),
  );
  await until(async () => (await httpStatus(`http://127.0.0.1:${BACKEND_PORT}/health`)) === 200, 15_000, 'the backend').catch(async (err: Error) => {
    // Say why: the container's state and output, not only that it never answered.
    const state = await docker('inspect', '-f', '{{.State.Status}} exit={{.State.ExitCode}} started={{.State.StartedAt}} error={{.State.Error}}', CONTAINER).catch((e: Error) => e.message);
    const logs = await docker('logs', '--tail', '20', CONTAINER).catch((e: Error) => e.message);
    throw new Error(`${err.message}: container ${state}; output: ${logs || '(none)'}`);
  });
  nginx = await startNginx({ port: NGINX_PORT, peers: [{ port: BACKEND_PORT }] });
});

afterAll(async () => {
  live?.kill('SIGKILL');
  await nginx?.stop();
  await removeContainers(CONTAINER);
});

/** `restartdoctor --follow --no-tui` on the real log and daemon, its stdout kept line by line with arrival times. */
function startLive(extra: string[] = []) {
  const lines: Line[] = [];
  const out = { stderr: '' };
  const child = spawn(CLI, ['--follow', '--log', nginx!.errorLog, '--docker', 'unix:///var/run/docker.sock', '--no-tui', '--tz', 'UTC', ...extra], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live = child;
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const shown = () => `\nstdout:\n${lines.map((l) => l.text).join('\n')}\nstderr:\n${out.stderr}`;
  const seen = (re: RegExp) => lines.some((l) => re.test(l.text));
  const waitFor = (ok: () => boolean, ms: number, what: string) =>
    until(ok, ms, what).catch((err: Error) => {
      throw new Error(err.message + shown());
    });
  /** The CHECK lines and the VERDICT of the last checklist run. */
  const lastChecklist = (): { checks: string[]; verdict: string } => {
    const verdicts = lines.flatMap((l, n) => (/ VERDICT /.test(l.text) ? [n] : []));
    const run = lines.slice((verdicts.at(-2) ?? -1) + 1, verdicts.at(-1)! + 1).map((l) => l.text);
    return { checks: run.filter((t) => / CHECK /.test(t)), verdict: run.at(-1) ?? '' };
  };
  /** Both sources say on stderr that they are attached: the follower and the event stream are up. */
  const attached = () =>
    until(() => /error\.log: following$/m.test(out.stderr) && /docker \/var\/run\/docker\.sock: connected/m.test(out.stderr), 20_000, 'the sources to attach').catch((err: Error) => {
      throw new Error(err.message + shown());
    });
  const stop = async (): Promise<number | null> => {
    child.kill('SIGINT');
    return exited;
  };
  return { lines, out, shown, seen, waitFor, lastChecklist, attached, stop };
}

const backendAnswers = () => until(async () => (await httpStatus(`http://127.0.0.1:${BACKEND_PORT}/health`)) === 200, 20_000, 'the backend to answer again');

/** The app's start→listening time the time-to-ready check measured, in ms. */
function measuredListenMs(checks: string[]): number {
  const ttr = checks.find((c) => / time-to-ready /.test(c));
  expect(ttr, checks.join('\n')).toBeDefined();
  return Number(/start→listening (\d+) ms|listening after (\d+) ms|(\d+) ms to listen/.exec(ttr!)?.slice(1).find(Boolean));
}

const INCIDENT_LINE = / INCIDENT(\(open\))? /;

describe('live mode against a real restart (nginx + Docker Engine)', () => {
  it('prints the incident within 2 s of the burst and runs the checklist on the real container', async (ctx) => {
    if (!ready) ctx.skip();
    const session = startLive();
    const { lines } = session;
    // Attached before anything happens.
    await session.attached();

    const traffic = startTraffic({ url: nginx!.url('/health'), count: 600, ratePerSec: 25, methods: ['GET', 'POST'], maxDurationMs: 24_000 });
    await sleep(1000);
    const restartAt = Date.now();
    await docker('restart', '-t', '3', CONTAINER);
    await backendAnswers();
    await session.waitFor(() => session.seen(/ VERDICT .*restart race/) && session.seen(/ INCIDENT(\(open\))? restart-race /), 30_000, 'the incident and the checklist verdict');
    traffic.stop();
    await traffic.done;
    // An incident is printed again when it grows or its verdict changes: the last line is the final word.
    await sleep(2500);

    const incident = lines.findLast((l) => INCIDENT_LINE.test(l.text));
    expect(incident, session.shown()).toBeDefined();
    expect(incident!.text).toContain(' restart-race ');
    expect(incident!.text).toContain(`container=${CONTAINER}`);
    expect(incident!.text).toContain(`upstream=127.0.0.1:${BACKEND_PORT}`);

    // Burst end = nginx's last 502 on this upstream ($msec in the access log).
    const failures = readAccessLog(nginx!.accessLog).filter((r) => r.status === 502 && r.time >= restartAt - 1000);
    expect(failures.length).toBeGreaterThan(3);
    const lastFailure = Math.max(...failures.map((r) => r.time));
    expect(incident!.at - lastFailure).toBeLessThanOrEqual(2000);

    // The checklist ran against the real container while it came back, and timed it.
    const { checks, verdict } = session.lastChecklist();
    expect(checks.some((c) => / http-health /.test(c))).toBe(true);
    expect(checks.some((c) => / docker-state /.test(c) && c.includes(CONTAINER))).toBe(true);
    const listenMs = measuredListenMs(checks);
    expect(listenMs).toBeGreaterThan((START_DELAY_S - 1) * 1000);
    expect(listenMs).toBeLessThan((START_DELAY_S + 1.5) * 1000);
    expect(verdict).toContain('restart race');

    // What an operator's terminal showed, for the CI log.
    console.log(lines.map((l) => l.text).join('\n'));
    expect(await session.stop()).toBe(130);
    expect(session.out.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);

  it('a start that comes after the first line: printed as backend down, then again as a restart race, and the restart is watched', async (ctx) => {
    if (!ready) ctx.skip();
    // From now: live mode would otherwise read back the previous test's restart (history first).
    const session = startLive(['--since', 'now']);
    const { lines } = session;
    await session.attached();

    // A few failures, then silence while the container stays down: the incident settles and is
    // printed before any start event exists, as on a loaded daemon that starts the container late.
    await docker('stop', '-t', '3', CONTAINER);
    const first = startTraffic({ url: nginx!.url('/health'), count: 6, ratePerSec: 20, methods: ['GET'], maxDurationMs: 2_000 });
    await first.done;
    await session.waitFor(() => session.seen(/ INCIDENT\(open\) backend-down /), 10_000, 'the backend-down line');
    await session.waitFor(() => session.seen(/ VERDICT /), 10_000, 'the first checklist');

    // Now it starts, and traffic keeps failing until the app listens: same burst, new verdict.
    const traffic = startTraffic({ url: nginx!.url('/health'), count: 300, ratePerSec: 25, methods: ['GET', 'POST'], maxDurationMs: 12_000 });
    await docker('start', CONTAINER);
    await backendAnswers();
    await session.waitFor(() => session.seen(/ INCIDENT\(open\) restart-race /) && session.seen(/ VERDICT .*restart race/), 20_000, 'the restart-race line and the watched restart');
    traffic.stop();
    await traffic.done;

    const incidents = lines.filter((l) => INCIDENT_LINE.test(l.text)).map((l) => l.text);
    const firstLine = incidents.findIndex((t) => / backend-down /.test(t));
    const raceLine = incidents.findIndex((t) => / restart-race /.test(t));
    expect(firstLine, session.shown()).toBeGreaterThanOrEqual(0);
    expect(raceLine, session.shown()).toBeGreaterThan(firstLine);
    // One incident, re-printed: the same first error time on both lines.
    const from = (t: string) => /from="([^"]+)"/.exec(t)?.[1];
    expect(from(incidents[raceLine]!)).toBe(from(incidents[firstLine]!));

    // Two checklist runs: one while it was down, then the watch of the restart, timed from the start event.
    expect(lines.filter((l) => / VERDICT /.test(l.text)).length).toBeGreaterThanOrEqual(2);
    const { checks, verdict } = session.lastChecklist();
    expect(verdict).toContain('restart race');
    const listenMs = measuredListenMs(checks);
    expect(listenMs).toBeGreaterThan((START_DELAY_S - 1) * 1000);
    expect(listenMs).toBeLessThan((START_DELAY_S + 1.5) * 1000);

    console.log(lines.map((l) => l.text).join('\n'));
    expect(await session.stop()).toBe(130);
    expect(session.out.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);
});
