/**
 * Which build of the CLI the installed command runs (bin/restartdoctor.js): the bundle in
 * dist/bundle/ (scripts/bundle.mjs, part of `npm run build`: a postmortem opens 43 files instead
 * of ~230 modules loaded one by one) when it is at least as new as dist/src/cli/main.js, else the
 * modules tsc wrote. A build by `tsc` alone rewrites those and leaves the bundle of the build
 * before, which then stays unused (src/scan/readerThread.ts picks the reader thread's script by
 * the same rule). All three modules come from the same build: the heap hold that heapHold.js
 * keeps is read again by the CLI's reader thread (scan/readerThread.ts).
 */
import { statSync } from 'node:fs';

/** The CLI's entry and the two modules run before it, under the package folder `root` (a file: URL ending in `/`). */
export function cliModules(root) {
  const at = (p) => statSync(new URL(p, root), { throwIfNoEntry: false })?.mtimeMs;
  const bundleAt = at('dist/bundle/main.js');
  const modulesAt = at('dist/src/cli/main.js');
  const bundled = bundleAt !== undefined && (modulesAt === undefined || bundleAt >= modulesAt);
  const url = (bundle, modules) => new URL(bundled ? `dist/bundle/${bundle}` : `dist/src/${modules}`, root).href;
  return { main: url('main.js', 'cli/main.js'), heapHold: url('heapHold.js', 'util/heapHold.js'), compileBudget: url('compileBudget.js', 'util/compileBudget.js') };
}
