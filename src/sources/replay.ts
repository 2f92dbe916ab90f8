/**
 * Replays a recorded incident folder (error.log, docker-events.jsonl, inspect.json) into the
 * engine as if it were happening now, `speed` times faster, on a virtual clock that follows the
 * data. Long quiet stretches are skipped so a six-hour day replays in a minute. Because the
 * engine only knows the data's time, a replay is the live code path, deterministic.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncidentEngine } from '../engine/incidentEngine.js';
import { readContainersFile } from '../engine/analyze.js';
import { InputError } from '../cli/errors.js';
import { lineTimeIn } from '../parse/lineTime.js';
import type { SourceStatus } from '../model/snapshot.js';
import { assertReadableFile, streamFileLines } from './readInput.js';

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

export interface ReplayOptions {
  dir: string;
  files: RecordingFiles;
  engine: IncidentEngine;
  tz: string;
  speed: number;
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

async function loadItems(files: RecordingFiles, tz: string): Promise<{ items: Item[]; invalidEvents: number }> {
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
  let invalidEvents = 0;
  if (files.events) {
    await streamFileLines(files.events, (_s, _n, text) => {
      if (text.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        invalidEvents++;
        return;
      }
      // Every event is replayed (the engine counts exec_*/network ones as ignored), at its own time.
      items.push({ time: rawEventTime(raw) ?? lastTime, event: raw });
    });
  }
  items.sort((a, b) => a.time - b.time);
  return { items, invalidEvents };
}

/** Plays the folder into the engine; resolves when everything was delivered (or on abort). */
export async function replay(o: ReplayOptions): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const step = o.stepMs ?? 50;
  const maxIdle = o.maxIdleMs ?? 3_000;
  const status = (state: SourceStatus['state'], itemsRead: number, detail: string | null): void =>
    o.onStatus?.({ id: 'replay', kind: 'replay', label: `replay ${o.dir} ×${o.speed}`, state, detail, itemsRead, lagMs: 0 });

  if (o.files.containers) o.engine.setContainers(readContainersFile(o.files.containers));
  const { items, invalidEvents } = await loadItems(o.files, o.tz);
  for (let i = 0; i < invalidEvents; i++) o.engine.countInvalidEvent();
  if (items.length === 0) {
    status('ended', 0, 'the recording is empty');
    o.engine.finish();
    return;
  }
  let v = items[0]!.time - 1_000;
  let next = 0;
  status('ok', 0, null);
  while (next < items.length) {
    if (o.signal?.aborted) return;
    const upcoming = items[next]!.time;
    if (upcoming - v > maxIdle) v = upcoming - 1_000; // skip the quiet stretch
    v += step * o.speed;
    while (next < items.length && items[next]!.time <= v) {
      const it = items[next++]!;
      if ('line' in it) o.engine.ingestLine(o.files.log, it.lineNo, it.line);
      else o.engine.ingestEvent(it.event);
    }
    o.engine.tick(v);
    status('ok', next, null);
    await sleep(step);
  }
  o.engine.finish();
  status('ended', next, 'replay finished');
}
