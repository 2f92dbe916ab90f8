/**
 * Replays a recorded incident folder (error.log, docker-events.jsonl, inspect.json) into a
 * session's sinks as if it were happening now, `speed` times faster, on a virtual clock that follows the
 * data. Play starts 10 s before the first burst of errors (or at `--from`); what comes before is
 * delivered at once, not waited for. Long quiet stretches are skipped so a six-hour day replays in a minute.
 * An ordinary source: lines and events go into the sinks live sources use (the session's), the
 * data's time goes to `clock` where a live session ticks the wall clock, and events are read by the
 * postmortem's reader (eventsFile.ts): a recording is read the same way in both modes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerInfo } from '../model/container.js';
import { readContainersFile } from './containersFile.js';
import { feedEventsFile } from './eventsFile.js';
import type { InvalidEventReason } from '../model/snapshot.js';
import { InputError } from '../util/errors.js';
import { readShape } from '../parse/lineShape.js';
import { lineTimeIn } from '../parse/lineTime.js';
import { LocalClock } from '../parse/localTime.js';
import { hasNginxHeader, parseNginxLine, upstreamKey } from '../parse/nginxLine.js';
import { formatDuration } from '../util/duration.js';
import type { SourceStatus } from '../model/snapshot.js';
import { assertReadableFile, streamFileLines } from './readInput.js';
import type { LineSink, RawEventSink } from './types.js';

export interface RecordingFiles {
  log: string;
  events: string | null;
  containers: string | null;
  /** Zone the log was written in, from `recording.json` when the folder has one. */
  tz: string | null;
  /** The recorded host's configs, when the folder holds them: the fix is a diff of these. */
  nginxConf: string | null;
  compose: string | null;
}

/** The files of a recorded incident folder; a folder without error.log is a usage error. */
export function recordingFiles(dir: string): RecordingFiles {
  const at = (name: string) => path.join(dir, name);
  const log = at('error.log');
  try {
    assertReadableFile(log);
  } catch {
    throw new InputError(`--replay ${dir}: no readable error.log in this folder`, 'a recording folder holds error.log and optionally docker-events.jsonl, inspect.json, recording.json');
  }
  let tz: string | null = null;
  if (existsSync(at('recording.json'))) {
    try {
      const meta = JSON.parse(readFileSync(at('recording.json'), 'utf8')) as { tz?: unknown };
      if (typeof meta.tz === 'string') tz = meta.tz;
    } catch {
      throw new InputError(`${at('recording.json')}: not valid JSON`);
    }
  }
  return {
    log,
    // `restartdoctor record` writes events.jsonl; hand-made folders often docker-events.jsonl.
    events: existsSync(at('docker-events.jsonl')) ? at('docker-events.jsonl') : existsSync(at('events.jsonl')) ? at('events.jsonl') : null,
    containers: existsSync(at('inspect.json')) ? at('inspect.json') : null,
    tz,
    nginxConf: existsSync(at('nginx.conf')) ? at('nginx.conf') : null,
    compose: existsSync(at('docker-compose.yml')) ? at('docker-compose.yml') : null,
  };
}

type Item = { time: number; line: string; lineNo: number } | { time: number; event: unknown };

/** A recording read into memory, in time order, with where its first burst of errors begins. */
export interface Recording {
  items: Item[];
  invalidEvents: number;
  /** Why each invalid event was rejected (what the engine counts them as). */
  invalidReasons?: InvalidEventReason[];
  /** Events the reader counted as ignored without parsing (exec_*, network, image…). */
  ignoredEvents?: number;
  /** Time of the first item (null when empty). */
  start: number | null;
  /** First error of the first run of ≥ minErrors upstream errors on one upstream (null: none). */
  firstBurstAt: number | null;
}

/** Data time played before the first burst's first error, so the lead-up is seen. */
export const LEAD_IN_MS = 10_000;

