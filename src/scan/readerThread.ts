/**
 * The reader thread of a big log file (screenWorker.ts), and which files get one. Kept apart from
 * screenedFile.ts, with little behind it (Node's modules, the compression sniff), so that a
 * process can start the thread before it loads the rest of the CLI: the installed command does for
 * a postmortem of a big log (cli/relaunch.ts prepareHeap). The thread loads its modules on the
 * other core while this one loads the CLI; it has its job by then (screenedFile.ts
 * startReadingEarly). Started when the engine opened the log instead, it began scanning ~0.3 s later.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sniffFile } from '../sources/compression.js';
import { heapHeld, holdHeap, holdThroughNewIsolate } from '../util/heapHold.js';

/** Smaller files are read on the engine's thread: starting a thread costs more than it saves below this. */
const SCREEN_MIN_BYTES = 64 * 1024 * 1024;

/**
 * The thread's script: the build's one file of screenWorker.js and its modules
 * (scripts/bundle.mjs) when it is at least as new as screenWorker.js (a build by `tsc` alone
 * leaves an older one behind), else screenWorker.js. A thread loads the modules one by one
 * through Node's ESM loader in ~50 ms here, the one file in ~17 ms: on a busy host's log the
 * reader thread sets the pace from its start. In the CLI's bundle (dist/bundle/) the one file
 * lies beside this module's chunk, without the modules. Null run from TypeScript sources (neither
 * is there). bin/cliEntry.js picks the CLI's own bundle by the same rule (plain JavaScript that
 * runs before any of these modules is loaded, so it cannot call this).
 */
export function readerThreadScript(dir: URL = new URL('.', import.meta.url)): URL | null {
  if (dir.protocol !== 'file:') return null;
  const modules = new URL('screenWorker.js', dir);
  const bundle = new URL('screenWorker.bundle.js', dir);
  const modulesAt = statSync(fileURLToPath(modules), { throwIfNoEntry: false })?.mtimeMs;
  const bundleAt = statSync(fileURLToPath(bundle), { throwIfNoEntry: false })?.mtimeMs;
  if (bundleAt !== undefined && (modulesAt === undefined || bundleAt >= modulesAt)) return bundle;
  return modulesAt === undefined ? null : modules;
}

let script: URL | null | undefined;

function workerScript(): URL | null {
  if (script === undefined) script = readerThreadScript();
  return script;
}

function screenWorkerAvailable(): boolean {
  return workerScript() !== null;
}

/**
 * Whether the log file `path` of `bytes` is read on a reader thread: `wanted` (analyze's option), else
 * when it is big; never stdin or a compressed file (a gzip is read as a stream on the engine's thread).
 */
export function readOnThread(path: string, bytes: number, wanted?: boolean): boolean {
  return path !== '-' && (wanted ?? (bytes >= SCREEN_MIN_BYTES && screenWorkerAvailable())) && sniffFile(path) === null;
}

/**
 * A new thread, given `job` (null: it waits for one), and when it runs (or could not start).
 * Making its isolate, V8 undid this process's hold on the heap (util/heapHold.ts): it is set again
 * once the thread runs, before `up` settles.
 */
function newReaderThread(job: object | null): { worker: Worker; up: Promise<void> } {
  holdThroughNewIsolate();
  // Without a built script (run from sources) the thread fails to start, as a missing file does: an 'error' event.
  const worker = new Worker(workerScript() ?? new URL('./screenWorker.js', import.meta.url), { workerData: job });
  const held = heapHeld();
  const up = new Promise<void>((resolve) => {
    worker.once('online', () => {
      if (held) holdHeap();
      resolve();
    });
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  });
  return { worker, up };
}

/** A thread started ahead of its job (startReaderThread), until takeReaderThread hands it one. */
let spare: Worker | null = null;
/** Settles once the spare runs (or could not start). */
let spareUp: Promise<void> = Promise.resolve();

/**
 * Settles once the thread startReaderThread started runs: its isolate is made by then, and the
 * heap held again. Until then the engine's thread may grow its young generation for good (loading
 * the CLI meanwhile: to 2 and 4 MB semispaces in measured runs), so a process holding its heap
 * waits for this before it loads more.
 */
export async function readerThreadUp(): Promise<void> {
  // The thread does not keep the process alive (startReaderThread): this wait must.
  const alive = setInterval(() => undefined, 60_000);
  try {
    await spareUp;
  } finally {
    clearInterval(alive);
  }
}

/**
 * Starts a reader thread now; the first takeReaderThread of this process gives it its job. It
 * does not keep the process alive, and a thread that failed to start is replaced by a new one.
 */
export function startReaderThread(): void {
  if (spare !== null || !screenWorkerAvailable()) return;
  const { worker, up } = newReaderThread(null);
  worker.unref();
  spareUp = up;
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
  if (worker === null) return newReaderThread(job).worker;
  worker.ref();
  worker.postMessage(job);
  return worker;
}
