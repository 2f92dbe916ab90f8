import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  connectDocker,
  describeDockerError,
  type DockerHandle,
} from '../../src/sources/dockerLive.js';
import { parseDockerEndpoint } from '../../src/sources/dockerEndpoint.js';
import type { SourceStatus } from '../../src/model/snapshot.js';
import { BUSYBOX_IMAGE, DOCKER_SOCKET, docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';
import { SecondDockerd } from './secondDockerd.js';
import { waitFor } from '../support/wait.js';

const sh = promisify(execFile);
// Per process: two runs of the suite at once (two engineers, one machine) must not share a container.
const NAME = `rd-live-src-${process.pid}`;
let ok = false;
const handles: DockerHandle[] = [];
const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-nosock-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  ok = await requireDocker();
  if (ok) await ensureBusyboxImage();
});
afterAll(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  if (ok) await removeContainers(NAME);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface RawEv { Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number }

function collect(socketPath: string, extra: Partial<Parameters<typeof connectDocker>[0]> = {}) {
  const events: RawEv[] = [];
  const snapshots: unknown[][] = [];
  const statuses: SourceStatus[] = [];
  const h = connectDocker({
    socketPath,
    onEvent: (e) => events.push(e as RawEv),
    onContainers: (c) => snapshots.push(c),
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  handles.push(h);
  const of = (name: string) => events.filter((e) => e.Actor.Attributes.name === name).map((e) => e.Action);
  return { h, events, snapshots, statuses, of };
}

describe('Docker endpoints / describeDockerError', () => {
  it('reads unix:///path, plain paths and tcp://HOST:PORT (live mode follows all three), refuses other schemes in one line', () => {
    expect(parseDockerEndpoint('unix:///var/run/docker.sock').options.socketPath).toBe('/var/run/docker.sock');
    expect(parseDockerEndpoint('/tmp/d.sock').options.socketPath).toBe('/tmp/d.sock');
    expect(parseDockerEndpoint('tcp://127.0.0.1:2375').options).toMatchObject({ host: '127.0.0.1', port: 2375, socketPath: undefined });
    expect(() => parseDockerEndpoint('unix://relative')).toThrow(/unix:\/\/\/absolute/);
    expect(() => parseDockerEndpoint('ssh://host')).toThrow(/expected unix:\/\/\/path/);
  });

  it('tells permission denied, not running and not found apart', () => {
    const err = (code: string) => Object.assign(new Error(`connect ${code} /x.sock`), { code });
    expect(describeDockerError(err('EACCES'), '/x.sock', true)).toBe(
      'permission denied on /x.sock: run with sudo or add your user to the docker group',
    );
    expect(describeDockerError(err('ECONNREFUSED'), '/x.sock', true)).toBe('/x.sock exists but no daemon answers: Docker is not running');
    expect(describeDockerError(err('ENOENT'), '/x.sock', true)).toBe('no socket at /x.sock: the Docker daemon is not running, or it listens on another socket (--docker)');
    expect(describeDockerError(err('ENOENT'), '/x.sock', false)).toMatch(/^Docker not found/);
    expect(describeDockerError({ statusCode: 500, message: 'boom\nmore' }, '/x.sock', true)).toBe('Docker API error 500: boom');
  });
});

describe('connectDocker without a daemon', () => {
  it('reports a missing socket as an error and keeps retrying quietly', async () => {
    const sock = path.join(tmpDir(), 'docker.sock');
    const { h } = collect(sock, { dockerInstalled: () => false, backoff: { initialMs: 50, maxMs: 100 } });
    await h.ready;
    expect(h.status().state).toBe('error');
    expect(h.status().detail).toBe(`Docker not found (no socket at ${sock} and no Docker installation)`);
    await h.close();
    expect(h.status().state).toBe('ended');
  });

  it('reports connection refused as "not running"', async () => {
    // connect() on a path that is not a listening socket fails with ECONNREFUSED
    const sock = path.join(tmpDir(), 'docker.sock');
    fs.writeFileSync(sock, '');
    const { h } = collect(sock);
    await h.ready;
    expect(h.status()).toMatchObject({ state: 'error', detail: `${sock} exists but no daemon answers: Docker is not running` });
  });
});

describe('connectDocker against the real daemon', () => {
  it('pushes an inspect snapshot and the events of a container started and restarted', async (ctx) => {
    if (!ok) ctx.skip();
    await removeContainers(NAME);
    await docker('create', '--name', NAME, '--network', 'host', '--stop-timeout', '1', BUSYBOX_IMAGE, 'sleep', '3600');
    const { h, events, snapshots, of } = collect(DOCKER_SOCKET);
    await h.ready;
    expect(h.status().state).toBe('ok');
    const names = (snapshots[0] as { Name: string; State: unknown }[]).map((c) => c.Name);
    expect(names).toContain(`/${NAME}`);
    await docker('start', NAME);
    await docker('restart', '-t', '1', NAME);
    await waitFor(() => of(NAME), (a) => a.includes('restart'), { timeoutMs: 20_000, what: 'restart event' });
    const actions = of(NAME);
    expect(actions[0]).toBe('start');
    // docker restart = kill → (kill 9) → die → stop → start → restart
    expect(actions.slice(1).filter((a) => a !== 'kill')).toEqual(['die', 'stop', 'start', 'restart']);
    // The daemon's stream holds every container's events (other suites' too): each was counted once.
    expect(h.status().itemsRead).toBe(events.length);
  });
});

describe('connectDocker across a daemon loss and return (a second, private dockerd)', () => {
  const d2 = new SecondDockerd();
  let started = false;

  beforeAll(async () => {
    if (!ok) return;
    await d2.start();
    started = true;
    await sh('sh', ['-c', `docker save ${BUSYBOX_IMAGE} | docker -H ${d2.host} load`]);
  }, 180_000);
  afterAll(() => d2.destroy(), 60_000);

  it('says reconnecting with the reason, resumes, and delivers events after the return exactly once', async (ctx) => {
    if (!ok || !started) ctx.skip();
    const C = 'rd-live-d2';
    await d2.cli('run', '-d', '--name', C, '--network', 'host', '--stop-timeout', '1', BUSYBOX_IMAGE, 'sleep', '3600');
    const gaps: { from: number; to: number | null; reason: string }[] = [];
    const { h, events, snapshots, statuses, of } = collect(d2.socket, { onGap: (g) => gaps.push(g) });
    await h.ready;
    expect(h.status().state).toBe('ok');
    await d2.cli('restart', '-t', '1', C);
    await waitFor(() => of(C), (a) => a.includes('restart'), { what: 'restart before the loss' });

    await d2.stop();
    const lost = await waitFor(() => h.status(), (s) => s.state === 'reconnecting', { what: 'reconnecting' });
    expect(lost.detail).toMatch(/closed the event stream|connection to the Docker daemon lost|not running/);
    expect(statuses.some((s) => s.state === 'reconnecting' && /retrying in/.test(s.detail ?? ''))).toBe(true);

    // The loss is an interval without events: open while the daemon is away…
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ to: null });
    const lostAt = gaps[0]!.from;
    const before = events.length;
    await d2.start();
    await waitFor(() => h.status().state, (s) => s === 'ok', { timeoutMs: 30_000, what: 'reconnected' });
    // …and closed, with the same start, on the return (the engine lowers the confidence of incidents in it).
    expect(gaps).toHaveLength(2);
    expect(gaps[1]!.from).toBe(lostAt);
    expect(gaps[1]!.to).toBeGreaterThan(lostAt);
    expect(snapshots.length).toBeGreaterThanOrEqual(2); // a fresh inspect snapshot after the return
    await d2.cli('start', C);
    await d2.cli('restart', '-t', '1', C);
    await waitFor(() => of(C).filter((a) => a === 'restart').length, (n) => n >= 2, { timeoutMs: 20_000, what: 'restart after return' });

    const keys = events.map((e) => `${e.timeNano}|${e.Actor.ID}|${e.Action}`);
    expect(new Set(keys).size).toBe(keys.length); // nothing repeated
    const after = events.slice(before).filter((e) => e.Actor.Attributes.name === C).map((e) => e.Action);
    expect(after.filter((a) => a === 'restart')).toHaveLength(1);
    expect(after.filter((a) => a === 'start')).toHaveLength(2); // `docker start`, then the restart's start
    await h.close();
    await d2.cli('rm', '-f', C);
  }, 120_000);
});
