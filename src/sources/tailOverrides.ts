/**
 * tail-file (which ships no types) with the overrides followLog (tailLog.ts) installs on each
 * instance: a line splitter bounded at MAX_LINE_CHARS, and the copytruncate awareness (a read
 * position past the file's size, or bytes before it that changed, is a truncation; the bytes
 * just read are kept to recognise the copy). tail-file copies options onto the instance by
 * design, so each override replaces its method of the same name.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fdHoldsAt, keepTail } from './copytruncate.js';

/**
 * Lines longer than this (1 MiB of characters) are delivered cut to it, the rest dropped as read
 * (nginx never writes more than 2 KiB per error line).
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/** The part of tail-file's instance this module uses (the package ships no types). */
export interface TailInstance {
  filename: string;
  started: string | null;
  stopping: string | null;
  backlog: string[];
  ino: number | null;
  reading: boolean;
  readable: boolean;
  startPos: number | string;
  txt: string;
  sepG: RegExp;
  posLast: number;
  posNext: number;
  pos: number | string;
  fd: number | string | undefined;
  onLine(err: Error | null, line?: string, pos?: number): void;
  readStuff(): void;
  setBytePos(pos: number): void;
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: never[]) => void): TailInstance;
  removeAllListeners(): void;
  start(): void;
  interrupt(): void;
  stop(): Promise<unknown>;
  _stop(): void;
  watcher?: fs.FSWatcher;
}
/** What this module keeps on each instance, beside tail-file's own state. */
export interface TailExtra {
  discarding?: boolean;
  /** Largest size the held file was seen to have (fstat), for counting what a truncation took. */
  knownEnd?: number;
  /** The last bytes read from the held file (to recognise its copy). */
  tailBytes?: Buffer;
  /** Called when the held file was truncated, before tail-file reopens it at 0. */
  onTruncated?: (t: TailInstance & TailExtra, pos: number) => void;
}
type TailCtor = (new (filename: string, options: Record<string, unknown>) => TailInstance) & {
  prototype: {
    readStuff(this: TailInstance): void;
    append(this: TailInstance, err: Error | null, bytesRead: number, buf: Buffer): void;
    onEndOfFileForTail(this: TailInstance): void;
  };
};
export const Tail = createRequire(import.meta.url)('tail-file') as TailCtor;

/**
 * Before reading on, when the read position has caught up with the held file's known size: note
 * its new size, and check that the bytes just before the read position are still the ones read.
 * They are not when the file was truncated and written past that position again before the
 * truncation was noticed (a small log rotated often, a stalled reader): reading on would take
 * the middle of the new content for the continuation of the old. That is a truncation too.
 */
function sizeAwareReadStuff(this: TailInstance & TailExtra): void {
  if (typeof this.fd === 'number' && typeof this.pos === 'number' && !this.reading && this.pos >= (this.knownEnd ?? 0)) {
    try {
      const size = fs.fstatSync(this.fd).size;
      const tail = this.tailBytes;
      if (size > this.pos && tail && tail.length > 0 && !fdHoldsAt(this.fd, this.pos - tail.length, tail)) return restartTruncated(this);
      this.knownEnd = Math.max(this.knownEnd ?? 0, size);
    } catch {
      // a closed descriptor: tail-file's own read reports it
    }
  }
  Tail.prototype.readStuff.call(this);
}

/** The held file was truncated: recover from its copy (onTruncated), then read it again from 0. */
function restartTruncated(t: TailInstance & TailExtra): void {
  t.onTruncated?.(t, t.pos as number);
  t._stop();
  t.setBytePos(0);
  t.emit('restart', 'TRUNCATE');
  t.start();
}

/**
 * tail-file's read callback, keeping the last bytes read. A read that went past the known size
 * (the file grew between sizeAwareReadStuff's fstat and the asynchronous read: e.g. the read
 * tail-file starts right after 'ready', answered after a big append) means that size is stale:
 * fstat again, before any line of this buffer is delivered, so a truncation noticed later counts
 * what the file was seen to hold rather than only what had been read.
 */
function tailKeepingAppend(this: TailInstance & TailExtra, err: Error | null, bytesRead: number, buf: Buffer): void {
  if (!err && bytesRead > 0 && typeof this.pos === 'number') {
    this.tailBytes = keepTail(this.tailBytes ?? Buffer.alloc(0), buf, bytesRead);
    const readEnd = this.pos + bytesRead;
    if (readEnd > (this.knownEnd ?? 0) && typeof this.fd === 'number') {
      let size = readEnd;
      try {
        size = Math.max(size, fs.fstatSync(this.fd).size);
      } catch {
        // a closed descriptor: what was read is still known to have been there
      }
      this.knownEnd = size;
    }
  }
  Tail.prototype.append.call(this, err, bytesRead, buf);
}

/**
 * At the end of the held file, tail-file's own end-of-file logic (onEndOfFileForTail) with one
 * step added: when the same file (same inode) is now shorter than what was read, it was
 * truncated, and what it held past the read position is recovered from its copy (onTruncated)
 * before the restart at 0. Replaced whole rather than wrapped: its stat is asynchronous, so a
 * wrapper's own check could see the file before the truncate and tail-file's after it.
 */
function truncationAwareEnd(this: TailInstance & TailExtra): void {
  if (!this.started) return;
  if (this.stopping) return this.interrupt();
  if (this.backlog.length > 0) return Tail.prototype.onEndOfFileForTail.call(this); // catch-up across files
  this.reading = true;
  fs.stat(this.filename, (err, st) => {
    this.reading = false;
    if (!err && st.ino !== this.ino) {
      if (st.size) {
        // rename + create: the old file was read to its end; the new one is read from its start
        this._stop();
        this.startPos = 'start';
        this.emit('restart', 'NEWPRIME');
        return this.start();
      }
    } else if (!err && this.started && typeof this.pos === 'number' && st.size < this.pos) {
      return restartTruncated(this);
    }
    if (this.readable) return this.readStuff();
    this.emit('eof', this.pos);
  });
}

/**
 * tail-file's line splitter with a bound: its own keeps appending to `txt` until a separator
 * arrives. Installed per instance (tail-file copies options onto the instance by design).
 */
function boundedGetLine(this: TailInstance & TailExtra): void {
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

/** The methods followLog replaces on each tail-file instance. */
export const TAIL_OVERRIDES = {
  getLine: boundedGetLine,
  readStuff: sizeAwareReadStuff,
  append: tailKeepingAppend,
  onEndOfFileForTail: truncationAwareEnd,
};
