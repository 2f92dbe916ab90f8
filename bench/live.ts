/**
 * `npm run bench -- --live`: a real appending writer (bench/liveWriter.ts, its own process)
 * writes nginx lines at `rate`/s and Docker events at `eventsRate`/s into two files; this
 * process follows both the way live mode does (followLog from src/sources/tailLog.ts, the
 * engine ticked every 100 ms, snapshots through the UI's SnapshotStore at most every 100 ms)
 * and measures:
 *   - ingest lag: the line's write time (`wt=` in it) → the engine has it;
 *   - screen lag: the newest line written → the first snapshot that includes it;
 *   - RSS and heap every second (must stay flat).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPatterns } from '../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../src/scan/lineIntake.js';
import { followLog } from '../src/sources/tailLog.js';
import { SnapshotStore } from '../src/ui/store.js';

export interface LiveOptions {
  rate: number;
  durationS: number;
  eventsRate: number;
}

const here = dirname(fileURLToPath(import.meta.url));

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLive(outDir: string, o: LiveOptions, json: boolean): Promise<void> {
  const dir = join(outDir, `live-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'error.log');
  const events = join(dir, 'events.jsonl');
  writeFileSync(log, '');
  writeFileSync(events, '');

  const engine = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
  let newestWt = 0; // write time of the newest ingested line that carries one
  let ingested = 0;
  const ingestLag: number[] = [];
  const screenLag: number[] = [];
  let snapshotMs = 0;
  let snapshots = 0;
  const store = new SnapshotStore({
    produce: () => {
      const t = performance.now();
      const s = engine.snapshot(Date.now());
      snapshotMs = Math.max(snapshotMs, performance.now() - t);
      snapshots++;
      if (newestWt > 0) screenLag.push(Date.now() - newestWt);
      return s;
    },
  });
  store.start();

  const logH = followLog(
    log,
    (source, lineNo, text) => {
      lineIntakeOf(engine).ingestLine(source, lineNo, text);
      ingested++;
      // Every line carrying a write time is a lag sample (cheap: one lastIndexOf).
      const at = text.lastIndexOf('wt=');
      if (at > 0) {
        const wt = Number(text.slice(at + 3, text.indexOf(' ', at)));
        if (wt > newestWt) newestWt = wt;
        if ((ingested & 15) === 0) ingestLag.push(Date.now() - wt);
      }
      store.invalidate();
    },
    { fromStart: true },
  );
  let badEvents = 0;
  const evH = followLog(
    events,
    (_s, _n, text) => {
      try {
        engine.ingestEvent(JSON.parse(text));
      } catch {
        badEvents++;
      }
      store.invalidate();
    },
    { fromStart: true },
  );
  await Promise.all([logH.ready, evH.ready]);

  let announced = 0;
  let maxTickMs = 0;
  const ticker = setInterval(() => {
    const t = performance.now();
    engine.tick(Date.now());
    announced += engine.takeAnnouncements().length;
    maxTickMs = Math.max(maxTickMs, performance.now() - t);
  }, 100);

  const rss: Array<{ t: number; rssMB: number; heapMB: number }> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rss.push({ t: Math.round((Date.now() - t0) / 1000), rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 });
  }, 1000);

  if (!json) process.stdout.write(`live: writing ${o.rate} lines/s and ${o.eventsRate} events/s for ${o.durationS} s into ${dir}; following with followLog …\n`);
  const writer = spawn(process.execPath, [join(here, 'liveWriter.js'), log, events, String(o.rate), String(o.durationS), String(o.eventsRate)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let writerOut = '';
  writer.stdout.on('data', (d: Buffer) => (writerOut += d.toString()));
  await new Promise<void>((r) => writer.on('close', () => r()));
  const written = JSON.parse(writerOut.trim() || '{}') as { lines?: number; events?: number; bytes?: number };
  // Let the follower drain what was written last (bounded wait).
  const drainStart = Date.now();
  while (ingested < (written.lines ?? 0) && Date.now() - drainStart < 10_000) await new Promise((r) => setTimeout(r, 20));
  const drainMs = Date.now() - drainStart;
  await new Promise((r) => setTimeout(r, 250));

  clearInterval(ticker);
  clearInterval(sampler);
  store.stop();
  await Promise.all([logH.close(), evH.close()]);
  rmSync(dir, { recursive: true, force: true });

  const il = [...ingestLag].sort((a, b) => a - b);
  const sl = [...screenLag].sort((a, b) => a - b);
  const steady = rss.filter((s) => s.t >= 3);
  const start = steady[0] ?? rss[0];
  const end = rss[rss.length - 1];
  const counts = engine.counts();
  const report = {
    config: o,
    written: { lines: written.lines ?? 0, events: written.events ?? 0, bytes: written.bytes ?? 0 },
    ingested: { lines: ingested, events: counts.dockerEvents + counts.ignoredEvents, invalidEvents: badEvents + counts.invalidEvents, drainAfterWriterMs: drainMs },
    ingestLagMs: { p50: pct(il, 50), p99: pct(il, 99), max: il[il.length - 1] ?? NaN, samples: il.length },
    screenLagMs: { p50: pct(sl, 50), p99: pct(sl, 99), max: sl[sl.length - 1] ?? NaN, samples: sl.length },
    snapshots: { count: snapshots, maxMs: snapshotMs },
    tick: { maxMs: maxTickMs },
    incidentsAnnounced: announced,
    counters: counts,
    incidents: engine.incidents().length,
    memory: {
      rssStartMB: start?.rssMB ?? NaN,
      rssEndMB: end?.rssMB ?? NaN,
      rssMaxMB: Math.max(...rss.map((s) => s.rssMB)),
      heapStartMB: start?.heapMB ?? NaN,
      heapEndMB: end?.heapMB ?? NaN,
      samples: rss.map((s) => Math.round(s.rssMB)),
    },
    targets: {
      lagUnder1s: (sl[sl.length - 1] ?? Infinity) < 1000,
      memoryFlat: (end?.rssMB ?? Infinity) - (start?.rssMB ?? 0) < 25,
    },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
  process.stdout.write(
    [
      `written: ${report.written.lines.toLocaleString('en-US')} lines (${(report.written.bytes / 1e6).toFixed(1)} MB), ${report.written.events} events; ingested ${ingested.toLocaleString('en-US')} lines, ${report.ingested.events} events (${report.ingested.invalidEvents} invalid)`,
      `ingest lag (written -> engine):  p50 ${f(report.ingestLagMs.p50)} ms  p99 ${f(report.ingestLagMs.p99)} ms  max ${f(report.ingestLagMs.max)} ms  (${il.length} samples)`,
      `screen lag (written -> snapshot): p50 ${f(report.screenLagMs.p50)} ms  p99 ${f(report.screenLagMs.p99)} ms  max ${f(report.screenLagMs.max)} ms  (${snapshots} snapshots, slowest ${report.snapshots.maxMs.toFixed(1)} ms; slowest tick ${maxTickMs.toFixed(1)} ms)`,
      `engine: ${counts.upstreamErrors.toLocaleString('en-US')} upstream errors, ${counts.otherLines.toLocaleString('en-US')} other lines, ${counts.dockerEvents} container events kept; incidents ${report.incidents} closed, ${announced} announced live`,
      `RSS: start ${f(report.memory.rssStartMB)} MB (t=3 s), end ${f(report.memory.rssEndMB)} MB, max ${f(report.memory.rssMaxMB)} MB; heap ${f(report.memory.heapStartMB)} -> ${f(report.memory.heapEndMB)} MB`,
      `RSS per second (MB): ${report.memory.samples.join(' ')}`,
      `target: screen lag < 1 s: ${report.targets.lagUnder1s ? 'met' : 'NOT met'}; memory flat (end - start < 25 MB): ${report.targets.memoryFlat ? 'met' : 'NOT met'}`,
      '',
    ].join('\n'),
  );
}
