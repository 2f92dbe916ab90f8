/**
 * The postmortem pipeline as one call: read logs (files or stdin), events and an inspect
 * snapshot from disk, feed the engine, finish. Used by the postmortem CLI, `fix`, and tests.
 */
import type { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import type { ContainerInfo } from '../model/container.js';
import type { Incident } from '../model/incident.js';
import type { UpstreamMap } from '../model/upstreamMap.js';
import type { Pattern } from '../diagnose/patternSchema.js';
import { expandLogArgs } from '../sources/logSet.js';
import { readContainersFile } from '../sources/containersFile.js';
import { assertReadableFile, streamFileLines, streamLines } from '../sources/readInput.js';
import type { LineSink } from '../sources/types.js';
import { feedEventsFile } from '../sources/eventsFile.js';
import { IncidentEngine } from '../engine/incidentEngine.js';
import { judgeInput } from '../engine/inputQuality.js';
import { LineIntake } from '../scan/lineIntake.js';
import { readOnThread } from '../scan/readerThread.js';
import { streamFileScreened } from '../scan/screenedFile.js';

export { feedEventsFile };

export interface AnalyzeOptions {
  /** Log paths; `-` reads `stdin`. */
  logs: string[];
  stdin?: Readable;
  events?: string | null;
  containers?: string | null;
  tz: string;
  patterns: Pattern[];
  /** The nginx config's upstream groups and named peers (fix/nginx/groups.ts): groups, replicas, stale addresses. */
  upstreamMap?: UpstreamMap;
  since?: number | null;
  until?: number | null;
  burstGapMs?: number;
  minErrors?: number;
  /**
   * Other line sources, read after the files in this order (nginx's log from the Docker API):
   * each pushes its lines into the sink it is given and settles when it has read everything.
   */
  lineSources?: ((sink: LineSink) => Promise<unknown>)[];
  /** Called with total bytes read so far across log files (progress bar). */
  onProgress?: (bytes: number) => void;
  /**
   * Read a log file on a second thread (scan/screenedFile.ts): true or false, or by size when not
   * given (readerThread.ts: files of SCREEN_MIN_BYTES and more, when the worker script is built).
   */
  readerThread?: boolean;
  /** Keep each upstream's tallies for a screen (engine.snapshot()): false unless asked, a postmortem draws none. */
  screenTallies?: boolean;
}

export interface Analysis {
  engine: IncidentEngine;
  incidents: Incident[];
  containers: ContainerInfo[];
  /** The log files read, in the order read (rotated sets and directories expanded, oldest first). */
  files: string[];
  /** What the reader must know about the inputs themselves (a truncated gzip…). */
  inputNotes: string[];
}

export async function analyze(o: AnalyzeOptions): Promise<Analysis> {
  const engine = new IncidentEngine({
    tz: o.tz,
    patterns: o.patterns,
    ...(o.upstreamMap ? { upstreamMap: o.upstreamMap } : {}),
    since: o.since ?? null,
    until: o.until ?? null,
    ...(o.burstGapMs !== undefined ? { burstGapMs: o.burstGapMs } : {}),
    ...(o.minErrors !== undefined ? { minErrors: o.minErrors } : {}),
    screenTallies: o.screenTallies ?? false,
  });
  // Rotated sets, patterns and directories become files, oldest first (sources/logSet.ts).
  const logs = expandLogArgs(o.logs);
  const inputNotes: string[] = [];
  const read = { onNote: (note: string) => inputNotes.push(note) };
  // Fail fast on every unreadable input before any long read starts.
  const sizes = logs.map((p) => (p === '-' ? 0 : assertReadableFile(p)));
  if (o.events) assertReadableFile(o.events);
  const containers = o.containers ? readContainersFile(o.containers) : [];
  engine.setContainers(containers);

  const window = { tz: o.tz, since: o.since ?? null, until: o.until ?? null };
  // A compressed file is read as a stream on this thread (the reader thread scans raw bytes).
  const onThread = (i: number) => readOnThread(logs[i]!, sizes[i]!, o.readerThread);
  let doneBytes = 0;
  const progressFrom = (base: number) => (o.onProgress ? (b: number) => o.onProgress!(base + b) : undefined);
  // A big first log starts on its reader thread now, so the events file is read while it is
  // scanned: the engine takes lines and events in any order (events join bursts at the end).
  const stop = new AbortController();
  const first = logs.length > 0 && onThread(0) ? streamFileScreened(logs[0]!, engine, window, progressFrom(0), stop.signal) : null;
  first?.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
  try {
    if (o.events) await feedEventsFile(o.events, engine);
  } catch (err) {
    stop.abort();
    throw err;
  }

  // The scan stage takes lines as bytes and decodes only the ones that matter.
  const sink = new LineIntake(engine, window);
  for (let i = 0; i < logs.length; i++) {
    const p = logs[i]!;
    const progress = progressFrom(doneBytes);
    if (i === 0 && first) {
      await first;
    } else if (p === '-') {
      if (!o.stdin) throw new InputError('no standard input to read');
      await streamLines('-', o.stdin, sink, progress, read);
    } else if (onThread(i)) {
      await streamFileScreened(p, engine, window, progress);
    } else {
      await streamFileLines(p, sink, progress, read);
    }
    sink.flush();
    doneBytes += sizes[i]!;
  }
  for (const source of o.lineSources ?? []) await source((src, lineNo, text) => sink.ingestLine(src, lineNo, text));
  engine.finish();
  return { engine, incidents: engine.incidents(), containers, files: logs, inputNotes };
}

/**
 * Whether the analysis can answer at all (engine/inputQuality.ts), judged the same for every
 * command that reads a log after the fact (the postmortem, `fix --log`): an empty, binary or
 * unreadable input is one line, exit 2, never a quiet "no incident found". Returns the warnings to
 * print: the readers' notes, then the verdict's.
 */
export function judgedWarnings(a: Analysis, window: { since: number | null; until: number | null; tz: string }): string[] {
  const verdict = judgeInput({ files: a.files, counters: a.engine.counts(), span: a.engine.logSpan(), ...window });
  if (verdict.fatal) throw new InputError(verdict.fatal.message, verdict.fatal.hint);
  return [...a.inputNotes, ...verdict.warnings];
}
