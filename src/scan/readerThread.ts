/**
 * The reader thread of a big log file (screenWorker.ts), and which files get one. Kept apart from
 * screenedFile.ts, with little behind it (Node's modules, the compression sniff), so that a
 * process can start the thread before it loads anything else: a relaunched postmortem of a big
 * log does (cli/readerFirst.ts). The thread loads its modules on the other core while this one
 * reads the command line and hands it its job (screenedFile.ts startReadingEarly); started when
 * the engine opened the log instead, it began scanning ~0.3 s later.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sniffFile } from '../sources/compression.js';

/** Smaller files are read on the engine's thread: starting a thread costs more than it saves below this. */
const SCREEN_MIN_BYTES = 64 * 1024 * 1024;

const workerUrl = new URL('./screenWorker.js', import.meta.url);

/** The worker script ships next to this module once built; run from TypeScript sources it is absent. */
function screenWorkerAvailable(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl));
}

/**
 * Whether the log file `path` of `bytes` is read on a reader thread: `wanted` (analyze's option), else
 * when it is big; never stdin or a compressed file (a gzip is read as a stream on the engine's thread).
 */
export function readOnThread(path: string, bytes: number, wanted?: boolean): boolean {
  return path !== '-' && (wanted ?? (bytes >= SCREEN_MIN_BYTES && screenWorkerAvailable())) && sniffFile(path) === null;
}

/** A thread started ahead of its job (startReaderThread), until takeReaderThread hands it one. */
let spare: Worker | null = null;

/**
 * Starts a reader thread now; the first takeReaderThread of this process gives it its job. It
 * does not keep the process alive, and a thread that failed to start is replaced by a new one.
 */
export function startReaderThread(): void {
  if (spare !== null || !screenWorkerAvailable()) return;
  const worker = new Worker(workerUrl, { workerData: null });
  worker.unref();
  const drop = () => {
    if (spare === worker) spare = null;
  };
  worker.once('error', drop);
  worker.once('exit', drop);
  spare = worker;
}

/** A reader thread working on `job` (screenedFile.ts's ScreenJob): the one started ahead, else a new one. */
export function takeReaderThread(job: object): Worker {
  const worker = spare;
  spare = null;
  if (worker === null) return new Worker(workerUrl, { workerData: job });
  worker.ref();
  worker.postMessage(job);
  return worker;
}
