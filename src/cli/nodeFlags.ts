/**
 * The V8 heap a run of `restartdoctor` needs, and how it gets it.
 *
 * Why: bursts live long enough to survive young-generation collections, and V8 doubles the young
 * generation (up to 2 × 16 MB) whenever as much as its size has survived since the last doubling,
 * so any long postmortem ended with the maximum; and bursts dropped beyond the 1,000 kept piled up
 * as old-generation garbage up to four times the live heap. With a 1 MB semispace and old space
 * allowed to grow 15 % past the live heap, `analyze()` + report peaks at 97 / 102 / 106 MB on
 * 100 MB / 400 MB / 1 GB of log (108 / 127 / 146 MB without), at the same speed (`npm run bench`).
 *
 * How: the installed command (bin/restartdoctor.js) holds its heap so from its first line
 * (util/heapHold.ts: the same two limits set in the running process, before the young generation
 * has grown), so a postmortem of any size runs in the one Node it started. A live session or a
 * replay, which lasts for hours, starts Node again with these flags, V8's own way of setting them
 * before the heap is made (relaunch.ts); that second start (~0.1 s) is nothing to such a run. The
 * benchmark starts its measured children with them too.
 */
import { HEAP_GROWING_FLAG } from '../util/heapHold.js';

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', HEAP_GROWING_FLAG];

/** This process was started with every flag (`node --max-semi-space-size=1 … bin/restartdoctor.js`). */
export function hasNodeFlags(execArgv: readonly string[]): boolean {
  return NODE_FLAGS.every((flag) => execArgv.includes(flag));
}
