/**
 * Preloaded into a measured child (`node --import …/rssProbe.js`): on exit, writes the child's
 * own peak RSS and CPU time to $BENCH_PROBE_FILE. Exact, unlike polling /proc from outside.
 * Also the main thread's own CPU time (Linux): on a shared machine, what the run would take on idle
 * cores is about the busier of the main thread and the reader thread (the rest of the CPU time).
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** utime + stime of the main thread in ms, from /proc (null elsewhere). */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // fields 14 and 15, in USER_HZ (100)
  } catch {
    return null;
  }
}

const out = process.env.BENCH_PROBE_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, mainCpuMs: mainThreadCpuMs() }));
  });
}
