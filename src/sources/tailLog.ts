/**
 * Follows one nginx error log with `tail-file`, across logrotate's two styles:
 * - rename + create: tail-file reads the renamed file to its end (nginx keeps writing there
 *   until it reopens on USR1), then switches to the new file and reads it from its start;
 * - copytruncate: the size drops below the read position, tail-file restarts at offset 0.
 * Limits worth knowing (shared by every tailer, `tail -F` included): with copytruncate, lines
 * written between logrotate's copy and its truncate exist only in the copy, and a file that
 * regrows past the old offset before the next change event is not seen as truncated.
 *
 * Line numbers are the line's number in the file being read: counted from the file's start
 * when following from its end, and reset to 1 after a rotation or a truncation.
 *
 * Lines longer than MAX_LINE_CHARS (1 MiB of characters): the first MAX_LINE_CHARS characters
 * are delivered as the line (nginx itself never writes more than 2 KiB per error line, so the
 * parser counts it as too long), and the rest up to the next newline is dropped as it is read,
 * so memory stays bounded whatever is in the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { SourceState, SourceStatus } from '../model/snapshot.js';
import type { LineSink, SourceHandle } from './types.js';
import { findHistoryStart, readLinesSync, type LineTime } from './historyStart.js';

export const MAX_LINE_CHARS = 1024 * 1024;
/** How often a missing directory is looked for again (tail-file cannot watch what does not exist). */
const DIR_POLL_MS = 1000;

export interface FollowLogOptions {
  /** Read the existing content first (read-back for `--since`); default: start at the end. */
  fromStart?: boolean;
  onStatus?: (status: SourceStatus) => void;
  /** Source id passed to the sink and in the status; default: the path. */
  id?: string;
  /**
   * History first: before following from the end, read back the lines from `since` on (found by
   * time: historyStart.ts), then say how many through `onRead`. Ignored with `fromStart`.
   */
  history?: { since: number; timeOf: LineTime; onRead?: (lines: number, fromOffset: number) => void };
}

export interface LogFollowHandle extends SourceHandle {
  /** Settles once the file is open and positioned (or known to be missing/unreadable). */
  ready: Promise<void>;
}

/** The part of tail-file's instance this module uses (the package ships no types). */
interface TailInstance {
  txt: string;
  sepG: RegExp;
  posLast: number;
  posNext: number;
  pos: number | string;
  fd: number | string | undefined;
  onLine(err: Error | null, line?: string, pos?: number): void;
  readStuff(): void;
  on(event: string, listener: (...args: never[]) => void): TailInstance;
  removeAllListeners(): void;
  start(): void;
  stop(): Promise<unknown>;
  _stop(): void;
  watcher?: fs.FSWatcher;
}
type TailCtor = new (filename: string, options: Record<string, unknown>) => TailInstance;
const Tail = createRequire(import.meta.url)('tail-file') as TailCtor;

/**
 * tail-file's line splitter with a bound: its own keeps appending to `txt` until a separator
 * arrives. Installed per instance (tail-file copies options onto the instance by design).
 */
function boundedGetLine(this: TailInstance & { discarding?: boolean }): void {
  const found = this.sepG.exec(this.txt);
  if (!found) {
    if (this.txt.length > MAX_LINE_CHARS) {
      const head = this.txt.slice(0, MAX_LINE_CHARS);
      const wasDiscarding = this.discarding === true;
      this.posNext += this.txt.length;
      this.txt = '';
      this.discarding = true;
      if (!wasDiscarding) {
        this.onLine(null, head, this.posLast);
        return;
      }
    }
    this.readStuff();
    return;
  }
  const line = this.txt.slice(0, found.index);
  this.posLast = this.posNext;
  this.posNext += this.sepG.lastIndex;
  this.txt = this.txt.slice(this.sepG.lastIndex);
  this.sepG.lastIndex = 0;
  if (this.discarding) {
    // The tail end of an over-long line already delivered as its first MAX_LINE_CHARS.
    this.discarding = false;
    setImmediate(() => boundedGetLine.call(this));
    return;
  }
  if (line.length > MAX_LINE_CHARS) {
    this.onLine(null, line.slice(0, MAX_LINE_CHARS), this.posLast);
    return;
  }
  this.onLine(null, line, this.posLast);
}

/** Counts `\n` bytes in the first `end` bytes of an open file (1 MiB reads, no line objects). */
function countNewlines(fd: number, end: number): number {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let count = 0;
  for (let pos = 0; pos < end; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n <= 0) break;
    for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) count++;
    pos += n;
  }
  return count;
}

