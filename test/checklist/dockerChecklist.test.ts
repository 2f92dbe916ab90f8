/**
 * The checklist against a real Docker Engine (test/support/docker.ts starts one when none answers;
 * in CI a missing daemon fails the run). Containers use --network host, ports 39200–39219.
 */
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCLUSIONS } from '../../src/checklist/conclusion.js';
import { daemonOomEvent, inspectContainer } from '../../src/checklist/dockerState.js';
import { formatChecklist } from '../../src/checklist/format.js';
import { runChecklist } from '../../src/checklist/runChecklist.js';
import type { ChecklistResult } from '../../src/model/incident.js';
import { BUSYBOX_IMAGE, DOCKER_SOCKET, docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';
import { waitFor } from '../support/wait.js';

const HEALTHY = 'rd-chk-healthy';
const DELAYED = 'rd-chk-delayed';
const NOHC = 'rd-chk-nohc';
const CRASHED = 'rd-chk-crashed';
const SIGKILL = 'rd-chk-sigkill';
const OOM = 'rd-chk-oom';
const ALL = [HEALTHY, DELAYED, NOHC, CRASHED, SIGKILL, OOM];
const P_HEALTHY = 39201;
const P_DELAYED = 39202;
const P_NOHC = 39203;

const client = new Dockerode({ socketPath: DOCKER_SOCKET });
let ok = false;

const byId = (r: ChecklistResult) => Object.fromEntries(r.checks.map((c) => [c.id, c]));
const statusOf = (r: ChecklistResult) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

const waitUntil = (what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<unknown> => waitFor(cond, Boolean, { what, timeoutMs, intervalMs: 100 });

const state = (name: string, field: string) => docker('inspect', '-f', `{{${field}}}`, name);
const httpd = (port: number) => ['httpd', '-f', '-p', String(port), '-h', '/www'];
const health = (port: number) => ['--health-cmd', `wget -qO- http://127.0.0.1:${port}/health`, '--health-interval', '1s'];

beforeAll(async () => {
  ok = await requireDocker();
  if (!ok) return;
  await ensureBusyboxImage();
  await removeContainers(...ALL);
  const run = (...args: string[]) => docker('run', '-d', '--network', 'host', ...args);
  await Promise.all([
    run('--name', HEALTHY, '--label', 'com.docker.compose.service=backend', '--label', 'com.docker.compose.project=shop', ...health(P_HEALTHY), BUSYBOX_IMAGE, ...httpd(P_HEALTHY)),
    run('--name', NOHC, BUSYBOX_IMAGE, ...httpd(P_NOHC)),
    run('--name', CRASHED, BUSYBOX_IMAGE, 'sh', '-c', 'echo starting; exit 3'),
    // PID 1 that ignores SIGTERM: `docker stop` waits the stop timeout, then SIGKILLs it (exit 137).
    run('--name', SIGKILL, '--stop-timeout', '1', BUSYBOX_IMAGE, 'sh', '-c', 'trap "" TERM; while true; do sleep 1; done').then(() =>
      docker('stop', SIGKILL),
    ),
    // A shell string that doubles until the 8 MB memory cgroup limit OOM-kills it. It starts
    // allocating only once `docker run -d` has returned (the exec writes to the fifo it waits on):
    // containerd's shim watches the cgroup for OOM only after the task has started, so a process
    // that hits the limit in its first milliseconds is killed unseen (ExitCode 137, OOMKilled
    // false, no `oom` event: 2 of 10 such containers on this loaded machine, 0 of 30 when gated).
    run('--name', OOM, '--memory', '8m', '--memory-swap', '8m', BUSYBOX_IMAGE, 'sh', '-c', 'busybox mkfifo /tmp/go; read go < /tmp/go; x=a; while true; do x=$x$x; done').then(() =>
      docker('exec', OOM, 'sh', '-c', 'echo go > /tmp/go'),
    ),
  ]);
  await waitUntil(`${HEALTHY} healthy`, async () => (await state(HEALTHY, '.State.Health.Status')) === 'healthy');
  await waitUntil(`${OOM}/${CRASHED} exited`, async () => (await state(OOM, '.State.Status')) === 'exited' && (await state(CRASHED, '.State.Status')) === 'exited');
});

afterAll(async () => {
  if (ok) await removeContainers(...ALL);
});

describe('runChecklist against real containers', () => {
  it('healthy container with a healthcheck: every check passes', async (ctx) => {
    if (!ok) ctx.skip();
    const r = await runChecklist({ host: '127.0.0.1', port: P_HEALTHY, container: HEALTHY }, { docker: client });
    expect(statusOf(r)).toEqual({
      'http-health': 'pass',
      'port-host': 'pass',
      'port-container': 'pass',
      'docker-state': 'pass',
      'healthcheck-defined': 'pass',
      'docker-health': 'pass',
      'docker-restarts': 'pass',
      'docker-exit': 'pass',
    });
    expect(r.conclusion).toBe(CONCLUSIONS.healthyTransient);
    const c = byId(r);
    expect(c['http-health']!.evidence).toMatch(/^GET http:\/\/127\.0\.0\.1:39201\/health → 200 in \d+ ms/);
    // busybox httpd binds [::]; the owner is found through /proc/<pid>/fd.
    expect(c['port-container']!.evidence).toMatch(/^LISTEN \[::\]:39201 by httpd pid \d+ \(\/proc\/\d+\/net\/tcp/);
    expect(c['docker-state']!.evidence).toContain('compose shop/backend');
    expect(c['docker-health']!.evidence).toMatch(/State\.Health\.Status=healthy .*exit 0: ok/);
    expect(formatChecklist(r).at(-1)).toBe('conclusion: healthy now: transient');
  });

  it('the same container through ::1', async (ctx) => {
    if (!ok) ctx.skip();
    const r = await runChecklist({ host: '::1', port: P_HEALTHY, container: HEALTHY }, { docker: client });
    expect(byId(r)['http-health']!.evidence).toMatch(/^GET http:\/\/\[::1\]:39201\/health → 200/);
    expect(byId(r)['port-host']!.status).toBe('pass');
  });

  it('app that listens only after 4 s: not bound → bound, time to ready within ±1 s', async (ctx) => {
    if (!ok) ctx.skip();
    await removeContainers(DELAYED);
    await docker('run', '-d', '--network', 'host', '--name', DELAYED, ...health(P_DELAYED), BUSYBOX_IMAGE, 'sh', '-c', `sleep 4; exec httpd -f -p ${P_DELAYED} -h /www`);

    const before = await runChecklist({ host: '127.0.0.1', port: P_DELAYED, container: DELAYED }, { docker: client });
    expect(statusOf(before)).toMatchObject({ 'http-health': 'fail', 'port-host': 'fail', 'port-container': 'fail', 'docker-state': 'pass' });
    expect(byId(before)['http-health']!.evidence).toMatch(/ECONNREFUSED \(errno 111\)/);
    expect(byId(before)['port-container']!.evidence).toMatch(/^no LISTEN socket in \/proc\/\d+\/net\/tcp/);
    expect(before.conclusion).toBe(CONCLUSIONS.restartRace);

    const after = await runChecklist({ host: '127.0.0.1', port: P_DELAYED, container: DELAYED }, { docker: client, waitReadyMs: 15_000 });
    expect(after.timeToListenMs).not.toBeNull();
    expect(Math.abs(after.timeToListenMs! - 4000)).toBeLessThanOrEqual(1000);
    expect(Math.abs(after.timeToHealthyMs! - 4000)).toBeLessThanOrEqual(1000);
    expect(after.timeToHealthyMs!).toBeGreaterThanOrEqual(after.timeToListenMs!);
    expect(statusOf(after)).toMatchObject({ 'time-to-ready': 'pass', 'http-health': 'pass', 'port-host': 'pass', 'port-container': 'pass' });
    expect(byId(after)['time-to-ready']!.evidence).toMatch(/^start→listening \d+ ms, start→healthy \d+ ms \(start = State\.StartedAt /);
    expect(after.conclusion).toBe(CONCLUSIONS.restartRace);
  });

  it('no healthcheck: the `none` case is a finding', async (ctx) => {
    if (!ok) ctx.skip();
    const r = await runChecklist({ host: '127.0.0.1', port: P_NOHC, container: NOHC }, { docker: client });
    expect(byId(r)['healthcheck-defined']).toMatchObject({
      status: 'fail',
      meaning: 'no healthcheck: Docker and compose cannot hold traffic until the app is ready',
    });
    expect(byId(r)['docker-health']!.status).toBe('unknown');
    expect(byId(r)['http-health']!.status).toBe('pass');
  });

  it('stopped container that crashed (exit 3)', async (ctx) => {
    if (!ok) ctx.skip();
    const r = await runChecklist({ host: '127.0.0.1', port: 39204, container: CRASHED }, { docker: client });
    expect(statusOf(r)).toMatchObject({ 'docker-state': 'fail', 'port-container': 'fail', 'docker-exit': 'fail', 'http-health': 'fail' });
    expect(byId(r)['docker-exit']!.evidence).toMatch(/ExitCode=3 OOMKilled=false/);
    expect(r.conclusion).toBe(CONCLUSIONS.crash);
  });

  it('exit 137 from the stop timeout vs. a real OOM kill: told apart', async (ctx) => {
    if (!ok) ctx.skip();
    const killed = await inspectContainer(client, SIGKILL);
    const oom = await inspectContainer(client, OOM);
    if (!killed.ok || !oom.ok) throw new Error('inspect failed');
    expect(killed.info).toMatchObject({ exitCode: 137, oomKilled: false, stopTimeout: 1 });
    // The 8 MB limit OOM-kills the shell. Inspect's OOMKilled is true nearly always, but was seen
    // false (about 1 run in 20) with the daemon's `oom` event sent for the container: the checklist
    // then asks the daemon's event history, and says which of the two decided.
    expect(oom.info).toMatchObject({ exitCode: 137 });
    // That run's `oom` event is in the daemon's history, where the checklist looks when inspect says false.
    expect(await daemonOomEvent(client, { ...oom.info, oomKilled: false })).toMatchObject({ action: 'oom', containerId: oom.info.id });
    expect(await daemonOomEvent(client, { ...killed.info, oomKilled: false })).toBeNull();

    const a = await runChecklist({ host: '127.0.0.1', port: 39205, container: SIGKILL }, { docker: client });
    const b = await runChecklist({ host: '127.0.0.1', port: 39206, container: OOM }, { docker: client });
    expect(a.conclusion).toBe(CONCLUSIONS.stopTimeoutKill);
    expect(b.conclusion).toBe(CONCLUSIONS.oom);
    expect(byId(a)['docker-exit']!.meaning).toMatch(/SIGKILL, not by memory/);
    expect(byId(b)['docker-exit']!.meaning).toMatch(/OOM killer/);
    expect(byId(b)['docker-exit']!.meaning).toMatch(oom.info.oomKilled ? /State\.OOMKilled=true/ : /the daemon's oom event at .*, though State\.OOMKilled=false/);
  });

  it('unknown container: docker-state fails with "no such container"', async (ctx) => {
    if (!ok) ctx.skip();
    const r = await runChecklist({ host: '127.0.0.1', port: 39207, container: 'rd-chk-does-not-exist' }, { docker: client });
    expect(byId(r)['docker-state']).toMatchObject({ status: 'fail', evidence: 'no such container: rd-chk-does-not-exist' });
    expect(r.conclusion).toBe(CONCLUSIONS.noSuchContainer);
  });
});
