/**
 * The V8 flags a long or big run of `restartdoctor` needs, and when it needs them. Node takes heap
 * sizes only at start-up, and starting Node again costs ~0.1 s (half as much again as `--version`),
 * so the installed command (bin/restartdoctor.js) runs everything in its own process and starts
 * Node again with these flags (relaunch.ts) only for a run where they matter: a postmortem of a big
 * or unsized log, or a live session. The benchmark starts its measured children with them too.
 *
 * Why: bursts live long enough to survive young-generation collections, and V8 doubles the young
 * generation (up to 2 × 16 MB) whenever as much as its size has survived since the last doubling,
 * so any long postmortem ended with the maximum; and bursts dropped beyond the 1,000 kept piled up
 * as old-generation garbage up to four times the live heap. With a 1 MB semispace and old space
 * allowed to grow 15 % past the live heap, `analyze()` + report peaks at 97 / 102 / 106 MB on
 * 100 MB / 400 MB / 1 GB of log (108 / 127 / 146 MB without), at the same speed (`npm run bench`).
 *
 * Not set from inside the running process: `v8.setFlagsFromString('--max-semi-space-size=1')`
 * changes nothing for a heap already made, and the one knob that stops its young generation growing
 * later (`--semi-space-growth-factor=1`) is put back to 2 by V8 whenever a new isolate is made (the
 * scan's Worker thread): measured on 1 GB, 135 MB peak that way against 110 MB started with the flags.
 */
import type { MainOptions } from './mainOptions.js';

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--heap-growing-percent=15'];

/**
 * Log bytes from which a postmortem starts Node again with the flags. Below it the peak without
 * them grows slowly (busy-host log, --json: 90 / 97 / 101 / 104 MB at 4 / 16 / 32 / 64 MB of log,
 * against 76–87 MB with them) and stays under what 1 GB peaks at with them (110 MB), so memory is
 * as flat over all sizes, while the second start (~0.1 s) would be a large share of a short run.
 */
export const HEAP_FLAGS_FROM_BYTES = 64 * 1024 * 1024;

/** A compressed log counts as this many times its size (logrotate's gzip of an error log: ~10×). */
const COMPRESSED_FACTOR = 10;

/** What heapFlagsMatter needs to know of one log file: its size, whether compressed, or null when unknown (a pipe, stdin, a device). */
export type LogSize = { bytes: number; compressed: boolean } | null;

/** This process was started with every flag (`node --max-semi-space-size=1 … bin/restartdoctor.js`). */
export function hasNodeFlags(execArgv: readonly string[]): boolean {
  return NODE_FLAGS.every((flag) => execArgv.includes(flag));
}

/**
 * Whether a run of the main command needs the flags: a live session or a replay (it lasts), a log
 * read through the Docker API or of unknown size, or logs totalling HEAP_FLAGS_FROM_BYTES.
 * `files` are the --log arguments expanded to files (logSet.ts), `sizeOf` tells each one's size.
 */
export function heapFlagsMatter(o: Pick<MainOptions, 'mode' | 'nginxContainer'>, files: readonly string[], sizeOf: (file: string) => LogSize): boolean {
  if (o.mode !== 'postmortem' || o.nginxContainer !== null) return true;
  let bytes = 0;
  for (const file of files) {
    const size = sizeOf(file);
    if (size === null) return true;
    bytes += size.compressed ? size.bytes * COMPRESSED_FACTOR : size.bytes;
  }
  return bytes >= HEAP_FLAGS_FROM_BYTES;
}
