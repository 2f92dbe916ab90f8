/**
 * Docker events in both wire shapes: `docker events --format '{{json .}}'` (status/id/from kept)
 * and the Engine API ≥ 1.52 (status/id/from removed). Noise (exec_*, network, image) is ignored and
 * counted; a truncated line is invalid and counted; nothing throws.
 */
import { describe, expect, it } from 'vitest';
import { decodeDockerEvent, decodeDockerEventLine, decodeEventGapMarker } from '../../src/parse/dockerEvent.js';
import { eventLineTime } from '../../src/parse/dockerEventLine.js';
import { formatLocal } from '../../src/parse/localTime.js';
import { BACKEND, dockerEvent, execNoise, runScenario, T0 } from './helpers.js';

// Verbatim from `docker events --format '{{json .}}'` on Engine 24 (compose labels trimmed).
const CLI_DIE =
  '{"status":"die","id":"a3f1c0de5b2e4d6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f","from":"shop/backend:1.42.0","Type":"container","Action":"die","Actor":{"ID":"a3f1c0de5b2e4d6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f","Attributes":{"com.docker.compose.project":"shop","com.docker.compose.service":"backend","execDuration":"86400","exitCode":"143","image":"shop/backend:1.42.0","name":"shop-backend-1"}},"scope":"local","time":1705288360,"timeNano":1705288360818427391}';
// The same event from API v1.52: no status/id/from.
const API152_DIE =
  '{"Type":"container","Action":"die","Actor":{"ID":"a3f1c0de5b2e4d6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f","Attributes":{"com.docker.compose.project":"shop","com.docker.compose.service":"backend","execDuration":"86400","exitCode":"143","image":"shop/backend:1.42.0","name":"shop-backend-1"}},"scope":"local","time":1705288360,"timeNano":1705288360818427391}';

describe('both event shapes decode to the same ContainerEvent', () => {
  it('docker events --format json (with status/id/from) and API 1.52 (without)', () => {
    const a = decodeDockerEventLine(CLI_DIE);
    const b = decodeDockerEventLine(API152_DIE);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.event).toEqual(b.event);
    expect(a.event).toMatchObject({
      action: 'die',
      containerId: BACKEND.id,
      name: 'shop-backend-1',
      image: 'shop/backend:1.42.0',
      exitCode: 143,
      signal: null,
      service: 'backend',
      project: 'shop',
      health: null,
    });
  });

  it('keeps sub-millisecond order from timeNano (two events in the same second and millisecond)', () => {
    const first = decodeDockerEvent({ ...JSON.parse(API152_DIE), Action: 'kill', timeNano: 1705288360818427391 - 300_000 });
    const second = decodeDockerEvent(JSON.parse(API152_DIE));
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.event.time).toBeCloseTo(1705288360818.427, 2);
    expect(second.event.time - first.event.time).toBeCloseTo(0.3, 2);
  });

  it('reads timeNano given as a digit string, and falls back to time (seconds) without it', () => {
    const s = decodeDockerEvent({ ...JSON.parse(API152_DIE), timeNano: '1705288360818427391' });
    expect(s.ok && s.event.time).toBeCloseTo(1705288360818.427, 2);
    const { timeNano: _omit, ...noNano } = JSON.parse(API152_DIE) as Record<string, unknown>;
    const t = decodeDockerEvent(noNano);
    expect(t.ok && t.event.time).toBe(1705288360000);
  });

  it('reads a kill signal and the start/stop/restart/oom/destroy actions', () => {
    for (const action of ['kill', 'start', 'stop', 'restart', 'oom', 'destroy', 'create']) {
      const r = decodeDockerEvent(dockerEvent(BACKEND, action, T0, action === 'kill' ? { signal: '15' } : {}, 'api152'));
      expect(r.ok && r.event.action).toBe(action);
      if (action === 'kill') expect(r.ok && r.event.signal).toBe('15');
    }
  });

  it.each(['healthy', 'unhealthy', 'starting'] as const)('health_status: %s', (state) => {
    for (const shape of ['cli', 'api152'] as const) {
      const r = decodeDockerEvent(dockerEvent(BACKEND, `health_status: ${state}`, T0, {}, shape));
      expect(r.ok).toBe(true);
      if (r.ok) expect([r.event.action, r.event.health]).toEqual(['health_status', state]);
    }
  });

  it('a health_status with an unknown state is invalid, not guessed', () => {
    const r = decodeDockerEvent(dockerEvent(BACKEND, 'health_status: sleepy', T0));
    expect(r).toMatchObject({ ok: false, ignored: false });
  });

  it('takes the name from the attributes without a leading slash, or the short id without a name', () => {
    const r = decodeDockerEvent({ Type: 'container', Action: 'start', Actor: { ID: BACKEND.id, Attributes: { name: '/legacy' } }, time: 1705288360 });
    expect(r.ok && r.event.name).toBe('legacy');
    const n = decodeDockerEvent({ Type: 'container', Action: 'start', Actor: { ID: BACKEND.id, Attributes: {} }, time: 1705288360 });
    expect(n.ok && n.event.name).toBe(BACKEND.id.slice(0, 12));
  });
});

