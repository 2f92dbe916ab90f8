/**
 * Live mode and replay: sources → engine → the full-screen UI, or, without a TTY (`--no-tui`,
 * piped, CI), one line per incident and per checklist result. The engine is fed by the sources
 * and ticked on a timer; the UI only ever sees snapshots taken by the SnapshotStore.
 *
 * Exit codes: an incident was detected → EXIT.found, none → EXIT.ok (as the postmortem);
 * a SIGINT that ends a session without a key to quit → EXIT.interrupted (130), a SIGTERM →
 * EXIT.terminated (143); either way the screen is restored and the sources closed first.
 */
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { IncidentEngine } from '../../engine/incidentEngine.js';
import { lineIntakeOf } from '../../scan/lineIntake.js';
import { fixFor, type EnrichOptions } from '../../engine/enrich.js';
import { upstreamMap } from '../../fix/nginx/groups.js';
import { loadNginxConfig } from '../../fix/nginx/load.js';
import { runChecklist } from '../../checklist/runChecklist.js';
import { probeTargetRefusal } from '../../engine/probeTargets.js';
import type { ContainerInfo } from '../../model/container.js';
import type { Incident } from '../../model/incident.js';
import type { EngineSnapshot, SourceStatus } from '../../model/snapshot.js';
import { decodeContainerInspect } from '../../parse/containerInspect.js';
import { markdownReport } from '../../report/markdownReport.js';
import { checklistLinesLive, incidentLine, sourceStatusLine, unrecoveredNote } from '../../report/liveLines.js';
import { formatTime } from '../../report/format.js';
import { sanitizeForTerminal as safe } from '../../util/sanitize.js';
import { lineTimeIn } from '../../parse/lineTime.js';
import { formatDuration } from '../../util/duration.js';
import { connectDocker } from '../../sources/dockerLive.js';
import { resolveDockerEndpoint } from '../../sources/dockerEndpoint.js';
import { followLog } from '../../sources/tailLog.js';
import { nginxContainers, readContainerLog } from '../../sources/containerLog.js';
import { fetchNginxConfig } from '../../sources/containerConfig.js';
import { loadRecording, recordingFiles, replay } from '../../sources/replay.js';
import { streamLines } from '../../sources/readInput.js';
import type { SourceHandle } from '../../sources/types.js';
import { SnapshotStore } from '../../ui/store.js';
import { runTui } from '../../ui/run.js';
import { toolVersion } from '../../util/version.js';
import { InputError, oneLine } from '../../util/errors.js';
import { EXIT } from '../../util/exitCodes.js';
import type { CliIo, Command } from '../io.js';
import { DEFAULT_LOG, parseMainOptions, type MainOptions } from '../mainOptions.js';
import { readTime } from '../values.js';
import { trapSignals, type SignalTrap } from '../signalTrap.js';
import { loadPatternsOrExplain } from '../patternsOption.js';

/** How often idle bursts are closed and new incidents announced. */
const TICK_MS = 250;
/** How long the checklist watches a restarted app for readiness before judging it. */
const WATCH_READY_MS = 60_000;
/** Live mode reads back this much of the log and of Docker's events before following (`--since` overrides). */
export const DEFAULT_HISTORY_MS = 15 * 60_000;

export const liveCommand: Command = async (argv, io) => runLive(parseMainOptions(argv, io), io);

/** Default export file name, in the working directory: `restartdoctor-20240115-031244.md`. */
export function exportFileName(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `restartdoctor-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.md`;
}

function decodeAll(raws: unknown[]): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  for (const raw of raws) {
    try {
      out.push(decodeContainerInspect(raw));
    } catch {
      // One odd container must not hide the others; the engine still sees its events.
    }
  }
  return out;
}

/**
 * Live mode with no log named: when the host's error log is not there or not readable, the
 * running nginx/openresty containers (by image or command) are the log sources.
 */
async function autoContainers(logs: string[], docker: Dockerode | null, io: CliIo): Promise<{ name: string; why: string | null }[]> {
  if (!docker || logs.length !== 1 || logs[0] !== DEFAULT_LOG) return [];
  try {
    accessSync(DEFAULT_LOG, constants.R_OK);
    return [];
  } catch {
    // not there, or not readable: look for nginx in a container
  }
  try {
    return nginxContainers(await docker.listContainers());
  } catch (err) {
    io.stderr.write(`restartdoctor: ${DEFAULT_LOG} is not readable and the Docker daemon could not be asked for nginx containers: ${oneLine(err)}\n`);
    return [];
  }
}

export async function runLive(o: MainOptions, io: CliIo): Promise<number> {
  // Before any source starts or anything is printed: a signal from here on ends the session cleanly.
  const trap = trapSignals();
  try {
    return await runSession(o, io, trap);
  } finally {
    trap.release();
  }
}

