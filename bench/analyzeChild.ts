/**
 * The postmortem pipeline in-process, as `analyze()` runs it for the CLI (parse every line,
 * classify, bursts, correlation), plus the text report, in a child of its own so its peak RSS
 * is its own. Prints one JSON line: elapsed, CPU, peak RSS, counters.
 * Usage: node --max-semi-space-size=1 --heap-growing-percent=15 dist/bench/analyzeChild.js LOG EVENTS (bench.ts adds the flags: src/cli/nodeFlags.ts)
 */
import { analyze } from '../src/session/analyze.js';
import { loadPatterns } from '../src/diagnose/loadPatterns.js';
import { textReport } from '../src/report/textReport.js';

const [log, events] = process.argv.slice(2);
const patterns = loadPatterns();
const c0 = process.cpuUsage();
const t0 = performance.now();
const { engine, incidents } = await analyze({ logs: [log!], events: events ?? null, tz: 'UTC', patterns });
const report = textReport({
  tool: { name: 'restartdoctor', version: 'bench' },
  generatedAt: Date.now(),
  tz: 'UTC',
  inputs: { logs: [log!], events: events ?? null, containers: null },
  window: { since: null, until: null },
  counters: engine.counts(),
  incidents: engine.incidents(),
  notes: [],
});
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const u = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKB: u.maxRSS,
    incidents: incidents.length,
    reportBytes: report.length,
    counters: engine.counts(),
  })}\n`,
);