describe('noise and garbage', () => {
  it('exec_create/exec_start/exec_die (health-check execs) are ignored, not invalid', () => {
    for (const e of execNoise(BACKEND, T0)) expect(decodeDockerEvent(e)).toMatchObject({ ok: false, ignored: true });
  });

  it('network, image and volume events are ignored', () => {
    const net = { Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { container: BACKEND.id, name: 'shop_default', type: 'bridge' } }, scope: 'local', time: 1705288360, timeNano: 1705288360900000000 };
    const img = { status: 'pull', id: 'shop/backend:1.43.0', Type: 'image', Action: 'pull', Actor: { ID: 'shop/backend:1.43.0', Attributes: { name: 'shop/backend' } }, scope: 'local', time: 1705288300, timeNano: 1705288300000000000 };
    const vol = { Type: 'volume', Action: 'mount', Actor: { ID: 'v1', Attributes: {} }, time: 1705288300 };
    for (const e of [net, img, vol]) expect(decodeDockerEvent(e)).toMatchObject({ ok: false, ignored: true });
  });

  it('a truncated JSON line is invalid (counted), never thrown', () => {
    expect(decodeDockerEventLine(CLI_DIE.slice(0, 120))).toMatchObject({ ok: false, ignored: false });
    expect(decodeDockerEventLine('')).toMatchObject({ ok: false, ignored: true });
  });

  it.each([
    ['no time', { Type: 'container', Action: 'die', Actor: { ID: 'x', Attributes: {} } }],
    ['no container id', { Type: 'container', Action: 'die', Actor: { Attributes: {} }, time: 1705288360 }],
    ['time of the wrong type', { Type: 'container', Action: 'die', Actor: { ID: 'x' }, time: 'yesterday' }],
    ['no action', { Type: 'container', Actor: { ID: 'x' }, time: 1705288360 }],
    ['not an object', 42],
    ['null', null],
  ])('an event with %s is invalid', (_name, raw) => {
    expect(decodeDockerEvent(raw)).toMatchObject({ ok: false, ignored: false });
  });

  it('the engine counts used, ignored and invalid events apart', () => {
    const { engine } = runScenario({
      lines: [],
      events: [
        dockerEvent(BACKEND, 'kill', T0, { signal: '15' }),
        dockerEvent(BACKEND, 'die', T0 + 100, { exitCode: '143' }, 'api152'),
        ...execNoise(BACKEND, T0 + 5000),
        { Type: 'network', Action: 'disconnect', Actor: { ID: 'n', Attributes: {} }, time: 1705288360 },
        { Type: 'container', Action: 'die' },
      ],
    });
    const c = engine.counts();
    expect([c.dockerEvents, c.ignoredEvents, c.invalidEvents]).toEqual([2, 4, 1]);
  });
});

