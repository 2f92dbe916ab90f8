/**
 * An events-file line judged as text, before JSON.parse and the decoder (dockerEvent.ts) see it:
 * the fast reject of events the engine ignores, the line's time, and the size and nesting checks.
 * No schema here (zod loads ~95 modules, ~85 ms): the installed command reads a big postmortem's
 * events file with these before it loads the rest of the CLI (cli/relaunch.ts prepareHeap), and
 * its reader thread must not wait for zod to start.
 */
import type { InvalidEventReason } from '../model/snapshot.js';

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

/**
 * Docker's own times: `time` is Unix seconds, `timeNano` Unix nanoseconds. A value outside these
 * years is another unit (ms or ns in `time`, seconds in `timeNano`) or garbage: it would put the
 * event in 1970 or the year 300,000, where it silently misses every burst or breaks formatting.
 * We do not guess the unit; the event is invalid.
 */
const PLAUSIBLE_FROM_MS = Date.UTC(2000, 0, 1);
const PLAUSIBLE_TO_MS = Date.UTC(2100, 0, 1);
/** Docker's `time` is `timeNano` cut to the second: more apart than that, one of them is wrong and we cannot tell which. */
const MAX_TIME_DISAGREEMENT_MS = 1000;

/** What the report says about 'implausible-time' (report/format.ts eventsLine), next to the rule it names. */
export const IMPLAUSIBLE_TIME_RULE = 'time must be Unix seconds and timeNano Unix nanoseconds, within 2000–2100 and agreeing to the second';

/** Whether epoch ms `ms` is a time an events file can mean (2000–2100): also a gap marker's bounds. */
export function isPlausibleEventMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= PLAUSIBLE_FROM_MS && ms < PLAUSIBLE_TO_MS;
}

/**
 * An event's time in epoch ms from its `time` (seconds) and `timeNano` (ns, number or digit
 * string), each as the event gives it: 'missing' when neither is there, 'implausible' when one is
 * not a Docker time of 2000–2100 or the two disagree by more than a second. The one rule for the
 * decoder (dockerEvent.ts) and a recording's first line (eventLineTime).
 */
export function dockerEventTimeMs(time: number | string | undefined, timeNano: number | string | undefined): number | 'missing' | 'implausible' {
  if (time === undefined && timeNano === undefined) return 'missing';
  let nanoMs: number | null = null;
  if (timeNano !== undefined) {
    const digits = typeof timeNano === 'string' ? timeNano : Number.isFinite(timeNano) && timeNano >= 0 ? BigInt(Math.round(timeNano)).toString() : null;
    // 2000–2100 in ns is 19 digits: a longer string is not one (and not worth a BigInt parse).
    if (digits === null || !/^\d{1,19}$/.test(digits)) return 'implausible';
    // ns since epoch does not fit a double exactly; keep ms with a fraction, which is what ordering needs.
    nanoMs = Number(BigInt(digits) / 1000n) / 1000;
    if (!isPlausibleEventMs(nanoMs)) return 'implausible';
  }
  let secMs: number | null = null;
  if (time !== undefined) {
    secMs = Number(time) * 1000;
    if (!isPlausibleEventMs(secMs)) return 'implausible';
  }
  if (nanoMs !== null && secMs !== null && Math.abs(nanoMs - secMs) > MAX_TIME_DISAGREEMENT_MS) return 'implausible';
  return nanoMs ?? secMs!;
}

/**
 * The time of one events-file line without decoding it (epoch ms; null when it has none, or none
 * that is a plausible Docker time): how far back a recording reaches is its first line's time,
 * whatever kind of event that is.
 */
export function eventLineTime(line: string): number | null {
  const nano = /"timeNano":\s*"?([-+\d.eE]+)/.exec(line);
  const sec = /"time":\s*([-+\d.eE]+)\s*[,}]/.exec(line);
  const ms = dockerEventTimeMs(sec?.[1], nano?.[1]);
  return typeof ms === 'number' ? ms : null;
}


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
