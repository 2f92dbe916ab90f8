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
import { dockerEventTimeMs, eventLineTime, eventTextProblem, isIgnoredEventLine } from '../parse/dockerEventLine.js';
import type { InvalidEventReason } from '../model/snapshot.js';
import { sniffFile } from './compression.js';
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

/** An event object's own time (epoch ms) without decoding it; null when it has no plausible one (dockerEventTimeMs). */
function eventObjectTime(raw: unknown): number | null {
  const r = raw as { timeNano?: unknown; time?: unknown } | null;
  if (r === null || typeof r !== 'object') return null;
  const field = (v: unknown): number | string | undefined => (typeof v === 'number' || typeof v === 'string' ? v : undefined);
  const ms = dockerEventTimeMs(field(r.time), field(r.timeNano));
  return typeof ms === 'number' ? ms : null;
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

/**
 * A regular file of JSON lines (not an array, not a pipe, not compressed: streamFileLines
 * decompresses a gzip, EventsFileSteps reads bytes as they are): one EventsFileSteps can read in
 * turns. False for what cannot be read too (feedEventsFile then says why).
 */
export function eventsFileIsLines(path: string): boolean {
  try {
    return statSync(path).isFile() && sniffFile(path) === null && firstNonSpaceChar(path) !== '[';
  } catch {
    return false;
  }
}

/** Bytes an EventsFileSteps step reads (and its one buffer holds). */
const STEP_BYTES = 1024 * 1024;

/**
 * A JSON-lines events file fed a chunk at a time, each step a synchronous read (eventsFileIsLines
 * says which files), so that it can be read in the gaps of other work (readEventsEarly). The same
 * lines, checks and counts as streaming it (recordingLineFeeder). Errors are InputErrors, as
 * feedEventsFile's.
 */
export class EventsFileSteps {
  private fd: number | null;
  private readonly buf = Buffer.allocUnsafeSlow(STEP_BYTES);
  private readonly splitter: LineSplitter;

  constructor(
    private readonly path: string,
    engine: EventSink,
  ) {
    const feed = recordingLineFeeder(engine);
    this.splitter = new LineSplitter(path, (_source: string, _line: number, text: string) => feed(text));
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw describeFsError(path, err);
    }
  }

  /** Reads and feeds the next chunk; false once the file is done with (its last line fed, the file closed). */
  step(): boolean {
    if (this.fd === null) return false;
    let n: number;
    try {
      n = readSync(this.fd, this.buf, 0, STEP_BYTES, null);
    } catch (err) {
      this.close();
      throw describeFsError(this.path, err);
    }
    if (n > 0) {
      this.splitter.push(this.buf.subarray(0, n));
      return true;
    }
    this.close();
    this.splitter.end();
    return false;
  }

  /** Stops reading (an error elsewhere): the file is closed, nothing more is fed. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * What the events reader gives its sink before there is an engine to give it to (readEventsEarly):
 * held in order, then given to the engine (handTo), which takes the rest directly.
 */
class HeldEvents implements EventSink {
  private raws: unknown[] = [];
  private ignored = 0;
  private invalid: InvalidEventReason[] = [];
  private from: number | null = null;
  private engine: EventSink | null = null;

  /** Event objects held for the engine. */
  get eventsHeld(): number {
    return this.raws.length;
  }

  ingestEvent(raw: unknown): void {
    if (this.engine) this.engine.ingestEvent(raw);
    else this.raws.push(raw);
  }

  countIgnoredEvent(): void {
    if (this.engine) this.engine.countIgnoredEvent();
    else this.ignored++;
  }

  countInvalidEvent(reason: InvalidEventReason): void {
    if (this.engine) this.engine.countInvalidEvent(reason);
    else this.invalid.push(reason);
  }

  noteEventsFrom(from: number): void {
    if (this.engine) this.engine.noteEventsFrom?.(from);
    else this.from = from;
  }

  /** Gives `engine` what was held (its counts, then its events in file order); from now on, all of it. */
  handTo(engine: EventSink): void {
    if (this.from !== null) engine.noteEventsFrom?.(this.from);
    for (let k = 0; k < this.ignored; k++) engine.countIgnoredEvent();
    for (const reason of this.invalid) engine.countInvalidEvent(reason);
    for (const raw of this.raws) engine.ingestEvent(raw);
    this.raws = [];
    this.invalid = [];
    this.engine = engine;
  }
}

/**
 * Event objects readEventsEarly holds at most (a file of lifecycle events only: a real one is
 * mostly healthcheck exec_* events, counted, not held); the rest waits for the engine.
 */
const MAX_HELD_EVENTS = 10_000;

/** The read readEventsEarly began, until feedEventsFile takes it over. */
let early: { path: string; steps: EventsFileSteps; held: HeldEvents } | null = null;

/**
 * Reads the JSON-lines events file `path` until `until` settles, a 1 MB step at a time, and holds
 * what it finds for the feedEventsFile of the same file (resolves with how many event objects it
 * holds). The installed command does this while it waits for a big postmortem's reader thread to
 * run (cli/relaunch.ts prepareHeap): its own
 * thread is otherwise idle then (~0.07 s), and the events file is work it need not do later, when
 * the batches keep it busy. What it holds is next to nothing (a few event objects and counts),
 * and the young generation that wait protects grows once at most (util/heapHold.ts). A file it
 * cannot read as lines is left to feedEventsFile, which says why.
 */
export async function readEventsEarly(path: string, until: Promise<unknown>): Promise<{ eventsHeld: number }> {
  let waiting = true;
  const settled = until.then(
    () => (waiting = false),
    () => (waiting = false),
  );
  const held = new HeldEvents();
  try {
    if (eventsFileIsLines(path)) {
      const read = { path, steps: new EventsFileSteps(path, held), held };
      early = read;
      // A step at a time, so that the thread's `online` is taken as soon as it comes.
      while (waiting && held.eventsHeld < MAX_HELD_EVENTS && read.steps.step()) await new Promise(setImmediate);
    }
  } catch {
    early?.steps.close();
    early = null;
  }
  await settled;
  return { eventsHeld: early?.held === held ? held.eventsHeld : 0 };
}

/** Events file: JSON lines or one JSON array; a regular file, a pipe or a FIFO. */
export async function feedEventsFile(path: string, engine: EventSink): Promise<void> {
  const read = early;
  early = null;
  if (read !== null && read.path === path) {
    // Begun by readEventsEarly: what it held, then the rest, a step at a time between the log's batches.
    read.held.handTo(engine);
    while (read.steps.step()) await new Promise(setImmediate);
    return;
  }
  read?.steps.close();
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