describe('a time that is not a Docker time is invalid, never guessed', () => {
  const base = { Type: 'container', Action: 'start', Actor: { ID: BACKEND.id, Attributes: { name: 'shop-backend-1' } } };
  const SEC = 1705288361;

  it.each([
    ['time in milliseconds', { time: SEC * 1000 }],
    ['time in nanoseconds, no timeNano', { time: SEC * 1e9 }],
    ['time of 1e16 (the audit\'s crash)', { time: 1e16 }],
    ['time in 1970', { time: 1705 }],
    ['a negative time', { time: -SEC }],
    ['timeNano holding seconds', { time: SEC, timeNano: SEC }],
    ['timeNano holding seconds, no time', { timeNano: SEC }],
    ['timeNano as a digit string in milliseconds', { timeNano: String(SEC * 1000) }],
    ['timeNano far past 2100', { timeNano: '9'.repeat(30) }],
    ['time and timeNano a minute apart', { time: SEC + 60, timeNano: '1705288361500000000' }],
  ])('%s: invalid, by its own reason', (_name, times) => {
    const r = decodeDockerEvent({ ...base, ...times });
    expect(r).toMatchObject({ ok: false, ignored: false, code: 'implausible-time' });
    if (!r.ok && !r.ignored) expect(r.reason).toMatch(/not a Docker time/);
  });

  it('Docker\'s own pair (time cut to the second of timeNano) and either one alone still decode', () => {
    const both = decodeDockerEvent({ ...base, time: SEC, timeNano: '1705288361999000000' });
    expect(both.ok && both.event.time).toBeCloseTo(1705288361999, 3);
    expect(decodeDockerEvent({ ...base, time: SEC })).toMatchObject({ ok: true, event: { time: SEC * 1000 } });
    expect(decodeDockerEvent({ ...base, timeNano: SEC * 1e9 })).toMatchObject({ ok: true, event: { time: SEC * 1000 } });
  });

  it('other invalid events keep their reason, invalid-fields', () => {
    expect(decodeDockerEvent({ ...base, Actor: {}, time: SEC })).toMatchObject({ ok: false, ignored: false, code: 'invalid-fields' });
  });

  it('a recording\'s first line gives how far back it reaches only from a plausible time', () => {
    expect(eventLineTime(`{"Type":"container","Action":"start","time":${SEC},"timeNano":${SEC}000000000}`)).toBe(SEC * 1000);
    expect(eventLineTime(`{"Type":"container","Action":"start","time":${SEC},"timeNano":${SEC}}`)).toBeNull();
    expect(eventLineTime(`{"Type":"container","Action":"start","time":1e16}`)).toBeNull();
    expect(eventLineTime(`{"Type":"container","Action":"start","time":${SEC * 1000}}`)).toBeNull();
  });

  it('a gap marker with bounds no date can hold is no marker (then an invalid event), never a crash later', () => {
    expect(decodeEventGapMarker({ restartdoctor: 'events-gap', from: 1e16 })).toBeNull();
    expect(decodeEventGapMarker({ restartdoctor: 'events-gap', from: SEC * 1000, to: SEC * 1000 + 5000 })).toEqual({ from: SEC * 1000, to: SEC * 1000 + 5000 });
  });

  it('formatting a time no Date can hold says so instead of throwing', () => {
    for (const tz of ['UTC', 'Europe/Berlin']) {
      expect(formatLocal(1e19, tz)).toBe('(invalid time 10000000000000000000)');
      expect(formatLocal(NaN, tz)).toBe('(invalid time NaN)');
    }
  });

  it('the engine counts them as invalid by reason and uses none', () => {
    const { engine } = runScenario({
      lines: [],
      events: [dockerEvent(BACKEND, 'kill', T0, { signal: '15' }), { ...base, time: 1e16 }, { ...base, time: SEC, timeNano: SEC }, { Type: 'container', Action: 'die' }],
    });
    const c = engine.counts();
    expect([c.dockerEvents, c.invalidEvents]).toEqual([1, 3]);
    expect(c.invalidEventReasons).toEqual({ 'implausible-time': 2, 'invalid-fields': 1 });
  });
});
