/**
 * Where a Docker event enters the engine: one object from `docker events --format '{{json .}}'`
 * or the Engine API `/events` (both shapes; `status`/`id`/`from` are gone from API v1.52) →
 * a ContainerEvent, or a reason it is not one. Validated with zod: the payload is external input.
 */
import { z } from 'zod';
import { dockerEventTimeMs, isPlausibleEventMs } from './dockerEventLine.js';
import { LIFECYCLE_ACTIONS, type ContainerEvent, type HealthState, type LifecycleAction } from '../model/container.js';

const rawEventSchema = z.looseObject({
  Type: z.string().optional(),
  Action: z.string().optional(),
  status: z.string().optional(),
  id: z.string().optional(),
  from: z.string().optional(),
  Actor: z
    .looseObject({
      ID: z.string().optional(),
      Attributes: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  time: z.number().optional(),
  timeNano: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
});

export type DecodedEvent =
  | { ok: true; event: ContainerEvent }
  /** A valid event that is not a container lifecycle change (exec_*, network, image…): counted, not used. */
  | { ok: false; ignored: true; reason: string }
  /**
   * Not a Docker event at all (bad JSON shape, no time, no container id: 'invalid-fields'), or one
   * whose time is not a Docker time ('implausible-time'): counted by `code`, never used.
   */
  | { ok: false; ignored: false; code: 'invalid-fields' | 'implausible-time'; reason: string };

const invalid = (reason: string): DecodedEvent => ({ ok: false, ignored: false, code: 'invalid-fields', reason });

const LIFECYCLE: ReadonlySet<string> = new Set(LIFECYCLE_ACTIONS);

function attr(attrs: Record<string, string>, key: string): string | null {
  const v = attrs[key];
  return v === undefined || v === '' ? null : v;
}

export function decodeDockerEvent(raw: unknown): DecodedEvent {
  const parsed = rawEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`invalid event: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const type = e.Type ?? (e.status !== undefined ? 'container' : undefined);
  const actionText = e.Action ?? e.status;
  if (!type || !actionText) return invalid('invalid event: no Type/Action');
  if (type !== 'container') return { ok: false, ignored: true, reason: `${type} event` };

  // `health_status: healthy` carries its state after the colon; exec_create: /bin/sh … likewise.
  const colon = actionText.indexOf(':');
  const action = (colon >= 0 ? actionText.slice(0, colon) : actionText).trim();
  if (!LIFECYCLE.has(action)) return { ok: false, ignored: true, reason: `container ${action} event` };

  const time = dockerEventTimeMs(e.time, e.timeNano);
  if (time === 'missing') return invalid('invalid event: no time/timeNano');
  if (time === 'implausible') {
    return { ok: false, ignored: false, code: 'implausible-time', reason: `invalid event: time ${e.time ?? '-'} / timeNano ${e.timeNano ?? '-'} is not a Docker time (Unix seconds / nanoseconds, 2000–2100, agreeing to the second)` };
  }
  const containerId = e.Actor?.ID ?? e.id;
  if (!containerId) return invalid('invalid event: no Actor.ID');

  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.Actor?.Attributes ?? {})) attributes[k] = typeof v === 'string' ? v : JSON.stringify(v);

  let health: HealthState | null = null;
  if (action === 'health_status') {
    const state = actionText.slice(colon + 1).trim();
    if (state !== 'healthy' && state !== 'unhealthy' && state !== 'starting') {
      return invalid(`invalid event: health_status "${state}"`);
    }
    health = state;
  }
  const exit = attr(attributes, 'exitCode');
  const exitCode = exit === null ? null : Number(exit);

  return {
    ok: true,
    event: {
      time,
      action: action as LifecycleAction,
      health,
      containerId,
      name: (attr(attributes, 'name') ?? containerId.slice(0, 12)).replace(/^\//, ''),
      image: attr(attributes, 'image') ?? e.from ?? null,
      exitCode: exitCode !== null && Number.isFinite(exitCode) ? exitCode : null,
      signal: attr(attributes, 'signal'),
      service: attr(attributes, 'com.docker.compose.service'),
      project: attr(attributes, 'com.docker.compose.project'),
      attributes,
    },
  };
}

/** One JSON-lines line → decoded event; a line that is not JSON is reported, not thrown. */
export function decodeDockerEventLine(line: string): DecodedEvent {
  const trimmed = line.trim();
  if (trimmed === '') return { ok: false, ignored: true, reason: 'empty line' };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return invalid('invalid event: not JSON (truncated line?)');
  }
  return decodeDockerEvent(raw);
}

/**
 * A marker written into an events recording where the stream had a hole (a recorder that lost
 * the daemon, or by hand): `{"restartdoctor":"events-gap","from":T,"to":T}` with epoch ms or
 * ISO times; `to` may be absent (the hole lasted to the end of the recording). Null when `raw`
 * is not such a marker.
 */
export function decodeEventGapMarker(raw: unknown): { from: number; to: number | null } | null {
  const r = raw as { restartdoctor?: unknown; from?: unknown; to?: unknown } | null;
  if (r === null || typeof r !== 'object' || r.restartdoctor !== 'events-gap') return null;
  // Bounds out of 2000–2100 are not a marker (then not an event either: counted invalid), never a date that cannot be shown.
  const time = (v: unknown): number | null => {
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return isPlausibleEventMs(ms) ? ms : null;
  };
  const from = time(r.from);
  if (from === null) return null;
  const to = r.to === undefined || r.to === null ? null : time(r.to);
  return to !== null && to < from ? null : { from, to };
}
