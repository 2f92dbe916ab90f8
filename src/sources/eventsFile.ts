/**
 * A recorded Docker events file into the engine: JSON lines (`docker events --format '{{json .}}'`)
 * or one JSON array. A regular file is read in chunks; a pipe or FIFO (`--events <(…)`,
 * `mkfifo`) is read as a stream, since it cannot be peeked at or read by position (ESPIPE).
 * Every line is checked for size and nesting before JSON.parse (parse/dockerEvent.ts): a hostile
 * line is counted as invalid with its reason, never a crash.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import { eventLineTime, eventTextProblem, isIgnoredEventLine, type InvalidEventReason } from '../parse/dockerEvent.js';
import { assertReadableFile, describeFsError, streamFileLines } from './readInput.js';
import { LineSplitter } from './lineSplitter.js';

/**
 * Where the events go: the engine, or a replay collecting them to play in time (one reader for
 * both, so a recording is read the same way in a postmortem and under --replay).
 */
export interface EventSink {
  ingestEvent(raw: unknown): unknown;
  countIgnoredEvent(): void;
  countInvalidEvent(reason?: InvalidEventReason): void;
  /** How far back the recording reaches (its first line's time), for incident coverage; a replay need not care. */
  noteEventsFrom?(from: number): void;
}

/** A JSON-array events file read from a pipe is held whole before parsing: this much at most. */
const MAX_ARRAY_BYTES = 256 * 1024 * 1024;

function firstNonSpaceChar(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n).trimStart()[0] ?? null;
  } finally {
    closeSync(fd);
  }
}

/** One JSON-lines line: ignored, invalid (with its reason) or handed to the engine. */
function feedEventLine(engine: EventSink, text: string): void {
  const t = text.trim();
  if (t === '') return;
  // ~95% of a real stream (healthcheck exec_*, networks, images): counted as ignored without JSON.parse + zod.
  if (isIgnoredEventLine(t)) {
    engine.countIgnoredEvent();
    return;
  }
  const problem = eventTextProblem(t);
  if (problem) {
    engine.countInvalidEvent(problem);
    return;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(t);
  } catch {
    engine.countInvalidEvent('not-json');
    return;
  }
  engine.ingestEvent(raw);
}

/** An event object's own time (epoch ms) without decoding it: its `timeNano`, else its `time`. */
function eventObjectTime(raw: unknown): number | null {
  const r = raw as { timeNano?: unknown; time?: unknown } | null;
  if (r === null || typeof r !== 'object') return null;
  const field = (v: unknown): string | null => (typeof v === 'number' || typeof v === 'string' ? String(v) : null);
  const nano = field(r.timeNano);
  const sec = field(r.time);
  return eventLineTime(`{${nano !== null ? `"timeNano":"${nano}",` : ''}${sec !== null ? `"time":${sec}` : ''}}`);
}

/**
 * feedEventLine for a whole recording: its first non-empty line's time also tells the engine how
 * far back the events reach (incident coverage), whatever kind of event that line is.
 */
function recordingLineFeeder(engine: EventSink): (text: string) => void {
  let first = true;
  return (text) => {
    if (first && text.trim() !== '') {
      first = false;
      const from = eventLineTime(text.trim());
      if (from !== null) engine.noteEventsFrom?.(from);
    }
    feedEventLine(engine, text);
  };
}

function feedArrayText(path: string, text: string, engine: EventSink): void {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch {
    throw new InputError(`${path}: starts like a JSON array but is not valid JSON`);
  }
  if (!Array.isArray(arr)) throw new InputError(`${path}: starts like a JSON array but is not one`);
  // The recording reaches back to its first element, whatever kind of event that is.
  const from = arr.length > 0 ? eventObjectTime(arr[0]) : null;
  if (from !== null) engine.noteEventsFrom?.(from);
  // Each element is checked for depth and size by ingestEvent before it is decoded.
  for (const raw of arr) engine.ingestEvent(raw);
}

/** A pipe or FIFO: the first non-space byte decides lines or array, as it arrives. */
async function feedEventsStream(path: string, stream: Readable, engine: EventSink): Promise<void> {
  let mode: 'unknown' | 'lines' | 'array' = 'unknown';
  let held: Buffer[] = [];
  let heldBytes = 0;
  const feed = recordingLineFeeder(engine);
  const splitter = new LineSplitter(path, (_source: string, _line: number, text: string) => feed(text));
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (mode === 'lines') {
        splitter.push(buf);
        continue;
      }
      held.push(buf);
      heldBytes += buf.length;
      if (heldBytes > MAX_ARRAY_BYTES) throw new InputError(`${path}: a JSON array of events over ${MAX_ARRAY_BYTES >> 20} MB from a pipe`, 'write it as JSON lines: docker events --format \'{{json .}}\'');
      if (mode === 'unknown') {
        const first = Buffer.concat(held).toString('utf8').trimStart()[0];
        if (first === undefined) continue;
        mode = first === '[' ? 'array' : 'lines';
        if (mode === 'lines') {
          for (const b of held) splitter.push(b);
          held = [];
        }
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw describeFsError(path, err);
  }
  if (mode === 'array') feedArrayText(path, Buffer.concat(held).toString('utf8'), engine);
  else splitter.end();
}

/** Events file: JSON lines or one JSON array; a regular file, a pipe or a FIFO. */
export async function feedEventsFile(path: string, engine: EventSink): Promise<void> {
  assertReadableFile(path);
  if (!statSync(path).isFile()) {
    let stream: Readable;
    try {
      stream = createReadStream(path);
    } catch (err) {
      throw describeFsError(path, err);
    }
    return feedEventsStream(path, stream, engine);
  }
  if (firstNonSpaceChar(path) === '[') {
    feedArrayText(path, readFileSync(path, 'utf8'), engine);
    return;
  }
  const feed = recordingLineFeeder(engine);
  await streamFileLines(path, (_source, _line, text) => feed(text));
}
