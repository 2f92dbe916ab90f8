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
import { eventTextProblem, isIgnoredEventLine } from '../parse/dockerEvent.js';
import { assertReadableFile, describeFsError, streamFileLines } from '../sources/readInput.js';
import { LineSplitter } from '../sources/lineSplitter.js';
import type { IncidentEngine } from './incidentEngine.js';

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
function feedEventLine(engine: IncidentEngine, text: string): void {
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

function feedArrayText(path: string, text: string, engine: IncidentEngine): void {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch {
    throw new InputError(`${path}: starts like a JSON array but is not valid JSON`);
  }
  if (!Array.isArray(arr)) throw new InputError(`${path}: starts like a JSON array but is not one`);
  // Each element is checked for depth and size by ingestEvent before it is decoded.
  for (const raw of arr) engine.ingestEvent(raw);
}

/** A pipe or FIFO: the first non-space byte decides lines or array, as it arrives. */
async function feedEventsStream(path: string, stream: Readable, engine: IncidentEngine): Promise<void> {
  let mode: 'unknown' | 'lines' | 'array' = 'unknown';
  let held: Buffer[] = [];
  let heldBytes = 0;
  const splitter = new LineSplitter(path, (_source: string, _line: number, text: string) => feedEventLine(engine, text));
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
export async function feedEventsFile(path: string, engine: IncidentEngine): Promise<void> {
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
  await streamFileLines(path, (_source, _line, text) => feedEventLine(engine, text));
}
