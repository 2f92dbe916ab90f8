/**
 * Where a Docker event enters the engine: one object from `docker events --format '{{json .}}'`
 * or the Engine API `/events` (both shapes; `status`/`id`/`from` are gone from API v1.52) →
 * a ContainerEvent, or a reason it is not one. Validated with zod: the payload is external input.
 */
import { z } from 'zod';
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
  /** Not a Docker event at all (bad JSON shape, no time, no container id). */
  | { ok: false; ignored: false; reason: string };

const LIFECYCLE: ReadonlySet<string> = new Set(LIFECYCLE_ACTIONS);

function eventTimeMs(e: z.infer<typeof rawEventSchema>): number | null {
  if (e.timeNano !== undefined) {
    // ns since epoch does not fit a double exactly; keep ms with a fraction, which is what ordering needs.
    const ns = typeof e.timeNano === 'string' ? BigInt(e.timeNano) : BigInt(Math.round(e.timeNano));
    return Number(ns / 1000n) / 1000;
  }
  if (e.time !== undefined) return e.time * 1000;
  return null;
}

function attr(attrs: Record<string, string>, key: string): string | null {
  const v = attrs[key];
  return v === undefined || v === '' ? null : v;
}

export function decodeDockerEvent(raw: unknown): DecodedEvent {
  const parsed = rawEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, ignored: false, reason: `invalid event: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}` };
  }
  const e = parsed.data;
  const type = e.Type ?? (e.status !== undefined ? 'container' : undefined);
  const actionText = e.Action ?? e.status;
  if (!type || !actionText) return { ok: false, ignored: false, reason: 'invalid event: no Type/Action' };
  if (type !== 'container') return { ok: false, ignored: true, reason: `${type} event` };

  // `health_status: healthy` carries its state after the colon; exec_create: /bin/sh … likewise.
  const colon = actionText.indexOf(':');
  const action = (colon >= 0 ? actionText.slice(0, colon) : actionText).trim();
  if (!LIFECYCLE.has(action)) return { ok: false, ignored: true, reason: `container ${action} event` };

  const time = eventTimeMs(e);
  if (time === null) return { ok: false, ignored: false, reason: 'invalid event: no time/timeNano' };
  const containerId = e.Actor?.ID ?? e.id;
  if (!containerId) return { ok: false, ignored: false, reason: 'invalid event: no Actor.ID' };

  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.Actor?.Attributes ?? {})) attributes[k] = typeof v === 'string' ? v : JSON.stringify(v);

  let health: HealthState | null = null;
  if (action === 'health_status') {
    const state = actionText.slice(colon + 1).trim();
    if (state !== 'healthy' && state !== 'unhealthy' && state !== 'starting') {
      return { ok: false, ignored: false, reason: `invalid event: health_status "${state}"` };
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

/**
 * Fast reject for an events file (most of a real stream is healthcheck `exec_*` events): true when
 * the raw JSON line is, by a string check alone, an event decodeDockerEvent would answer
 * `ignored` for, i.e. a `container` event whose Action starts with `exec_`, or an event of another
 * Type; then neither JSON.parse nor the schema runs. Only the keys before `"Actor":` are looked
 * at (Docker writes Type and Action there; Actor.Attributes holds user labels, which may be named
 * anything), each must occur once there with a plain string value, and the line must look whole
 * (`{…}` ending in Docker's `"time":N,"timeNano":N}`): a truncated line still goes to JSON.parse
 * and counts as invalid. Anything unusual
 * answers false and takes the full path. (A line with that exact head that is otherwise not
 * valid JSON counts as ignored, not invalid.)
 */
export function isIgnoredEventLine(line: string): boolean {
  const n = line.length;
  if (n < 20 || line.charCodeAt(0) !== 123 /* { */ || line.charCodeAt(n - 1) !== 125 /* } */) return false;
  const actor = line.indexOf('"Actor":');
  if (actor < 0) return false;
  // Type and Action come before Actor: search that head only (a slice is a view, not a copy).
  const head = line.slice(0, actor);
  const type = keyValueBefore(head, '"Type":"');
  if (type === null || type === '') return false;
  const action = keyValueBefore(head, '"Action":"');
  if (action === null || action.trim() === '') return false;
  if (type !== 'container') return hasDockerTail(line);
  return action.startsWith('exec_') && hasDockerTail(line);
}

/** Docker's last fields, `"time":N,"timeNano":N}` (N may be quoted in timeNano): a schema-valid time, a whole line. */
const DOCKER_TAIL = /"time":\d+,"timeNano":(?:\d+|"\d+")\}$/;
function hasDockerTail(line: string): boolean {
  return DOCKER_TAIL.test(line.length > 80 ? line.slice(-80) : line);
}

/** The plain string value of the one `key` (`"Name":"`) in `head`, or null (absent, repeated, escaped). */
function keyValueBefore(head: string, key: string): string | null {
  const at = head.indexOf(key);
  if (at < 0) return null;
  if (head.indexOf(key, at + key.length) >= 0) return null;
  const from = at + key.length;
  const end = head.indexOf('"', from);
  if (end < 0) return null;
  const value = head.slice(from, end);
  return value.includes('\\') ? null : value;
}

/** One JSON-lines line → decoded event; a line that is not JSON is reported, not thrown. */
export function decodeDockerEventLine(line: string): DecodedEvent {
  const trimmed = line.trim();
  if (trimmed === '') return { ok: false, ignored: true, reason: 'empty line' };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return { ok: false, ignored: false, reason: 'invalid event: not JSON (truncated line?)' };
  }
  return decodeDockerEvent(raw);
}