/** Where play starts: `--from` when given, else `LEAD_IN_MS` before the first burst; `skippedMs` is the quiet part not played. */
export function playStart(rec: Recording, from: number | null): { startAt: number; skippedMs: number } {
  if (rec.start === null) return { startAt: 0, skippedMs: 0 };
  const want = from ?? (rec.firstBurstAt === null ? rec.start : rec.firstBurstAt - LEAD_IN_MS);
  const startAt = Math.max(rec.start, want);
  return { startAt, skippedMs: startAt - rec.start };
}

/**
 * The first error of the first burst: a stray error minutes earlier (another upstream, one
 * refused connection) does not count, so the jump lands just before what the replay is about.
 */
function firstBurstAt(items: readonly Item[], clock: LocalClock, burst: BurstShape): number | null {
  const runs = new Map<string, { first: number; last: number; count: number }>();
  for (const it of items) {
    if (!('line' in it) || !it.line.includes('upstream')) continue;
    // A `record` folder keeps a collector's prefix (Docker's timestamp): nginx's line is inside it.
    const text = hasNginxHeader(it.line) ? it.line : (readShape(it.line)?.inner ?? it.line);
    const parsed = parseNginxLine(text, '', it.lineNo, clock);
    if (!parsed.ok || parsed.record.kind === null) continue;
    const r = parsed.record;
    const key = r.upstream ? upstreamKey(r.upstream) : '-';
    let run = runs.get(key);
    if (!run || r.time - run.last > burst.gapMs) runs.set(key, (run = { first: r.time, last: r.time, count: 0 }));
    run.last = r.time;
    if (++run.count >= burst.minErrors) return run.first;
  }
  return null;
}

export interface BurstShape {
  gapMs: number;
  minErrors: number;
}

/** Where a replay plays into: the sinks a live session gives its sources, and the data's clock. */
export interface ReplaySink {
  line: LineSink;
  event: RawEventSink;
  /** The folder's inspect snapshot, decoded. */
  containers(infos: ContainerInfo[]): void;
  /** Events the reader rejected or skipped before decoding, counted as a postmortem counts them. */
  countInvalidEvent(reason?: InvalidEventReason): void;
  countIgnoredEvent(): void;
  /** The data time played up to: bursts idle since then close, as a live tick closes them. */
  clock(time: number): void;
  /** Everything was played. */
  end(): void;
}

