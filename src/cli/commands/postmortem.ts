/**
 * Postmortem mode: the engine over recorded files (or a piped log), then a report. Text on
 * stdout, or JSON with --json; --export writes the markdown summary as well.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FetchedConfig } from '../../sources/containerConfig.js';
import { analyze, judgedWarnings } from '../../session/analyze.js';
import { upstreamMap } from '../../fix/nginx/groups.js';
import { displayPath } from '../../fix/paths.js';
import { loadNginxConfig } from '../../fix/nginx/load.js';
import { sanitizeForTerminal as safe } from '../../util/sanitize.js';
import { expandLogArgs } from '../../sources/logSet.js';
import { Enricher } from '../../session/enrich.js';
import { jsonReportParts } from '../../report/jsonReport.js';
import { markdownReportParts } from '../../report/markdownReport.js';
import { PROGRESS_MIN_BYTES, ProgressBar } from '../../report/progress.js';
import { reportContext } from '../../report/reportContext.js';
import { textReportParts } from '../../report/textReport.js';
import { toolVersion } from '../../util/version.js';
import { InputError, oneLine } from '../../util/errors.js';
import { resolveDockerEndpoint, type DockerEnv } from '../../sources/dockerEndpoint.js';
import type { LineSink } from '../../sources/types.js';
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

/** `--nginx-container NAME`: nginx's log read through the Docker API, within --since/--until. */
async function containerLogSource(o: MainOptions): Promise<(sink: LineSink) => Promise<unknown>> {
  const [{ default: Dockerode }, { readContainerLog }] = await Promise.all([import('dockerode'), import('../../sources/containerLog.js')]);
  const docker = new Dockerode(resolveDockerEndpoint(o.docker, o.dockerEnv ?? {}).options);
  return (sink) =>
    readContainerLog({ docker, container: o.nginxContainer!, since: o.since, until: o.until, follow: false, sink, endpoint: o.docker }).done.catch((err: unknown) => {
      throw new InputError(`--nginx-container ${o.nginxContainer}: ${oneLine(err)}`, 'name a container of this Docker host (docker ps), or pass --docker');
    });
}

/** The container's own nginx.conf (and what it includes), copied to a temp folder for the fix; or why not. */
async function containerConfig(container: string, endpoint: string, env: DockerEnv): Promise<FetchedConfig | { note: string }> {
  const [{ default: Dockerode }, { fetchNginxConfig }] = await Promise.all([import('dockerode'), import('../../sources/containerConfig.js')]);
  const root = mkdtempSync(path.join(os.tmpdir(), 'restartdoctor-config-'));
  try {
    const got = await fetchNginxConfig(new Dockerode(resolveDockerEndpoint(endpoint, env).options), container, root);
    if (got) return got;
    rmSync(root, { recursive: true, force: true });
    return { note: `container ${container} has no /etc/nginx/nginx.conf: pass --nginx-conf for a diff of its config` };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    return { note: `could not read /etc/nginx from container ${container} (${oneLine(err)}): pass --nginx-conf for a diff of its config` };
  }
}

export async function runPostmortem(o: MainOptions, io: CliIo): Promise<number> {
  const patterns = loadPatternsOrExplain(o.patternsDir);
  // Rotated sets, patterns and directories as the files they name, oldest first, each once.
  const logs = expandLogArgs(o.logs, (note) => io.stderr.write(`restartdoctor: ${safe(note)}\n`));
  const total = totalLogBytes(logs);
  const showProgress = io.stderr.isTTY === true && (o.progress || total >= PROGRESS_MIN_BYTES) && total > 0;
  const bar = showProgress ? new ProgressBar(io.stderr, total, io.now) : null;

  const lineSources = o.nginxContainer ? [await containerLogSource(o)] : [];
  const analysis = await analyze({
    lineSources,
    logs,
    stdin: io.stdin,
    events: o.events,
    containers: o.containers,
    tz: o.tz,
    patterns,
    // The config's groups and named peers join the correlation (read here, at the edge).
    ...(o.nginxConf ? { upstreamMap: upstreamMap(loadNginxConfig(o.nginxConf), (f) => displayPath(f, io.cwd)) } : {}),
    since: o.since,
    until: o.until,
    burstGapMs: o.burstGapMs,
    minErrors: o.minErrors,
    ...(bar ? { onProgress: (b: number) => bar.update(b) } : {}),
  });
  bar?.done();
  const { engine, incidents, files } = analysis;

  // A loud "can't tell" instead of a quiet "no incident found" (engine/inputQuality.ts).
  const warnings = judgedWarnings(analysis, { since: o.since, until: o.until, tz: o.tz });
  for (const w of warnings) io.stderr.write(`restartdoctor: warning: ${safe(w)}\n`);

  const fetched = o.nginxContainer && !o.nginxConf && incidents.length > 0 ? await containerConfig(o.nginxContainer, o.docker, o.dockerEnv ?? {}) : null;
  const notes = await new Enricher(engine, {
    ...(fetched && 'mainFile' in fetched ? { nginxRoot: fetched.root, nginxConfContainer: o.nginxContainer } : {}),
    nginxConf: fetched && 'mainFile' in fetched ? fetched.mainFile : o.nginxConf,
    compose: o.compose,
    k8s: o.k8s,
    systemd: o.systemd,
    probe: o.probe,
    healthPath: o.healthPath,
    docker: o.docker,
    dockerEnv: o.dockerEnv ?? {},
  }).all(incidents);
  if (fetched && 'note' in fetched) notes.push(fetched.note);
  if (fetched && 'mainFile' in fetched) rmSync(fetched.root, { recursive: true, force: true });
  const ctx = reportContext({
    engine,
    version: toolVersion(),
    generatedAt: io.now(),
    tz: o.tz,
    inputs: { logs: o.nginxContainer ? [...files, `container ${o.nginxContainer} (Docker API)`] : files, events: o.events, containers: o.containers },
    window: { since: o.since, until: o.until },
    incidents: engine.incidents(),
    notes: warnings,
    enrichNotes: notes,
    color: o.color,
    allPlatforms: o.allPlatforms,
  });
  if (o.exportPath) writeExport(o.exportPath, markdownReportParts(ctx));
  // An incident at a time: a report of 1,000 incidents is never whole in memory.
  await writeParts(io.stdout, o.json ? jsonReportParts(ctx) : textReportParts(ctx));
  if (o.exportPath && !o.json) io.stdout.write(`markdown summary written to ${o.exportPath}\n`);
  return incidents.length > 0 ? EXIT.found : EXIT.ok;
}
