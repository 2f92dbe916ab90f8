#!/usr/bin/env node
/**
 * The `restartdoctor` command (package.json "bin"; npm's shims run it with Node on every platform).
 * It runs the CLI in this process, so start-up costs what `node dist/src/cli/main.js` costs, less
 * the modules the build's bundle saves loading one by one (cliEntry.js). It holds the V8 heap
 * small first thing (src/util/heapHold.ts: the young generation stays as it was made only if it
 * has not grown yet), which a long postmortem needs (src/cli/nodeFlags.ts), and gives V8's
 * optimizing compiler a smaller budget (src/util/compileBudget.ts: a postmortem's compiles are a
 * share of its time); a live session or a replay starts Node again with the heap flags on the CLI
 * module, sharing stdio, passing on signals and the exit (src/cli/relaunch.ts).
 */
import { cliModules } from './cliEntry.js';

const cli = cliModules(new URL('../', import.meta.url));
const [{ holdHeap }, { compileLess }] = await Promise.all([import(cli.heapHold), import(cli.compileBudget)]);
holdHeap();
compileLess();
const { runAsProgram } = await import(cli.main);
runAsProgram(process.argv.slice(2), { withHeapFlags: true });
