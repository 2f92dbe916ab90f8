/**
 * Preloaded into a measured child (`node --import …/rssProbe.js`): on exit, writes the child's
 * own peak RSS and CPU time to $BENCH_PROBE_FILE. Exact, unlike polling /proc from outside.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
}
