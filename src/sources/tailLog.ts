/**
 * Follows one nginx error log with `tail-file`, across logrotate's two styles:
 * - rename + create: tail-file reads the renamed file to its end (nginx keeps writing there
 *   until it reopens on USR1), then switches to the new file and reads it from its start;
 * - copytruncate: the size drops below the read position. Before tail-file restarts at offset 0,
 *   what the file held past the read position is read from the copy logrotate made (`FILE.1`,
 *   recognised by its bytes just before that position: copytruncate.ts), so nothing the file
 *   still held when the truncation was noticed is lost. Lines written between logrotate's copy
 *   and its truncate are in neither file: no reader can get them back. The part of them this
 *   reader knows existed (it saw the file's size beyond the copy's end) is counted in the
 *   source's status (`unrecoveredBytes`), shown in the header, on stderr and in the export.
 * A file truncated and written past the old read position again before the truncation was
 * noticed is recognised too: the bytes before that position are no longer the ones read.
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
import { StringDecoder } from 'node:string_decoder';
import type { SourceState, SourceStatus } from '../model/snapshot.js';
import { findCopy, readRange } from './copytruncate.js';
import type { LineSink, SourceHandle } from './types.js';
import { findHistoryStart, readLinesSync, type LineTime } from './historyStart.js';
import { MAX_LINE_CHARS, Tail, TAIL_OVERRIDES, type TailExtra as Extra, type TailInstance } from './tailOverrides.js';

export { MAX_LINE_CHARS };
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

  /**
   * The held file was truncated after `pos` bytes were read: deliver what it held past `pos` from
   * its copy (lines, split and bounded as tail-file's are), then count the bytes it was seen to
   * hold that are in neither file (written between logrotate's copy and its truncate).
   */
  const recoverTruncated = (t: TailInstance & Extra, pos: number): void => {
    const knownEnd = Math.max(t.knownEnd ?? 0, pos);
    // Read, not yet delivered: tail-file hands over one line per turn of the event loop, so a
    // truncation noticed meanwhile (a directory event reads on) finds whole lines here, not only
    // an unfinished one. They are split as the copy's are: delivered whole as one "line" they were
    // lost (measured under load: ~10 such lines, the follower already past the copy's end).
    const pending = t.txt;
    let carry = ''; // a partial line: read, not yet ended by a newline
    let discarding = t.discarding === true;
    t.txt = '';
    t.discarding = false;
    const emitLine = (line: string): void => void t.emit('line', line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
    const feed = (text: string): void => {
      carry += text;
      let from = 0;
      for (let nl = carry.indexOf('\n'); nl !== -1; nl = carry.indexOf('\n', from)) {
        const line = carry.slice(from, nl);
        from = nl + 1;
        if (discarding) discarding = false;
        else emitLine(line);
      }
      carry = carry.slice(from);
      if (carry.length > MAX_LINE_CHARS) {
        if (!discarding) emitLine(carry);
        carry = '';
        discarding = true;
      }
    };
    feed(pending);
    const copy = typeof t.ino === 'number' ? findCopy(t.filename, t.ino, pos, t.tailBytes ?? Buffer.alloc(0)) : null;
    let readTo = pos;
    if (copy) {
      const decoder = new StringDecoder('utf8');
      try {
        readTo += readRange(copy.fd, pos, copy.size, (chunk) => feed(decoder.write(chunk)));
      } catch {
        // a read error (the disk, the file system): what was read stands
      } finally {
        fs.closeSync(copy.fd);
      }
      feed(decoder.end());
    }
    // Nothing will ever end this line now: deliver it as it is.
    if (carry !== '' && !discarding) emitLine(carry);
    const lost = knownEnd - readTo;
    if (lost > 0) {
      status.unrecoveredBytes = (status.unrecoveredBytes ?? 0) + lost;
      opts.onStatus?.({ ...status });
    }
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
      ...TAIL_OVERRIDES,
      onTruncated: recoverTruncated,
      _bufsize: 64 * 1024, // tail-file's 4 KiB means a read per 30 lines of a busy log
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
      (t as TailInstance & Extra).knownEnd = 0;
      (t as TailInstance & Extra).tailBytes = Buffer.alloc(0);
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
