/**
 * A smaller compile budget in V8's optimizing compiler, for a run that ends: a postmortem compiles
 * its hot functions once per thread (the engine's and the reader's), on the same two cores that
 * run them, and those compiles are a share of its time. Two flags, both read by V8 when it
 * compiles or counts, so setting them in the running process takes effect for everything compiled
 * after (the reader thread's too: V8's flags are the process's):
 *
 * - `--max-inlined-bytecode-size-cumulative=200` (V8's default is 920 bytes of bytecode inlined
 *   into one function). With the default, the compiles took a quarter of a 400 MB busy host's
 *   postmortem's CPU time and an eighth of an outage's (perf, all threads). With 200, paired runs
 *   of the CLI on the bench logs took 0.93× (busy host), 0.95× (1 GB) and 0.99× (outage) the wall
 *   time, at the same peak RSS; 100 gave no more.
 * - `--interrupt-budget=135168` (132 KB, twice the default of Node 20's V8; later V8s, with their
 *   Maglev tier, default to this same value): how much bytecode a function runs before V8
 *   considers optimizing it. Twice as long, a hot function is compiled with more of its paths seen,
 *   so fewer compiles are thrown away when a path it had not seen turns up (an outage's 400 MB: 193
 *   compiles and 18 deoptimizations instead of 241 and 25, ~0.73 s of background compiling instead
 *   of ~1.13 s). Paired runs: busy host 0.96×, outage 0.96×, 100 MB 0.98×, 1 GB 0.99×; three times
 *   the default gave the same, four times less on the outage's log.
 *
 * The installed command sets them first thing (bin/restartdoctor.js). A live session or a replay,
 * which runs for hours, starts Node again without them (cli/relaunch.ts): its compiles are paid once.
 */
import { setFlagsFromString } from 'node:v8';

const COMPILE_BUDGET_FLAGS = ['--max-inlined-bytecode-size-cumulative=200', '--interrupt-budget=135168'];

export function compileLess(): void {
  for (const flag of COMPILE_BUDGET_FLAGS) setFlagsFromString(flag);
}
