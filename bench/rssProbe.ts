/**
 * Preloaded into a measured child (`node --import …/rssProbe.js`): on exit, writes the child's
 * own peak RSS and CPU time to $BENCH_PROBE_FILE (merged with what an earlier process of the same
 * run wrote there). Exact, unlike polling /proc from outside.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const own = { maxRssKB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 };
    // bin/restartdoctor.js runs the CLI in a child Node that loads this too and exits first: the
    // run's figures are the larger peak and the CPU of both.
    let prev = { maxRssKB: 0, cpuMs: 0 };
    try {
      prev = JSON.parse(readFileSync(out, 'utf8')) as typeof prev;
    } catch {
      // the first (or only) process of the run
    }
    writeFileSync(out, JSON.stringify({ maxRssKB: Math.max(prev.maxRssKB, own.maxRssKB), cpuMs: prev.cpuMs + own.cpuMs }));
  });
}
