/**
 * Part of `npm run build`, after tsc: the reader thread's script (dist/src/scan/screenWorker.js)
 * and every module it imports as one file, dist/src/scan/screenWorker.bundle.js, which
 * scan/readerThread.ts starts instead when it is at least as new. A thread loads the ~25 modules
 * through Node's ESM loader in ~50 ms here, the one file in ~17 ms, and on a busy host's log the
 * reader thread sets a postmortem's pace from its start. The same code: nothing is minified or
 * rewritten but the imports (test/perf/screenWorker.test.ts runs the bundle against the one-thread path).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = (p) => fileURLToPath(new URL(`../dist/src/scan/${p}`, import.meta.url));

await build({
  input: dist('screenWorker.js'),
  platform: 'node',
  logLevel: 'warn',
  output: { file: dist('screenWorker.bundle.js'), format: 'esm' },
});