/**
 * The time of one events-file line without decoding it (epoch ms; null when it has none): how far
 * back a recording reaches is its first line's time, whatever kind of event that is.
 */
export function eventLineTime(line: string): number | null {
  const nano = /"timeNano":\s*"?(\d{10,})/.exec(line);
  if (nano) return Number(nano[1]) / 1e6;
  const sec = /"time":\s*(\d{9,})[,}]/.exec(line);
  return sec ? Number(sec[1]) * 1000 : null;
}

/** Why an event was rejected before decoding (counters.invalidEventReasons). */
export type InvalidEventReason = 'too-large' | 'too-deep' | 'not-json' | 'invalid-fields';

/** A Docker event is a few KB (labels included): anything larger is not one. */
const MAX_EVENT_CHARS = 256 * 1024;
/** A Docker event nests 3 levels (event → Actor → Attributes); label values are strings. */
const MAX_EVENT_DEPTH = 16;

/**
 * Checks an event's text before JSON.parse and the decoder see it: its size, and its nesting by
 * counting brackets outside strings (a loop, not recursion, so 100,000 levels cost a scan, not
 * the stack). Null when it may be decoded.
 */
export function eventTextProblem(text: string): InvalidEventReason | null {
  if (text.length > MAX_EVENT_CHARS) return 'too-large';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_EVENT_DEPTH) return 'too-deep';
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return null;
}

/**
 * The same check on an object already parsed (the live stream, a JSON array file): depth and
 * size by an explicit stack, stopping at the first limit crossed.
 */
export function eventObjectProblem(raw: unknown): InvalidEventReason | null {
  const stack: [unknown, number][] = [[raw, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_EVENT_DEPTH) return 'too-deep';
    for (const child of Object.values(v as object)) {
      if (++nodes > MAX_EVENT_CHARS / 8) return 'too-large';
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return null;
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
  const time = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && Number.isFinite(Date.parse(v)) ? Date.parse(v) : null);
  const from = time(r.from);
  if (from === null) return null;
  const to = r.to === undefined || r.to === null ? null : time(r.to);
  return to !== null && to < from ? null : { from, to };
}
