/**
 * What relaunch.ts starts Node again on for a postmortem whose first log is read on a reader
 * thread (a big file on disk). The thread starts first and loads its modules on the other core;
 * this one reads the command line (no zod on that path) and hands the thread its job, so that
 * it scans the log while this thread loads the rest of the CLI (~0.2 s of modules, zod's among
 * them) and reads the events file. Then it is the CLI (main.ts), with the options read here:
 * a window read twice would differ (`--since 10m` counts from now) and the early read not be
 * taken over.
 */
import { startReaderThread } from '../scan/readerThread.js';
import type { MainOptions } from './mainOptions.js';

startReaderThread();
const argv = process.argv.slice(2);
const [{ parseMainOptions }, { processIo }, { expandLogArgs }, { startReadingEarly }, { firstLogOfPostmortem }] = await Promise.all([
  import('./mainOptions.js'),
  import('./io.js'),
  import('../sources/logSet.js'),
  import('../scan/screenedFile.js'),
  import('./relaunch.js'),
]);
let options: MainOptions | undefined;
try {
  options = parseMainOptions(argv, processIo());
  const first = firstLogOfPostmortem(options, expandLogArgs(options.logs));
  if (first !== undefined) startReadingEarly(first, { tz: options.tz, since: options.since, until: options.until });
} catch {
  // A command line the CLI refuses: it says why, below.
  options = undefined;
}
const { runAsProgram } = await import('./main.js');
runAsProgram(argv, options ? { options } : {});
