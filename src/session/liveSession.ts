/**
 * A live session (or a replay): the engine fed by its sources (liveSources.ts) and ticked on a
 * timer, every announced incident enriched one at a time (the checklist live, the fix always),
 * the restart-watch policy, the sources' status and history lines, and the markdown export. The
 * CLI only wires it to a screen or to lines (cli/commands/live.ts); the screen only ever sees
 * snapshots.
 *
 * Every log line a source delivers enters the engine through one function, `lineSink`.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { IncidentEngine } from '../engine/incidentEngine.js';
import { upstreamMap } from '../fix/nginx/groups.js';
import { loadNginxConfig } from '../fix/nginx/load.js';
import { displayPath } from '../fix/paths.js';
import type { ContainerInfo } from '../model/container.js';
import type { Incident } from '../model/incident.js';
import type { EngineSnapshot, SourceStatus } from '../model/snapshot.js';
import { formatTime } from '../report/format.js';
import { checklistLinesLive, incidentLine, sourceStatusLine, unrecoveredNote } from '../report/liveLines.js';
import { markdownReport } from '../report/markdownReport.js';
import { reportContext } from '../report/reportContext.js';
import { recordingFiles, type RecordingFiles, type ReplaySink } from '../sources/replay.js';
import type { LineSink, SourceHandle } from '../sources/types.js';
import { formatDuration } from '../util/duration.js';
import { InputError, oneLine } from '../util/errors.js';
import { refuseExportOverInputs } from '../util/sameFile.js';
import { EXIT } from '../util/exitCodes.js';
import { sanitizeForTerminal as safe } from '../util/sanitize.js';
import { toolVersion } from '../util/version.js';
import { LineIntake } from '../scan/lineIntake.js';
import { ENRICH_SAYS, Enricher, type EnrichOptions } from './enrich.js';
import { startLiveSources, startReplay } from './liveSources.js';
import type { LiveSessionOptions, SessionIo, SessionPorts } from './sessionTypes.js';

/** How often idle bursts are closed and new incidents announced. */
const TICK_MS = 250;
/** Live mode reads back this much of the log and of Docker's events before following (`--since` overrides). */
const DEFAULT_HISTORY_MS = 15 * 60_000;

/** Default export file name, in the working directory: `restartdoctor-20240115-031244.md`. */
export function exportFileName(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `restartdoctor-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.md`;
}

export class LiveSession implements SessionPorts {
  readonly engine: IncidentEngine;
  /** Where every source's lines enter the scan stage (lineSink). */
  private readonly intake: LineIntake;
  readonly tz: string;
  readonly isReplay: boolean;
  /** The recording's files (replay only). */
  readonly files: RecordingFiles | null;
  /** Live: where the history read back starts (`--since`, else 15 minutes ago). */
  readonly historySince: number | null;
  /** The configs the fixes diff; a container's own config joins them once fetched (liveSources.ts). */
  readonly configs: EnrichOptions;
  /** Resolves when a replay has played everything; null live. */
  replayDone: Promise<void> | null = null;
  /** Called on every change the screen may show (the CLI's SnapshotStore invalidation). */
  onChange: () => void = () => {};
  readonly sources: SourceHandle[] = [];
  readonly cleanups: (() => void)[] = [];
  readonly abort = new AbortController();

