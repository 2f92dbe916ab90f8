/**
 * What relaunch.ts starts Node again on for a postmortem whose first log is read on a reader
 * thread (a big file on disk): the thread starts first and loads its modules on the other core
 * while this one loads the CLI (dynamically imported after, so that its ~0.2 s of modules do not
 * come before the thread) and reads the events file. Otherwise it is the CLI (main.ts).
 */
import { startReaderThread } from '../scan/readerThread.js';

startReaderThread();
const { runAsProgram } = await import('./main.js');
runAsProgram(process.argv.slice(2));
