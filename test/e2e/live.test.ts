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
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';
import { readAccessLog, requireNginx, startNginx, type NginxHandle } from '../support/nginx.js';
import { httpStatus, sleep } from '../support/scenario.js';
import { startTraffic } from '../support/traffic.js';

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

async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

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
    'sh', '-c', `trap "exit 0" TERM; sleep ${START_DELAY_S}; httpd -f -p ${BACKEND_PORT} -h /www & wait`,
  );
  await until(async () => (await httpStatus(`http://127.0.0.1:${BACKEND_PORT}/health`)) === 200, 15_000, 'the backend');
  nginx = await startNginx({ port: NGINX_PORT, peers: [{ port: BACKEND_PORT }] });
});

afterAll(async () => {
  live?.kill('SIGKILL');
  await nginx?.stop();
  await removeContainers(CONTAINER);
});

describe('live mode against a real restart (nginx + Docker Engine)', () => {
  it('prints the incident within 2 s of the burst and runs the checklist on the real container', async (ctx) => {
    if (!ready) ctx.skip();
    const lines: Line[] = [];
    let stderr = '';
    live = spawn(process.execPath, [CLI, '--follow', '--log', nginx!.errorLog, '--docker', 'unix:///var/run/docker.sock', '--no-tui', '--tz', 'UTC'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    live.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const text of parts) lines.push({ at: Date.now(), text });
    });
    live.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => live!.on('exit', (code) => r(code)));
    // Attached before anything happens: the follower and the event stream are up.
    await sleep(1500);

    const traffic = startTraffic({ url: nginx!.url('/health'), count: 600, ratePerSec: 25, methods: ['GET', 'POST'], maxDurationMs: 24_000 });
    await sleep(1000);
    const restartAt = Date.now();
    await docker('restart', '-t', '3', CONTAINER);
    await until(async () => (await httpStatus(`http://127.0.0.1:${BACKEND_PORT}/health`)) === 200, 20_000, 'the backend to answer again');
    const shown = () => `\nstdout:\n${lines.map((l) => l.text).join('\n')}\nstderr:\n${stderr}`;
    const seen = (re: RegExp) => lines.some((l) => re.test(l.text));
    await until(() => seen(/ VERDICT /) && seen(/ INCIDENT(\(open\))? /), 30_000, 'the incident and the checklist verdict').catch((err: Error) => {
      throw new Error(err.message + shown());
    });
    traffic.stop();
    await traffic.done;

    const incident = lines.find((l) => / INCIDENT(\(open\))? /.test(l.text));
    expect(incident, `no INCIDENT line; stdout:\n${lines.map((l) => l.text).join('\n')}\nstderr:\n${stderr}`).toBeDefined();
    expect(incident!.text).toContain(' restart-race ');
    expect(incident!.text).toContain(`container=${CONTAINER}`);
    expect(incident!.text).toContain(`upstream=127.0.0.1:${BACKEND_PORT}`);

    // Burst end = nginx's last 502 on this upstream ($msec in the access log).
    const failures = readAccessLog(nginx!.accessLog).filter((r) => r.status === 502 && r.time >= restartAt - 1000);
    expect(failures.length).toBeGreaterThan(3);
    const lastFailure = Math.max(...failures.map((r) => r.time));
    expect(incident!.at - lastFailure).toBeLessThanOrEqual(2000);

    // The checklist ran against the real container while it came back, and timed it.
    const checks = lines.filter((l) => / CHECK /.test(l.text)).map((l) => l.text);
    expect(checks.some((c) => / http-health /.test(c))).toBe(true);
    expect(checks.some((c) => / docker-state /.test(c) && c.includes(CONTAINER))).toBe(true);
    const ttr = checks.find((c) => / time-to-ready /.test(c));
    expect(ttr, checks.join('\n')).toBeDefined();
    const listenMs = Number(/start→listening (\d+) ms|listening after (\d+) ms|(\d+) ms to listen/.exec(ttr!)?.slice(1).find(Boolean));
    expect(listenMs).toBeGreaterThan((START_DELAY_S - 1) * 1000);
    expect(listenMs).toBeLessThan((START_DELAY_S + 1.5) * 1000);
    const verdict = lines.find((l) => / VERDICT /.test(l.text))!.text;
    expect(verdict).toContain('restart race');

    // What an operator's terminal showed, for the CI log.
    console.log(lines.map((l) => l.text).join('\n'));
    live.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 90_000);
});
