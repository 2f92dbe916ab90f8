/**
 * Postmortem mode: the engine over recorded files (or a piped log), then a report. Text on
 * stdout, or JSON with --json; --export writes the markdown summary as well.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { analyze } from '../../engine/analyze.js';
import { upstreamMap } from '../../fix/nginx/groups.js';
import { loadNginxConfig } from '../../fix/nginx/load.js';
import { enrichIncidents } from '../../engine/enrich.js';
import { jsonReportParts } from '../../report/jsonReport.js';
import { markdownReportParts } from '../../report/markdownReport.js';
import { PROGRESS_MIN_BYTES, ProgressBar } from '../../report/progress.js';
import type { ReportContext } from '../../report/reportContext.js';
import { textReportParts } from '../../report/textReport.js';
import { toolVersion } from '../../util/version.js';
import { InputError } from '../errors.js';
import { EXIT } from '../exitCodes.js';
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
  const total = totalLogBytes(o.logs);
  const showProgress = io.stderr.isTTY === true && (o.progress || total >= PROGRESS_MIN_BYTES) && total > 0;
  const bar = showProgress ? new ProgressBar(io.stderr, total, io.now) : null;

  const { engine, incidents } = await analyze({
    logs: o.logs,
    stdin: io.stdin,
    events: o.events,
    containers: o.containers,
    tz: o.tz,
    patterns,
    // The config's groups and named peers join the correlation (read here, at the edge).
    ...(o.nginxConf ? { upstreamMap: upstreamMap(loadNginxConfig(o.nginxConf)) } : {}),
    since: o.since,
    until: o.until,
    burstGapMs: o.burstGapMs,
    minErrors: o.minErrors,
    ...(bar ? { onProgress: (b: number) => bar.update(b) } : {}),
  });
  bar?.done();

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
    inputs: { logs: o.logs, events: o.events, containers: o.containers },
    window: { since: o.since, until: o.until },
    counters: engine.counts(),
    incidents: engine.incidents(),
    notes: [...engine.notes(), ...notes],
    color: o.color,
    allPlatforms: o.allPlatforms,
  };
  if (o.exportPath) writeExport(o.exportPath, markdownReportParts(ctx));
  // An incident at a time: a report of 1,000 incidents is never whole in memory.
  await writeParts(io.stdout, o.json ? jsonReportParts(ctx) : textReportParts(ctx));
  if (o.exportPath && !o.json) io.stdout.write(`markdown summary written to ${o.exportPath}\n`);
  return incidents.length > 0 ? EXIT.found : EXIT.ok;
}