export interface ReplayOptions {
  dir: string;
  files: RecordingFiles;
  sink: ReplaySink;
  tz: string;
  speed: number;
  /** The folder already read (loadRecording); read here when absent. */
  recording?: Recording;
  /** `--from`: play from this data time instead of just before the first burst. */
  from?: number | null;
  /** Quiet stretches longer than this (data time) are skipped. */
  maxIdleMs?: number;
  /** Wall-clock step of the player. */
  stepMs?: number;
  signal?: AbortSignal;
  onStatus?: (s: SourceStatus) => void;
  /** Injected timer (tests); defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

function rawEventTime(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as { timeNano?: unknown; time?: unknown };
  if (typeof e.timeNano === 'number' || typeof e.timeNano === 'string') {
    const ns = Number(e.timeNano);
    if (Number.isFinite(ns)) return ns / 1e6;
  }
  return typeof e.time === 'number' ? e.time * 1000 : null;
}

/** Reads the folder's log and events into time order (before any screen starts, so a bad file is a clean error). */
export async function loadRecording(files: RecordingFiles, tz: string, burst: BurstShape): Promise<Recording> {
  const { items, invalidEvents, invalidReasons, ignoredEvents } = await loadItems(files, tz);
  return { items, invalidEvents, invalidReasons, ignoredEvents, start: items[0]?.time ?? null, firstBurstAt: firstBurstAt(items, new LocalClock(tz), burst) };
}

async function loadItems(files: RecordingFiles, tz: string): Promise<{ items: Item[]; invalidEvents: number; invalidReasons: InvalidEventReason[]; ignoredEvents: number }> {
  // nginx's stamp, or a collector's prefix (a `record` folder keeps Docker's): lineShape's time.
  const timeOf = lineTimeIn(tz);
  const items: Item[] = [];
  let lastTime = -Infinity;
  await streamFileLines(files.log, (_s, lineNo, line) => {
    // Lines without a readable time (garbage) keep their place: they play with the line before.
    const t = timeOf(line) ?? NaN;
    if (!Number.isNaN(t)) lastTime = t;
    items.push({ time: Number.isFinite(lastTime) ? lastTime : 0, line, lineNo });
  });
  const firstLogTime = items.find((i) => i.time > 0)?.time ?? 0;
  for (const i of items) if (i.time === 0) i.time = firstLogTime;
  const invalidReasons: InvalidEventReason[] = [];
  let ignoredEvents = 0;
  if (files.events) {
    // The postmortem's reader (JSON lines or one JSON array, checked before parsing): a recording
    // reads the same under --replay. Each event plays at its own time.
    await feedEventsFile(files.events, {
      ingestEvent: (raw) => items.push({ time: rawEventTime(raw) ?? lastTime, event: raw }),
      countIgnoredEvent: () => void ignoredEvents++,
      countInvalidEvent: (reason = 'not-json') => void invalidReasons.push(reason),
    });
  }
  items.sort((a, b) => a.time - b.time);
  return { items, invalidEvents: invalidReasons.length, invalidReasons, ignoredEvents };
}

/** Plays the folder into the sink; resolves when everything was delivered (or on abort). */
export async function replay(o: ReplayOptions): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const step = o.stepMs ?? 50;
  const maxIdle = o.maxIdleMs ?? 3_000;
  const sink = o.sink;
  if (o.files.containers) sink.containers(readContainersFile(o.files.containers));
  const rec = o.recording ?? (await loadRecording(o.files, o.tz, { gapMs: 5_000, minErrors: 3 }));
  const { items, invalidEvents } = rec;
  const { startAt, skippedMs } = playStart(rec, o.from ?? null);
  // Said while it plays, in the header: the clock did not start where the recording does.
  // Whole minutes past one: the line must fit an 80-column header.
  const shown = skippedMs >= 60_000 ? Math.round(skippedMs / 60_000) * 60_000 : skippedMs;
  const skipped = skippedMs >= 1_000 ? `skipped ${formatDuration(shown)} of quiet recording; --from to start earlier` : null;
  const status = (state: SourceStatus['state'], itemsRead: number, detail: string | null): void =>
    o.onStatus?.({ id: 'replay', kind: 'replay', label: `replay ${o.dir} ×${o.speed}`, state, detail, itemsRead, lagMs: 0 });
  if (rec.invalidReasons) for (const reason of rec.invalidReasons) sink.countInvalidEvent(reason);
  else for (let i = 0; i < invalidEvents; i++) sink.countInvalidEvent();
  for (let i = 0; i < (rec.ignoredEvents ?? 0); i++) sink.countIgnoredEvent();
  if (items.length === 0) {
    status('ended', 0, 'the recording is empty');
    sink.end();
    return;
  }
  let next = 0;
  // The quiet part is not played in time but still delivered at once: state, counters and
  // diagnoses are those of the whole recording, only the wait is gone.
  while (next < items.length && items[next]!.time < startAt) play(o, items[next++]!);
  let v = Math.max(items[0]!.time - 1_000, startAt);
  if (next > 0) sink.clock(v);
  status('ok', next, skipped);
  while (next < items.length) {
    if (o.signal?.aborted) return;
    const upcoming = items[next]!.time;
    if (upcoming - v > maxIdle) v = upcoming - 1_000; // skip the quiet stretch
    v += step * o.speed;
    while (next < items.length && items[next]!.time <= v) play(o, items[next++]!);
    sink.clock(v);
    status('ok', next, skipped);
    await sleep(step);
  }
  sink.end();
  status('ended', next, skipped ? `replay finished (${skipped.split(';')[0]})` : 'replay finished');
}

function play(o: ReplayOptions, it: Item): void {
  if ('line' in it) o.sink.line(o.files.log, it.lineNo, it.line);
  else o.sink.event(it.event);
}
