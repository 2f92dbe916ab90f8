/**
 * Postmortem mode: the engine over recorded files (or a piped log), then a report. Text on
 * stdout, or JSON with --json; --export writes the markdown summary as well.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { analyze } from '../../engine/analyze.js';
import { judgeInput } from '../../engine/inputQuality.js';
import { sanitizeForTerminal as safe } from '../../util/sanitize.js';
import { expandLogArgs } from '../../sources/logSet.js';
import { enrichIncidents } from '../../engine/enrich.js';
import { jsonReportParts } from '../../report/jsonReport.js';
import { markdownReportParts } from '../../report/markdownReport.js';
import { PROGRESS_MIN_BYTES, ProgressBar } from '../../report/progress.js';
import type { ReportContext } from '../../report/reportContext.js';
import { textReportParts } from '../../report/textReport.js';
import { toolVersion } from '../../util/version.js';
import { InputError } from '../../util/errors.js';
import { EXIT } from '../../util/exitCodes.js';
import { writeParts, type CliIo } from '../io.js';
import type { MainOptions } from '../mainOptions.js';
import { loadPatternsOrExplain } from '../patternsOption.js';

function totalLogBytes(logs: string[]): number {
  let total = 0;
  for (const p of logs) {
    if (p === '-') continue;
    try {
      total += statSync(p).size;
    } catch {
      // analyze() reports unreadable inputs with a proper message
    }
  }
  return total;
}

function writeExport(path: string, parts: Iterable<string>): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w');
    for (const part of parts) writeSync(fd, part);
  } catch (err) {
    throw new InputError(`--export ${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export async function runPostmortem(o: MainOptions, io: CliIo): Promise<number> {
  const patterns = loadPatternsOrExplain(o.patternsDir);
  // Rotated sets, patterns and directories as the files they name, oldest first.
  const logs = expandLogArgs(o.logs);
  const total = totalLogBytes(logs);
  const showProgress = io.stderr.isTTY === true && (o.progress || total >= PROGRESS_MIN_BYTES) && total > 0;
  const bar = showProgress ? new ProgressBar(io.stderr, total, io.now) : null;

  const { engine, incidents, files, inputNotes } = await analyze({
    logs,
    stdin: io.stdin,
    events: o.events,
    containers: o.containers,
    tz: o.tz,
    patterns,
    since: o.since,
    until: o.until,
    burstGapMs: o.burstGapMs,
    minErrors: o.minErrors,
    ...(bar ? { onProgress: (b: number) => bar.update(b) } : {}),
  });
  bar?.done();

  // A loud "can't tell" instead of a quiet "no incident found" (engine/inputQuality.ts).
  const verdict = judgeInput({ files, counters: engine.counts(), span: engine.logSpan(), since: o.since, until: o.until, tz: o.tz });
  if (verdict.fatal) throw new InputError(verdict.fatal.message, verdict.fatal.hint);
  const warnings = [...inputNotes, ...verdict.warnings];
  for (const w of warnings) io.stderr.write(`restartdoctor: warning: ${safe(w)}\n`);

  const notes = await enrichIncidents(engine, incidents, {
    nginxConf: o.nginxConf,
    compose: o.compose,
    k8s: o.k8s,
    systemd: o.systemd,
    probe: o.probe,
    healthPath: o.healthPath,
    docker: o.docker,
  });
  const ctx: ReportContext = {
    tool: { name: 'restartdoctor', version: toolVersion() },
    generatedAt: io.now(),
    tz: o.tz,
    inputs: { logs: files, events: o.events, containers: o.containers },
    window: { since: o.since, until: o.until },
    counters: engine.counts(),
    incidents: engine.incidents(),
    notes: [...warnings, ...engine.notes(), ...notes],
    color: o.color,
    allPlatforms: o.allPlatforms,
  };
  if (o.exportPath) writeExport(o.exportPath, markdownReportParts(ctx));
  // An incident at a time: a report of 1,000 incidents is never whole in memory.
  await writeParts(io.stdout, o.json ? jsonReportParts(ctx) : textReportParts(ctx));
  if (o.exportPath && !o.json) io.stdout.write(`markdown summary written to ${o.exportPath}\n`);
  return incidents.length > 0 ? EXIT.found : EXIT.ok;
}
