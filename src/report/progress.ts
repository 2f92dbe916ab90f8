/**
 * A one-line progress bar on stderr for long postmortems: redrawn at most 10 times a second,
 * only on a terminal, erased when done so it never pollutes a piped report.
 */
import type { Writable } from 'node:stream';

export const PROGRESS_MIN_BYTES = 50 * 1024 * 1024;

export class ProgressBar {
  private lastDraw = 0;
  /** Time and bytes of the first update: the rate is measured from there, not from construction
   * (events and inspect files are read first and would make the early rate and ETA look worse). */
  private started: number | null = null;
  private startBytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly totalBytes: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(bytes: number): void {
    const t = this.now();
    if (this.started === null) {
      this.started = t;
      this.startBytes = bytes;
    }
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const frac = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const elapsed = Math.max(0.001, (t - this.started) / 1000);
    const rate = (bytes - this.startBytes) / elapsed / 1e6;
    // No rate before a second update: say so rather than print "0 MB/s, ETA 0 s".
    const speed = rate > 0 ? `${rate.toFixed(0).padStart(4)} MB/s  ETA ${((this.totalBytes - bytes) / 1e6 / rate).toFixed(1)} s` : '   - MB/s  ETA -';
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${speed} `);
  }

  done(): void {
    if (this.lastDraw > 0) this.out.write('\r\x1b[2K');
  }
}
