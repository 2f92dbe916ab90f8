/**
 * Less inlining in V8's optimizing compiler, for a run that ends: a postmortem compiles its hot
 * functions once per thread (the engine's and the reader's), on the same two cores that run them,
 * and with V8's default budget (920 bytes of bytecode inlined into one function) those compiles
 * took a quarter of a 400 MB busy host's postmortem's CPU time and an eighth of an outage's (perf,
 * all threads). With 200, paired runs of the CLI on the bench logs took 0.93× (busy host), 0.95×
 * (1 GB) and 0.99× (outage) the wall time, at the same peak RSS; 100 gave no more. V8 reads the
 * flag whenever it compiles, so setting it in the running process takes effect for everything
 * compiled after (the reader thread's too: V8's flags are the process's).
 *
 * The installed command sets it first thing (bin/restartdoctor.js). A live session or a replay,
 * which runs for hours, starts Node again without it (cli/relaunch.ts): its compiles are paid once.
 */
import { setFlagsFromString } from 'node:v8';

const INLINE_BUDGET_FLAG = '--max-inlined-bytecode-size-cumulative=200';

export function inlineLess(): void {
  setFlagsFromString(INLINE_BUDGET_FLAG);
}
