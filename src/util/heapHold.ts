/**
 * Holds V8's heap small from inside the running process (why: cli/nodeFlags.ts), as the installed
 * command does from its first line. Starting Node again with the flags instead cost a big
 * postmortem a second start: paired runs of the CLI on the 400 MB bench logs took 0.92× (busy host)
 * and 0.98× (outage) the wall time this way, at the same peak RSS.
 *
 * Two V8 flags, both read by V8 whenever it sizes the heap, so setting them now takes effect now:
 * - `--semi-space-growth-factor=1`: the young generation keeps the size it was made with (1 MB
 *   semispaces), as `--max-semi-space-size=1` keeps it at start-up. V8 puts this one back to 2
 *   whenever it makes a new isolate: it is set again once a reader thread runs (scan/readerThread.ts).
 *   The CLI waits for that before it loads the rest of itself (cli/relaunch.ts prepareHeap); loading
 *   it meanwhile grew the young generation to 2 and 4 MB semispaces in measured runs. Reading an
 *   events file meanwhile, as it does, grows it once, to 2 MB semispaces: the first collection
 *   after the reset finds the start-up's survivors since the last growth (V8 grows the young
 *   generation when those exceed its size); the events leave few, so it grows no further.
 * - `--heap-growing-percent=15`: the old generation grows 15 % past the live heap, not up to 4×.
 *
 * `test/core/launcher.test.ts` measures the first in a run of the installed command; `npm run bench`
 * the peak RSS both keep flat.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Old space grows 15 % past the live heap: set here in the running process, and given to a relaunched Node (cli/nodeFlags.ts). */
export const HEAP_GROWING_FLAG = '--heap-growing-percent=15';

let held = false;

/** Sets the flags (again: a new isolate reset the growth factor); from now on heapHeld() says so. */
export function holdHeap(): void {
  held = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString(HEAP_GROWING_FLAG);
}

/**
 * Called right before a new isolate is made, which undoes the hold until holdHeap() is called
 * again (once the reader thread runs): a young collection now, so that none falls in that window.
 * V8 collects the young generation when it is full, and as an idle-time task from ~80 % full;
 * whether the CLI's start-up leaves it so is chance. One task in the window grew it to 2 MB
 * semispaces for good in 3 of 4 runs of the bundled CLI (scripts/bundle.mjs, which allocates less
 * while it loads) on a 64 MB log, in 5 of 10 with those tasks turned off from here on (one was
 * already due), in none of 12 with this (~3 ms, the context for `gc` included). What the window
 * itself allocates still counts (an events file read meanwhile grows it once: above).
 */
export function holdThroughNewIsolate(): void {
  if (!held) return;
  collect ??= exposedGc();
  collect({ type: 'minor' });
}

/** V8's `gc`, from a context made once `--expose-gc` is set (the process's own has none): made once, kept for the next thread. */
let collect: ((o: { type: 'minor' }) => void) | undefined;

function exposedGc(): (o: { type: 'minor' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (o: { type: 'minor' }) => void;
}

/** holdHeap() was called in this thread: a reader thread started now must call it again. */
export function heapHeld(): boolean {
  return held;
}