/** One sentence for a file error, as shown in the header. */
export function describeFileError(err: NodeJS.ErrnoException, file: string): { state: SourceState; detail: string } {
  switch (err.code) {
    case 'ENOENT':
      return { state: 'waiting', detail: `${file} does not exist yet; waiting for it to appear` };
    case 'EACCES':
    case 'EPERM':
      return { state: 'error', detail: `permission denied reading ${file} (run with sudo or as a user in the adm group)` };
    case 'EISDIR':
      return { state: 'error', detail: `${file} is a directory, not a log file` };
    default:
      return { state: 'error', detail: `cannot read ${file}: ${(err.message || String(err)).split('\n')[0]}` };
  }
}

export function followLog(file: string, sink: LineSink, opts: FollowLogOptions = {}): LogFollowHandle {
  const id = opts.id ?? file;
  const status: SourceStatus = { id, kind: 'log', label: file, state: 'waiting', detail: null, itemsRead: 0, lagMs: null };
  let closed = false;
  let tail: TailInstance | null = null;
  let dirTimer: NodeJS.Timeout | null = null;
  let lineNo = 0;
  let firstOpen = true;
  let onSecondary = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const setStatus = (state: SourceState, detail: string | null): void => {
    if (status.state === state && status.detail === detail) return;
    status.state = state;
    status.detail = detail;
    opts.onStatus?.({ ...status });
  };

  const deliver = (text: string): void => {
    lineNo++;
    status.itemsRead++;
    sink(id, lineNo, text);
  };

  const start = (): void => {
    if (closed) return;
    // fs.watch on a missing directory throws inside tail-file's callbacks: poll for it instead.
    if (!fs.existsSync(path.dirname(path.resolve(file)))) {
      setStatus('waiting', `directory ${path.dirname(file)} does not exist yet; waiting for it`);
      markReady();
      dirTimer = setTimeout(start, DIR_POLL_MS);
      return;
    }
    const t = new Tail(path.resolve(file), {
      startPos: opts.fromStart ? 'start' : 'end',
      force: true, // keep waiting for a missing file instead of giving up
      // While the log itself is missing (mid-rotation at start-up), follow `FILE.1` until it
      // appears; named explicitly so tail-file never picks a `.gz` generation.
      secondary: `${path.resolve(file)}.1`,
      getLine: boundedGetLine,
    });
    tail = t;
    t.on('ready', (fd: number) => {
      if (firstOpen && !opts.fromStart && typeof t.pos === 'number' && t.pos > 0) {
        // Synchronous on purpose: no line of this file is emitted before the base is known, and
        // the history is read before tail-file delivers anything written after it opened.
        const end = t.pos;
        try {
          const from = opts.history ? findHistoryStart(fd, end, opts.history.since, opts.history.timeOf) : end;
          lineNo = countNewlines(fd, from);
          const read = from < end ? readLinesSync(fd, from, end, deliver, MAX_LINE_CHARS) : 0;
          opts.history?.onRead?.(read, from);
        } catch {
          lineNo = 0;
        }
      } else if (firstOpen) opts.history?.onRead?.(0, 0);
      firstOpen = false;
      if (onSecondary) setStatus('waiting', `${file} does not exist; following ${file}.1 until it appears`);
      else setStatus('ok', null);
      markReady();
    });
    t.on('secondary', () => {
      onSecondary = true;
    });
    t.on('restart', () => {
      lineNo = 0;
      onSecondary = false;
    });
    t.on('error', (err: NodeJS.ErrnoException) => {
      const d = describeFileError(err, file);
      setStatus(d.state, d.detail);
      if (d.state === 'waiting') firstOpen = false; // a file that appears later is read from its start
      markReady();
    });
    t.on('line', (line: string) => {
      if (closed) return;
      if (status.state !== 'ok' && !onSecondary) setStatus('ok', null);
      deliver(line.endsWith('\r') ? line.slice(0, -1) : line);
    });
    t.start();
  };
  start();

  return {
    ready,
    status: () => ({ ...status }),
    async close() {
      if (closed) return;
      closed = true;
      if (dirTimer) clearTimeout(dirTimer);
      const t = tail;
      if (!t) return;
      // tail-file's stop() waits for an in-flight start; never let that hang a shutdown.
      await Promise.race([t.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      t.watcher?.close();
      t._stop();
      t.removeAllListeners();
      t.on('error', () => {}); // a late fs callback must not turn into an unhandled 'error'
      setStatus('ended', null);
    },
  };
}
