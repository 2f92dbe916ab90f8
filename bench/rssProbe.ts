/**
 * Preloaded into a measured child (`node --import …/rssProbe.js`): on exit, writes the child's
 * own peak RSS and CPU time to $BENCH_PROBE_FILE (merged with what an earlier process of the same
 * run wrote there). Exact, unlike polling /proc from outside.
 * Also the main thread's own CPU time (Linux): on a shared machine, what the run would take on idle
 * cores is about the busier of the main thread and the reader thread (the rest of the CPU time).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

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
// A worker thread loads this preload too (NODE_OPTIONS), and its `exit` would add the whole
// process's CPU so far a second time: only the main thread writes.
if (out && isMainThread) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const own = { maxRssKB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, mainCpuMs: mainThreadCpuMs() };
    // bin/restartdoctor.js runs the CLI in a child Node that loads this too and exits first: the
    // run's figures are the larger peak, the CPU of both, and the busier main thread (the CLI's).
    let prev: { maxRssKB: number; cpuMs: number; mainCpuMs: number | null } = { maxRssKB: 0, cpuMs: 0, mainCpuMs: null };
    try {
      prev = JSON.parse(readFileSync(out, 'utf8')) as typeof prev;
    } catch {
      // the first (or only) process of the run
    }
    const mainCpuMs = own.mainCpuMs === null ? prev.mainCpuMs : Math.max(prev.mainCpuMs ?? 0, own.mainCpuMs);
    writeFileSync(out, JSON.stringify({ maxRssKB: Math.max(prev.maxRssKB, own.maxRssKB), cpuMs: prev.cpuMs + own.cpuMs, mainCpuMs }));
  });
}