async function runSession(o: MainOptions, io: CliIo, trap: SignalTrap): Promise<number> {
  const patterns = loadPatternsOrExplain(o.patternsDir);
  const isReplay = o.mode === 'replay' && o.replay !== null;
  const files = isReplay ? recordingFiles(o.replay!) : null;
  const tz = files?.tz ?? o.tz;
  // History first: live mode starts from what happened in the last `--since` (a page comes after the restart).
  const historySince = isReplay ? null : (o.since ?? io.now() - DEFAULT_HISTORY_MS);
  // The config's upstream groups and named peers join the correlation (groups, replicas, stale addresses).
  const nginxConf = o.nginxConf ?? files?.nginxConf ?? null;
  const map = nginxConf ? { upstreamMap: upstreamMap(loadNginxConfig(nginxConf)) } : {};
  const engine = new IncidentEngine({ tz, patterns, since: isReplay ? o.since : historySince, until: isReplay ? o.until : null, burstGapMs: o.burstGapMs, minErrors: o.minErrors, ...map });
  // Replay runs on the data's clock (the engine's last tick); live on the wall clock.
  const now = (): number | undefined => (isReplay ? undefined : io.now());
  const store = new SnapshotStore({ produce: () => engine.snapshot(now()) });
  // Lines mode draws nothing: no snapshot is ever taken for it.
  const invalidate = o.noTui ? () => {} : () => store.invalidate();
  const sources: SourceHandle[] = [];
  const cleanups: (() => void)[] = [];
  const abort = new AbortController();
  // --docker, else DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp://), else the local socket.
  const endpoint = isReplay ? null : resolveDockerEndpoint(o.docker, io.env);
  const docker = endpoint?.label ?? null;
  // A recording folder's own nginx.conf / docker-compose.yml are the configs its fix diffs, unless named.
  const configs: EnrichOptions = { ...o, nginxConf, compose: o.compose ?? files?.compose ?? null };

  // ---- enrichment: fix proposals for every announced incident, checklist live only ----------
  const printLines = o.noTui;
  const lines: string[] = [];
  const emit = (text: string): void => {
    if (printLines) io.stdout.write(`${text}\n`);
    else lines.push(text);
  };
  // One enrichment at a time: probes and config reads never pile up under a burst of incidents.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job, job);
    chain = run.catch(() => undefined);
    return run;
  };
  const dockerClient = endpoint ? new Dockerode(endpoint.options) : null;
  const probed = new Set<string>();
  const checklistFor = async (i: Incident, watchFrom: number | null = null): Promise<string> => {
    probed.add(i.id);
    const { host, port } = i.burst.upstream;
    if (port === null) return 'no port to probe for this upstream';
    const refusal = probeTargetRefusal(host, port, engine.probeContainers(), configs.nginxConf);
    if (refusal) {
      emit(refusal);
      return refusal;
    }
    // Started while the app comes back: watch it get ready, timed from the container's start event.
    const watch = watchFrom !== null ? { waitReadyMs: WATCH_READY_MS, startMs: watchFrom } : {};
    const result = await runChecklist({ host, port, container: i.match?.name ?? null, healthPath: o.healthPath }, { docker: dockerClient, dockerEndpoint: docker ?? undefined, ...watch });
    engine.attachChecklist(i.id, result);
    invalidate();
    for (const l of checklistLinesLive(i, result, tz)) emit(l);
    return result.conclusion;
  };
  const enrich = (announced: Incident): Promise<void> =>
    serial(async () => {
      // Probing a recording's addresses would probe whatever runs there today: never in replay.
      if (!isReplay && !probed.has(announced.id)) await checklistFor(announced);
      // The engine's current view: the checklist that ran has measured the time to ready.
      const i = engine.incidents().find((x) => x.id === announced.id) ?? announced;
      engine.attachFix(i.id, await fixFor(i, configs));
      invalidate();
    }).catch((err: unknown) => emit(`restartdoctor: enrichment of incident ${announced.id} failed: ${oneLine(err)}`));

  const announce = (): void => {
    for (const i of engine.takeAnnouncements()) {
      emit(incidentLine(i, tz));
      void enrich(i);
    }
  };

  /**
   * As soon as a growing burst's container starts again, run the checklist and watch the app
   * become ready: the moment that measures the time to ready the fix is sized from.
   */
  const watched = new Set<string>();
  const watchRestarts = (): void => {
    if (isReplay) return;
    for (const i of engine.openIncidents()) {
      // A checklist that ran before the start (the backend was down then) does not count: the
      // restart is watched once, even if the incident was already probed.
      if (watched.has(i.id) || !i.match || !i.facts.startAfterFailure) continue;
      const start = [...i.facts.events].reverse().find((e) => e.action === 'start');
      if (!start) continue;
      watched.add(i.id);
      void serial(() => checklistFor(i, start.time)).catch((err: unknown) => emit(`restartdoctor: checklist for ${i.id} failed: ${oneLine(err)}`));
    }
  };

  // ---- sources ---------------------------------------------------------------------------------
  // Lines mode has no header: a source's state goes to stderr each time it changes.
  const said = new Map<string, string>();
  // How far back each source reaches, shown beside its healthy state in the header.
  const reach = new Map<string, string>();
  const onStatus = (s: SourceStatus): void => {
    engine.setSourceStatus(s.state === 'ok' && reach.has(s.id) ? { ...s, detail: reach.get(s.id)! } : s);
    if (!printLines || s.state === 'ended') return;
    const text = sourceStatusLine(s);
    if (said.get(s.id) === text) return;
    said.set(s.id, text);
    io.stderr.write(`${text}\n`);
  };
  const sink = (source: string, lineNo: number, text: string): void => {
    lineIntakeOf(engine).ingestLine(source, lineNo, text);
    invalidate();
  };
  /** One stderr line per source in lines mode (the header shows it in the TUI): how far back it reaches. */
  const sayHistory = (id: string, text: string, short: string): void => {
    const from = `history from ${formatTime(Math.floor(historySince! / 1000) * 1000, tz, false)} (${formatDuration(io.now() - historySince!)})`;
    reach.set(id, short || from);
    if (printLines) io.stderr.write(`restartdoctor: ${safe(`${from}: ${text}`)}\n`);
    invalidate();
  };
  let replayDone: Promise<void> | null = null;
  if (isReplay) {
    const recording = await loadRecording(files!, tz, { gapMs: o.burstGapMs, minErrors: o.minErrors });
    // A time of day means the recording's day: read against its first line, not today.
    const from = o.replayFrom !== null && recording.start !== null ? readTime('--from', o.replayFrom, tz, recording.start, recording.start) : null;
    replayDone = replay({ dir: o.replay!, files: files!, engine, tz, speed: o.speed, recording, from, signal: abort.signal, onStatus: (s) => (onStatus(s), invalidate()) });
  } else {
    // nginx in a container: named, or found when the host has no readable error log.
    const containers = o.nginxContainer ? [{ name: o.nginxContainer, why: null as string | null }] : await autoContainers(o.logs, dockerClient, io);
    for (const c of containers) {
      const h = readContainerLog({ docker: dockerClient!, container: c.name, since: historySince, follow: true, sink, onStatus, endpoint: docker! });
      sources.push(h);
      h.done.catch(() => undefined); // its status says why it stopped
      const chosen = c.why ? `; chosen because ${DEFAULT_LOG} is not readable here and its ${c.why} is nginx's` : '';
      if (c.why) io.stderr.write(`restartdoctor: ${DEFAULT_LOG} is not readable here; reading nginx's log from container ${safe(c.name)} (${safe(c.why)}) through the Docker API\n`);
      sayHistory(h.status().id, `container ${c.name}: its Docker log from then on${chosen}`, `${c.why ? `auto: ${c.why}; ` : ''}history from ${formatTime(Math.floor(historySince! / 1000) * 1000, tz, false)}`);
      onStatus(h.status());
    }
    // The container's own config feeds the fix, as the host's file would (unless one is named).
    if (containers[0] && !configs.nginxConf) {
      const root = mkdtempSync(path.join(os.tmpdir(), 'restartdoctor-config-'));
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      const got = await fetchNginxConfig(dockerClient!, containers[0].name, root).catch((err: unknown) => {
        io.stderr.write(`restartdoctor: could not read /etc/nginx from container ${safe(containers[0]!.name)} (${safe(oneLine(err))}): fixes will be advice, not diffs\n`);
        return null;
      });
      if (got) Object.assign(configs, { nginxConf: got.mainFile, nginxRoot: got.root, nginxConfContainer: containers[0].name });
    }
    const logs = containers.length > 0 && !o.nginxContainer ? [] : o.logs;
    for (const log of logs) {
      if (log === '-') {
        onStatus({ id: '-', kind: 'stdin', label: 'stdin', state: 'ok', detail: null, itemsRead: 0, lagMs: null });
        void streamLines('-', io.stdin, sink).then(() => onStatus({ id: '-', kind: 'stdin', label: 'stdin', state: 'ended', detail: null, itemsRead: 0, lagMs: null }));
        continue;
      }
      const h = followLog(log, sink, {
        onStatus,
        history: {
          since: historySince!,
          timeOf: lineTimeIn(tz),
          onRead: (n) => sayHistory(log, `${log}: ${n} line${n === 1 ? '' : 's'} read back`, ''),
        },
      });
      sources.push(h);
      onStatus(h.status());
    }
    const d = connectDocker({
      endpoint: endpoint!,
      since: historySince!,
      onHistory: (h) => {
        engine.noteEventsFrom(h.eventsFrom);
        const from = formatTime(Math.floor(h.eventsFrom / 1000) * 1000, tz, false);
        sayHistory(
          d.status().id,
          h.truncated ? `Docker events kept by the daemon from ${from} (${h.replayed} replayed; older ones are gone)` : `Docker events from ${from} (${h.replayed} replayed)`,
          h.truncated ? `events kept by the daemon from ${from}` : `events from ${from}`,
        );
      },
      onEvent: (raw) => {
        engine.ingestEvent(raw);
        invalidate();
      },
      onContainers: (raws) => {
        engine.setContainers(decodeAll(raws));
        invalidate();
      },
      onStatus: (s) => (onStatus(s), invalidate()),
      onGap: (gap) => (engine.noteEventGap(gap), invalidate()),
      onInvalid: (reason) => engine.countInvalidEvent(reason),
      clock: io.now,
    });
    sources.push(d);
    onStatus(d.status());
  }

  const ticker = setInterval(() => {
    if (!isReplay) engine.tick(io.now());
    // Live health (lag, counts) is read from the handles, not only from their status callbacks.
    for (const s of sources) onStatus(s.status());
    watchRestarts();
    announce();
  }, TICK_MS);

  // ---- ending ----------------------------------------------------------------------------------
  // The signal handlers were set before anything started (runLive): `trap` says what came.
  const stopped = trap.stopped;
  // Lines mode whose reader went away (`| head -1`: EPIPE destroys stdout) ends as a finished
  // session, with its incident exit code, instead of printing into nothing for ever.
  const onStdoutGone = (): void => trap.wake();
  if (printLines) io.stdout.once('close', onStdoutGone);

  const writeExport = (snapshot: EngineSnapshot | null): string => {
    const file = path.resolve(io.cwd, o.exportPath ?? exportFileName(io.now()));
    const incidents = snapshot?.incidents ?? engine.incidents();
    const notes = isReplay ? [`replay of ${o.replay} at ×${o.speed}`] : ['live session'];
    for (const s of sources) {
      const lost = unrecoveredNote(s.status());
      if (lost) notes.push(`${s.status().label}: ${lost}`);
    }
    try {
      writeFileSync(
        file,
        markdownReport({
          tool: { name: 'restartdoctor', version: toolVersion() },
          generatedAt: io.now(),
          tz,
          inputs: { logs: files ? [files.log] : o.logs, events: files?.events ?? null, containers: files?.containers ?? null },
          window: { since: o.since, until: o.until },
          counters: engine.counts(),
          incidents,
          notes,
          allPlatforms: o.allPlatforms,
        }),
      );
    } catch (err) {
      throw new InputError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? oneLine(err)})`);
    }
    return file;
  };

  try {
    if (trap.signal() !== null) {
      // Interrupted while the sources started: no screen to draw, end as interrupted.
    } else if (o.noTui) {
      // Lines mode: until the replay ends, or until a signal for a live session.
      await (replayDone ? Promise.race([replayDone, stopped]) : stopped);
    } else {
      // The first frame shows what the sources delivered so far (a replay has its lead-up already), not an empty engine.
      store.refresh();
      store.start();
      const tui = runTui({
        feed: store,
        color: o.color,
        stdout: io.stdout as NodeJS.WriteStream,
        stdin: io.stdin as NodeJS.ReadStream,
        stderr: io.stderr as NodeJS.WriteStream,
        actions: {
          exportMarkdown: async (snapshot) => writeExport(snapshot),
          ...(isReplay
            ? {}
            : {
                rerunChecklist: (id: string) =>
                  serial(async () => {
                    const i = engine.incidents().find((x) => x.id === id) ?? engine.openIncidents().find((x) => x.id === id);
                    if (!i) throw new Error('that incident is no longer kept');
                    return checklistFor(i);
                  }),
              }),
        },
      });
      trap.onSignal(tui.stop);
      await tui.done;
    }
  } finally {
    clearInterval(ticker);
    store.stop();
    abort.abort();
    trap.release();
    io.stdout.off('close', onStdoutGone);
    await Promise.all(sources.map((s) => s.close()));
  }
  if (isReplay) await replayDone;
  engine.finish();
  // Bursts still open at the end are incidents too: printed now, or kept for the scrollback below.
  announce();
  await chain;
  for (const c of cleanups) c();
  if (o.noTui && o.exportPath) io.stdout.write(`markdown summary written to ${writeExport(null)}\n`);
  // After the screen is gone: what happened, for the scrollback.
  if (!o.noTui) for (const l of lines.slice(-20)) io.stdout.write(`${l}\n`);
  const interruptedBy = trap.signal();
  if (interruptedBy !== null) return interruptedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  return engine.incidents().length > 0 ? EXIT.found : EXIT.ok;
}
