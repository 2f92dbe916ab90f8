/**
 * A recording folder as `restartdoctor record` keeps it and a postmortem (or `--replay`) reads it:
 *   error.log[.1 .2 …]       nginx's log as read (a container's keeps Docker's time prefix)
 *   events.jsonl[.1 .2 …]    the Docker event stream, one `{{json .}}` object per line
 *   inspect.json             the latest `docker inspect` of every container (rewritten whole)
 *   recording.json           zone, start and end, what was recorded
 * Bounded: each growing file rolls over to `.1` (older ones shift up) when its segment is full,
 * and the oldest segment is dropped when its family exceeds its share of the budget.
 */
import fs from 'node:fs';
import path from 'node:path';

export const RECORD_FILES = { log: 'error.log', events: 'events.jsonl', inspect: 'inspect.json', meta: 'recording.json' } as const;

/** `200MB`, `1.5G`, `500k`, `1048576` → bytes; null when not a size. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) return null;
  const unit = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

/** Appends lines to DIR/NAME, rolling over to NAME.1 … at `segmentBytes`, keeping at most `segments` files. */
export class RotatingFile {
  private fd: number;
  private size: number;
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly segmentBytes: number,
    private readonly segments: number,
  ) {
    this.path = path.join(dir, name);
    this.fd = fs.openSync(this.path, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  append(line: string): void {
    const bytes = Buffer.from(`${line}\n`);
    if (this.size > 0 && this.size + bytes.length > this.segmentBytes) this.rotate();
    fs.writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    // The oldest goes first, so the folder never holds more than `segments` files of this family.
    fs.rmSync(`${this.path}.${this.segments - 1}`, { force: true });
    for (let n = this.segments - 2; n >= 1; n--) if (fs.existsSync(`${this.path}.${n}`)) fs.renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    if (this.segments > 1) fs.renameSync(this.path, `${this.path}.1`);
    else fs.rmSync(this.path, { force: true });
    this.fd = fs.openSync(this.path, 'a');
    this.size = 0;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** How a budget is shared: the log gets most, events the rest (inspect.json is rewritten, small). */
export function openRecording(dir: string, maxBytes: number): { log: RotatingFile; events: RotatingFile } {
  fs.mkdirSync(dir, { recursive: true });
  const SEGMENTS = 4;
  const logShare = Math.floor(maxBytes * 0.6);
  const eventShare = Math.floor(maxBytes * 0.35);
  return {
    log: new RotatingFile(dir, RECORD_FILES.log, Math.max(4096, Math.floor(logShare / SEGMENTS)), SEGMENTS),
    events: new RotatingFile(dir, RECORD_FILES.events, Math.max(4096, Math.floor(eventShare / SEGMENTS)), SEGMENTS),
  };
}

/** Writes a whole file atomically (a reader never sees half an inspect snapshot). */
export function writeWhole(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
