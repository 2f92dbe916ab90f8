/**
 * Part of `npm run build`, after tsc: bundles of the built modules, nothing minified or rewritten
 * but the imports (the same code; the tests run both).
 *
 * - The reader thread's script (dist/src/scan/screenWorker.js) and every module it imports as one
 *   file, dist/src/scan/screenWorker.bundle.js, which scan/readerThread.ts starts instead when it
 *   is at least as new. A thread loads the ~25 modules through Node's ESM loader in ~50 ms here,
 *   the one file in ~17 ms, and on a busy host's log the reader thread sets a postmortem's pace
 *   from its start (test/perf/screenWorker.test.ts runs the bundle against the one-thread path).
 * - The CLI (dist/src/cli/main.js, with heapHold.js and compileBudget.js, which
 *   bin/restartdoctor.js runs before it) as dist/bundle/: one file per entry, the commands loaded
 *   on demand as now (live mode's ink and React only for live mode), and the modules shared by
 *   several in a few chunks beside them. bin/cliEntry.js runs it when it is at least as new as
 *   dist/src/cli/main.js. A postmortem of the busy host's bench log opened 129 files of its own
 *   modules, 95 of zod's and 5 of diff's and leven's, loaded one by one through Node's loader
 *   while its reader thread scanned on the other core (the fixes' after the log); from the bundle,
 *   43 (bench/ROUNDS.md, round 10). A copy of the reader thread's script lies beside them:
 *   readerThread.ts looks for it in its own folder.
 *
 * Dependencies in pure JavaScript that a postmortem loads go into the bundle (INLINED); the rest
 * stay imports of node_modules: dockerode (native modules under ssh2), ink and React (live mode
 * only), and those loaded with createRequire (chrono-node, tail-file, tar-stream).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));
const INLINED = /^(zod|yaml|diff|leven)(\/|$)/;

await build({
  input: dist('src/scan/screenWorker.js'),
  platform: 'node',
  logLevel: 'warn',
  output: { file: dist('src/scan/screenWorker.bundle.js'), format: 'esm' },
});

// Chunks are named by their content: a folder left from an earlier build would keep stale ones.
rmSync(dist('bundle'), { recursive: true, force: true });
await build({
  input: { main: dist('src/cli/main.js'), heapHold: dist('src/util/heapHold.js'), compileBudget: dist('src/util/compileBudget.js') },
  platform: 'node',
  logLevel: 'warn',
  // A bare specifier (not `./`, `../`, `/` or `node:`) names a package in node_modules.
  external: (id) => /^[^./]/.test(id) && !id.startsWith('node:') && !INLINED.test(id),
  // One folder: relaunch.ts starts `./main.js` beside its own chunk, readerThread.ts its script beside its own.
  output: { dir: dist('bundle'), format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});
copyFileSync(dist('src/scan/screenWorker.bundle.js'), dist('bundle/screenWorker.bundle.js'));
