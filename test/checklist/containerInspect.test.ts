import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeContainerInspect, decodeInspectFile } from '../../src/parse/containerInspect.js';

const data = (name: string): unknown => JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));

describe('decodeInspectFile on real docker inspect output', () => {
  it('decodes a healthy host-network container with a healthcheck, labels and a restart policy', () => {
    const [healthy, exited] = decodeInspectFile(data('inspect-host-healthy-and-exited.json'));
    expect(healthy).toMatchObject({
      name: 'rd-chk-capture-healthy',
      image: 'rd-busybox:test',
      service: 'backend',
      project: 'shop',
      status: 'running',
      running: true,
      restarting: false,
      oomKilled: false,
      exitCode: 0,
      pid: 5205,
      startedAt: '2026-11-25T11:49:34.193632231Z',
      finishedAt: null, // Go's zero time
      restartCount: 0,
      restartPolicy: 'unless-stopped',
      networkMode: 'host',
      ips: [],
      aliases: ['backend'],
      cmd: ['httpd', '-f', '-p', '39290', '-h', '/www'],
      stopTimeout: 7,
    });
    expect(healthy!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(healthy!.healthcheck).toEqual({
      test: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:39290/health'],
      intervalMs: 1000,
      timeoutMs: 2000,
      retries: 3,
      startPeriodMs: 500,
    });
    expect(healthy!.health?.status).toBe('healthy');
    expect(healthy!.health?.failingStreak).toBe(0);
    expect(healthy!.health?.log).toHaveLength(3);
    expect(healthy!.health?.log[0]).toEqual({
      start: '2026-11-25T11:49:35.194495361Z',
      end: '2026-11-25T11:49:35.287867304Z',
      exitCode: 0,
      output: 'ok\n',
    });
    // --expose on a host-network container: exposed, not published.
    expect(healthy!.ports).toEqual([{ containerPort: 39290, protocol: 'tcp', hostIp: null, hostPort: null }]);

    expect(exited).toMatchObject({ name: 'rd-chk-capture-nohc', status: 'exited', running: false, exitCode: 3, pid: null, healthcheck: null, health: null, restartPolicy: 'no', service: null, project: null, labels: {} });
    expect(exited!.finishedAt).toBe('2026-11-25T11:49:34.494966988Z');
  });

  it('decodes published ports, container IPs and network aliases from a bridge container', () => {
    const [c] = decodeInspectFile(data('inspect-bridge-published.json'));
    expect(c!.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 39291 },
      { containerPort: 8081, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 39292 },
      { containerPort: 8081, protocol: 'udp', hostIp: '::', hostPort: 39292 },
    ]);
    expect(c!.ips).toEqual(['172.17.0.2']);
    expect(c!.aliases).toEqual(['api', '2f9a630e8b5e', 'web']);
    expect(c!.networkMode).toBe('rd-chk-net');
    expect(c!.service).toBe('web');
  });

  it('keeps the stop-timeout SIGKILL and the real OOM kill apart', () => {
    const [sigkill, oom] = decodeInspectFile(data('inspect-sigkill-vs-oom.json'));
    expect(sigkill).toMatchObject({ exitCode: 137, oomKilled: false, stopTimeout: 1, status: 'exited' });
    expect(oom).toMatchObject({ exitCode: 137, oomKilled: true, status: 'exited' });
  });

  it('treats ["NONE"] as no healthcheck and decodes a restarting container', () => {
    const [none, loop] = decodeInspectFile(data('inspect-nohealthcheck-and-restarting.json'));
    expect(none!.healthcheck).toBeNull();
    expect(none!.status).toBe('running');
    expect(loop).toMatchObject({ status: 'restarting', restarting: true, restartCount: 2, restartPolicy: 'always', exitCode: 1, pid: null });
  });

  it('accepts a single object and fills PortBindings for a stopped container', () => {
    const [raw] = data('inspect-bridge-published.json') as Record<string, unknown>[];
    const stopped = structuredClone(raw!) as { NetworkSettings: { Ports: unknown }; State: Record<string, unknown> };
    stopped.NetworkSettings.Ports = {};
    stopped.State = { ...stopped.State, Status: 'exited', Running: false, Pid: 0 };
    const [c] = decodeInspectFile(stopped);
    expect(c!.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 39291 },
      { containerPort: 8081, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 39292 },
    ]);
  });

  it('names the item and the field on invalid input, in one line', () => {
    const items = data('inspect-host-healthy-and-exited.json') as Record<string, { Status?: unknown }>[];
    const bad = structuredClone(items);
    bad[1]!.State!.Status = 42;
    expect(() => decodeInspectFile(bad, 'inspect.json')).toThrow(
      /^inspect\.json: item 2: State\.Status: expected string, received number$/,
    );
    const noState = structuredClone(items);
    delete (noState[0] as Record<string, unknown>).State;
    expect(() => decodeInspectFile(noState, 'inspect.json')).toThrow(/^inspect\.json: item 1: State: expected object, received undefined$/);
    const badLog = structuredClone(items) as unknown as { State: { Health: { Log: { ExitCode: unknown }[] } } }[];
    badLog[0]!.State.Health.Log[1]!.ExitCode = '0';
    expect(() => decodeInspectFile(badLog, 'x.json')).toThrow(/^x\.json: item 1: State\.Health\.Log\[1\]\.ExitCode: expected number, received string$/);
    expect(() => decodeInspectFile('nope', 'x.json')).toThrow('x.json: expected a docker inspect array or object, got string');
    expect(() => decodeContainerInspect(null)).toThrow(/^\(root\): expected object, received null$/);
    try {
      decodeInspectFile(bad, 'inspect.json');
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('passes unknown fields through without failing (newer Engine versions add fields)', () => {
    const [raw] = data('inspect-host-healthy-and-exited.json') as Record<string, unknown>[];
    const c = decodeContainerInspect({ ...raw, SomeFutureField: { x: 1 } });
    expect(c.name).toBe('rd-chk-capture-healthy');
  });
});