  private readonly enricher: Enricher;
  /** What lines mode printed, or the TUI's scrollback after the screen is gone. */
  private readonly lines: string[] = [];
  /** One enrichment at a time: probes and config reads never pile up under a burst of incidents. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly probed = new Set<string>();
  private readonly watched = new Set<string>();
  /** Lines mode has no header: a source's state goes to stderr each time it changes. */
  private readonly said = new Map<string, string>();
  /** How far back each source reaches, shown beside its healthy state in the header. */
  private readonly reach = new Map<string, string>();
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    readonly o: LiveSessionOptions,
    readonly io: SessionIo,
  ) {
    this.isReplay = o.replay !== null;
    this.files = o.replay !== null ? recordingFiles(o.replay) : null;
    // Before anything is read: an --export over a replay's recording is refused now, not at the end
    // (the files the flags name were checked with the flags: cli/mainOptions.ts).
    if (o.exportPath !== null && this.files !== null) this.refuseExportOverInputs(path.resolve(io.cwd, o.exportPath));
    const tz = (this.tz = this.files?.tz ?? o.tz);
    // History first: live mode starts from what happened in the last `--since` (a page comes after the restart).
    this.historySince = this.isReplay ? null : (o.since ?? io.now() - DEFAULT_HISTORY_MS);
    // The config's upstream groups and named peers join the correlation (groups, replicas, stale addresses).
    const nginxConf = o.nginxConf ?? this.files?.nginxConf ?? null;
    // Reports name its files as the postmortem does: relative to where the command runs.
    const map = nginxConf ? { upstreamMap: upstreamMap(loadNginxConfig(nginxConf), (f) => displayPath(f, io.cwd)) } : {};
    const window = this.isReplay ? { since: o.since, until: o.until } : { since: this.historySince, until: null };
    this.engine = new IncidentEngine({ tz, patterns: o.patterns, ...window, burstGapMs: o.burstGapMs, minErrors: o.minErrors, ...map });
    this.intake = new LineIntake(this.engine, { tz, ...window });
    // A recording folder's own nginx.conf / docker-compose.yml are the configs its fix diffs, unless named.
    this.configs = { ...o, nginxConf, compose: o.compose ?? this.files?.compose ?? null };
    this.enricher = new Enricher(this.engine, this.configs, {
      say: (text) => this.emit(text),
      onChecklist: (i, result) => {
        for (const l of checklistLinesLive(i, result, tz)) this.emit(l);
      },
      onChange: () => this.onChange(),
    });
  }

  // ---- what the sources feed -------------------------------------------------------------------

  /** The one way log lines enter the engine, from every source of the session (the replay's too). */
  readonly lineSink: LineSink = (source, lineNo, text) => {
    this.intake.ingestLine(source, lineNo, text);
    this.onChange();
  };

  /** A replay's sinks: the live ones, with the data's clock where a live session ticks the wall clock. */
  replaySink(): ReplaySink {
    const engine = this.engine;
    return {
      line: this.lineSink,
      event: (raw) => (engine.ingestEvent(raw), this.onChange()),
      containers: (infos: ContainerInfo[]) => (engine.setContainers(infos), this.onChange()),
      countInvalidEvent: (reason) => engine.countInvalidEvent(reason),
      countIgnoredEvent: () => engine.countIgnoredEvent(),
      clock: (time) => engine.tick(time),
      end: () => (engine.finish(), this.onChange()),
    };
  }

  readonly onStatus = (s: SourceStatus): void => {
    this.engine.setSourceStatus(s.state === 'ok' && this.reach.has(s.id) ? { ...s, detail: this.reach.get(s.id)! } : s);
    if (!this.o.noTui || s.state === 'ended') return;
    const text = sourceStatusLine(s);
    if (this.said.get(s.id) === text) return;
    this.said.set(s.id, text);
    this.io.stderr.write(`${text}\n`);
  };

  /** How far back a source reaches: one stderr line in lines mode (the header shows `short` in the TUI). */
  sayHistory(id: string, text: string, short: string): void {
    const since = this.historySince!;
    const from = `history from ${formatTime(Math.floor(since / 1000) * 1000, this.tz, false)} (${formatDuration(this.io.now() - since)})`;
    this.reach.set(id, short || from);
    if (this.o.noTui) this.io.stderr.write(`restartdoctor: ${safe(`${from}: ${text}`)}\n`);
    this.onChange();
  }

  /** A line of the session's story: printed in lines mode, kept for the scrollback under the TUI. */
  private emit(text: string): void {
    if (this.o.noTui) this.io.stdout.write(`${text}\n`);
    else this.lines.push(text);
  }

  // ---- running ---------------------------------------------------------------------------------

  /** Starts the sources (a bad recording or endpoint is an error here, before any screen) and the ticker. */
  async start(): Promise<void> {
    if (this.isReplay) this.replayDone = (await startReplay(this)).done;
    else await startLiveSources(this);
    this.ticker = setInterval(() => {
      if (!this.isReplay) this.engine.tick(this.io.now());
      // Live health (lag, counts) is read from the handles, not only from their status callbacks.
      for (const s of this.sources) this.onStatus(s.status());
      this.watchRestarts();
      this.announce();
    }, TICK_MS);
  }

  /** What the screen draws now: on the data's clock in a replay (the engine's last tick), the wall clock live. */
  snapshot(): EngineSnapshot {
    return this.engine.snapshot(this.isReplay ? undefined : this.io.now());
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.chain.then(job, job);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private announce(): void {
    for (const i of this.engine.takeAnnouncements()) {
      this.emit(incidentLine(i, this.tz));
      void this.enrich(i);
    }
  }

  /** Fix proposals for every announced incident; the checklist live only (probing a recording's addresses would probe whatever runs there today). */
  private enrich(announced: Incident): Promise<void> {
    return this.serial(async () => {
      if (!this.isReplay && !this.probed.has(announced.id)) await this.checklist(announced);
      await this.enricher.fix(announced);
    }).catch((err: unknown) => this.emit(`restartdoctor: ${ENRICH_SAYS.failed('fix', announced.id, err)}`));
  }

  private checklist(i: Incident, watchFrom: number | null = null): Promise<string> {
    this.probed.add(i.id);
    return this.enricher.checklist(i, { watchFrom });
  }

  /**
   * As soon as a growing burst's container starts again, run the checklist and watch the app
   * become ready: the moment that measures the time to ready the fix is sized from.
   */
  private watchRestarts(): void {
    if (this.isReplay) return;
    for (const i of this.engine.openIncidents()) {
      // A checklist that ran before the start (the backend was down then) does not count: the
      // restart is watched once, even if the incident was already probed.
      if (this.watched.has(i.id) || !i.match || !i.facts.startAfterFailure) continue;
      const start = [...i.facts.events].reverse().find((e) => e.action === 'start');
      if (!start) continue;
      this.watched.add(i.id);
      void this.serial(() => this.checklist(i, start.time)).catch((err: unknown) => this.emit(`restartdoctor: ${ENRICH_SAYS.failed('checklist', i.id, err)}`));
    }
  }

  /** The TUI's `c`: the checklist again, now, in the enrichment queue. Null in a replay (nothing is probed). */
  get rerunChecklist(): ((id: string) => Promise<string>) | null {
    if (this.isReplay) return null;
    return (id) =>
      this.serial(async () => {
        const i = this.engine.incidents().find((x) => x.id === id) ?? this.engine.openIncidents().find((x) => x.id === id);
        if (!i) throw new Error('that incident is no longer kept');
        return this.checklist(i);
      });
  }

  /** The export rule of every run (util/sameFile.ts), over this session's inputs: a replay's are its folder's files. */
  private refuseExportOverInputs(file: string): void {
    const { o, files } = this;
    const run = { ...o, logs: files ? [files.log] : o.logs, events: files?.events ?? null, containers: files?.containers ?? null, nginxConf: o.nginxConf ?? files?.nginxConf, compose: o.compose ?? files?.compose };
    refuseExportOverInputs(file, run, files ? '--replay' : '--log');
  }

  /** The markdown summary of `snapshot` (the screen's), or of the engine now; returns the file written. */
  writeExport(snapshot: EngineSnapshot | null): string {
    const { o, io } = this;
    const file = path.resolve(io.cwd, o.exportPath ?? exportFileName(io.now()));
    this.refuseExportOverInputs(file);
    const notes = this.isReplay ? [`replay of ${o.replay} at ×${o.speed}`] : ['live session'];
    for (const s of this.sources) {
      const lost = unrecoveredNote(s.status());
      if (lost) notes.push(`${s.status().label}: ${lost}`);
    }
    const ctx = reportContext({
      engine: this.engine,
      incidents: snapshot?.incidents ?? this.engine.incidents(),
      version: toolVersion(),
      generatedAt: io.now(),
      tz: this.tz,
      inputs: { logs: this.files ? [this.files.log] : o.logs, events: this.files?.events ?? null, containers: this.files?.containers ?? null },
      window: { since: o.since, until: o.until },
      notes,
      allPlatforms: o.allPlatforms,
    });
    try {
      writeFileSync(file, markdownReport(ctx));
    } catch (err) {
      throw new InputError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? oneLine(err)})`);
    }
    return file;
  }

  /** Stops the ticker and the sources. */
  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.abort.abort();
    await Promise.all(this.sources.map((s) => s.close()));
  }

  /**
   * After stop: bursts still open are incidents too, announced (printed, or kept for the
   * scrollback) and enriched; the export of lines mode is written; returns the scrollback's lines.
   */
  async finish(): Promise<string[]> {
    if (this.replayDone) await this.replayDone;
    this.engine.finish();
    this.announce();
    await this.chain;
    for (const c of this.cleanups) c();
    if (this.o.noTui && this.o.exportPath) this.io.stdout.write(`markdown summary written to ${this.writeExport(null)}\n`);
    return this.lines.slice(-20);
  }

  /** Interrupted: 130 or 143; else, as a postmortem, whether an incident was found. */
  exitCode(interruptedBy: NodeJS.Signals | null): number {
    if (interruptedBy !== null) return interruptedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    return this.engine.incidents().length > 0 ? EXIT.found : EXIT.ok;
  }
}
