/**
 * `npm run bench -- [SIZE] [options]`: the postmortem pipeline against `grep -c` on the same file.
 *
 *   SIZE              log size: 400MB (default), 100MB, 1GB, or bytes
 *   --seed N          generator seed (default 1); same size + seed → same files, reused
 *   --mix busy|outage a busy host's log (~7 % upstream failures, default) or an outage's (~85 %)
 *   --runs N          best of N for each measurement (default 3)
 *   --out DIR         where generated files go (default bench/out, gitignored)
 *   --no-cli          skip the built-CLI run;  --no-inproc  skip the in-process analyze() run
 *   --json            one JSON object on stdout instead of the table
 *   --live            live mode instead: --rate 20000 lines/s, --duration 30 s, --events-rate 10 /s
 *
 * Postmortem: generates (or reuses) a deterministic error log + docker events, warms the page
 * cache, then times grep, `analyze()` + text report in a child process under the CLI's own V8
 * flags (src/cli/nodeFlags.ts), and the built CLI as a user runs it (`bin/restartdoctor.js
 * --log … --events … --tz UTC`, which starts Node with those flags) as a child; peak RSS is each
 * child's own (process.resourceUsage().maxRSS at exit). Live mode runs in a copy of this process
 * started with the same flags.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_FLAGS } from '../src/cli/nodeFlags.js';
import { generate, type Mix } from './gen.js';
import { runLive, type LiveOptions } from './live.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = resolve(here, '..', '..');
const MB = 1e6;

interface Args {
  size: number;
  seed: number;
  runs: number;
  out: string;
  cli: boolean;
  inproc: boolean;
  json: boolean;
  live: boolean;
  mix: Mix;
  liveOpts: LiveOptions;
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (try 100MB, 400MB, 1GB)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : unit === 'g' ? 1e9 : 1;
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    size: 400 * MB,
    seed: 1,
    runs: 3,
    out: join(root, 'bench', 'out'),
    cli: true,
    inproc: true,
    json: false,
    live: false,
    mix: 'busy',
    liveOpts: { rate: 20_000, durationS: 30, eventsRate: 10 },
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--size') a.size = parseSize(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--runs') a.runs = Math.max(1, Number(v()));
    else if (k === '--out') a.out = resolve(v());
    else if (k === '--no-cli') a.cli = false;
    else if (k === '--no-inproc') a.inproc = false;
    else if (k === '--json') a.json = true;
    else if (k === '--live') a.live = true;
    else if (k === '--mix') {
      const m = v();
      if (m !== 'busy' && m !== 'outage') throw new Error(`--mix is busy or outage, not "${m}"`);
      a.mix = m;
    }
    else if (k === '--rate') a.liveOpts.rate = Number(v());
    else if (k === '--duration') a.liveOpts.durationS = Number(v());
    else if (k === '--events-rate') a.liveOpts.eventsRate = Number(v());
    else if (!k.startsWith('-')) a.size = parseSize(k);
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

interface Measure {
  name: string;
  /** Best (lowest) wall time over the runs, seconds. */
  elapsedS: number;
  allS: number[];
  cpuS: number | null;
  peakRssMB: number | null;
  detail?: Record<string, unknown>;
}

function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

function timeGrep(log: string, runs: number): Measure {
  const all: number[] = [];
  let count = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('grep', ['-c', '111: Connection refused', log], { encoding: 'utf8' });
    all.push((performance.now() - t0) / 1000);
    if (r.error) throw r.error;
    count = r.stdout.trim();
  }
  return { name: "grep -c '111: Connection refused'", elapsedS: Math.min(...all), allS: all, cpuS: null, peakRssMB: null, detail: { matches: Number(count) } };
}

/**
 * Runs a Node child (`node FLAGS script args…`, or the CLI's bin/restartdoctor.js, which starts
 * Node with the flags); wall time from spawn to exit, RSS/CPU from the probe file it loads.
 */
function runNodeChild(how: 'node' | 'bin', args: string[], probe: string): Promise<{ wallS: number; stdout: string; code: number | null; rssKB: number; cpuMs: number; mainCpuMs: number | null }> {
  return new Promise((resolveP, reject) => {
    rmSync(probe, { force: true });
    const t0 = performance.now();
    const probeImport = `--import=${pathToFileURL(join(here, 'rssProbe.js')).href}`;
    const env = { ...process.env, BENCH_PROBE_FILE: probe, NO_COLOR: '1' };
    const child =
      how === 'node'
        ? spawn(process.execPath, [...NODE_FLAGS, probeImport, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(args[0]!, args.slice(1), { env: { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${probeImport}`.trim() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      if (!existsSync(probe)) return reject(new Error(`child wrote no probe (exit ${code}): ${Buffer.concat(err).toString().slice(0, 500)}`));
      const p = JSON.parse(readFileSync(probe, 'utf8')) as { maxRssKB: number; cpuMs: number; mainCpuMs: number | null };
      resolveP({ wallS, stdout: Buffer.concat(out).toString(), code, rssKB: p.maxRssKB, cpuMs: p.cpuMs, mainCpuMs: p.mainCpuMs });
    });
  });
}

async function timeInProcess(log: string, events: string, runs: number, probe: string): Promise<Measure> {
  const all: number[] = [];
  interface ChildResult {
    elapsedMs: number;
    cpuMs: number;
    maxRssKB: number;
    incidents: number;
    counters: Record<string, unknown>;
  }
  let best: ChildResult | null = null;
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const r = await runNodeChild('node', [join(here, 'analyzeChild.js'), log, events], probe);
    if (r.code !== 0) throw new Error(`analyzeChild exited ${r.code}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
    all.push(j.elapsedMs / 1000);
    peak = Math.max(peak, r.rssKB);
    if (!best || j.elapsedMs < best.elapsedMs) best = j;
  }
  return {
    name: 'analyze() in-process (+ text report)',
    elapsedS: Math.min(...all),
    allS: all,
    cpuS: best!.cpuMs / 1000,
    peakRssMB: peak / 1024,
    detail: { incidents: best!.incidents, counters: best!.counters },
  };
}

async function timeCli(log: string, events: string, runs: number, probe: string): Promise<Measure> {
  const bin = join(root, 'bin', 'restartdoctor.js');
  const all: number[] = [];
  let peak = 0;
  let cpu = Infinity;
  let mainCpu = Infinity;
  let code: number | null = null;
  let incidents: number | null = null;
  for (let i = 0; i < runs; i++) {
    const r = await runNodeChild('bin', [bin, '--log', log, '--events', events, '--tz', 'UTC', '--json'], probe);
    all.push(r.wallS);
    peak = Math.max(peak, r.rssKB);
    cpu = Math.min(cpu, r.cpuMs);
    if (r.mainCpuMs !== null) mainCpu = Math.min(mainCpu, r.mainCpuMs);
    code = r.code;
    try {
      const j = JSON.parse(r.stdout) as { incidents?: unknown[] };
      incidents = j.incidents?.length ?? null;
    } catch {
      incidents = null;
    }
  }
  return {
    name: 'CLI child (bin/restartdoctor.js, with start-up)',
    elapsedS: Math.min(...all),
    allS: all,
    cpuS: cpu / 1000,
    peakRssMB: peak / 1024,
    detail: { exitCode: code, incidents, mainThreadCpuS: Number.isFinite(mainCpu) ? mainCpu / 1000 : null },
  };
}

function fmt(n: number, d = 2): string {
  return n.toFixed(d);
}

async function postmortem(a: Args): Promise<void> {
  const say = (s: string) => {
    if (!a.json) process.stdout.write(`${s}\n`);
  };
  const tg = performance.now();
  const g = generate(a.out, a.size, a.seed, a.mix);
  say(
    `${g.reused ? 'reusing' : 'generated'} ${g.log}: ${fmt(g.bytes / MB, 1)} MB, ${g.lines.toLocaleString('en-US')} lines, ${g.failures.toLocaleString('en-US')} upstream failures, ${g.restartBursts} restart bursts${g.reused ? '' : ` (${fmt((performance.now() - tg) / 1000, 1)} s)`}`,
  );
  warmPageCache(g.log);
  warmPageCache(g.log);
  const probe = join(mkdtempSync(join(a.out, 'probe-')), 'probe.json');
  const results: Measure[] = [];
  const grep = timeGrep(g.log, Math.max(a.runs, 5));
  results.push(grep);
  if (a.inproc) results.push(await timeInProcess(g.log, g.events, a.runs, probe));
  if (a.cli) results.push(await timeCli(g.log, g.events, a.runs, probe));
  rmSync(dirname(probe), { recursive: true, force: true });

  // The targets (issue 14, item 5) are for 400 MB through the CLI with --json: an outage's log in
  // 1.2 s and 10x grep's time in the same run, a busy host's in 1.0 s; peak RSS 150 MB whatever the
  // size (1 GB is the one measured). Other sizes are held to the same rate, for information (fixed
  // costs weigh more on a small file).
  const scale = g.bytes / (400 * MB);
  const targetS = (a.mix === 'outage' ? 1.2 : 1.0) * scale;
  const grepTimes = a.mix === 'outage' ? 10 : null;
  const rssTargetMB = 150;
  const rows = results.map((m) => ({
    name: m.name,
    elapsedS: m.elapsedS,
    runsS: m.allS,
    cpuS: m.cpuS,
    mbPerS: g.bytes / MB / m.elapsedS,
    linesPerS: g.lines / m.elapsedS,
    peakRssMB: m.peakRssMB,
    ratioToGrep: m.elapsedS / grep.elapsedS,
    ...(m.detail ? { detail: m.detail } : {}),
  }));
  // The pipeline is analyze() + report in process; the CLI adds Node's own start-up and module
  // loading, the --json output and the fix advice, and is reported beside it.
  const pipeline = rows.find((r) => r.name.startsWith('analyze'));
  const cli = rows.find((r) => r.name.startsWith('CLI'));
  const measured = rows.filter((r) => r.name !== grep.name);
  const targets = {
    cliTimeS: targetS,
    cliTimeMet: cli ? cli.elapsedS <= targetS : null,
    cliGrepTimes: grepTimes,
    cliGrepTimesMet: cli && grepTimes !== null ? cli.ratioToGrep <= grepTimes : null,
    rssMB: rssTargetMB,
    rssMet: measured.every((r) => (r.peakRssMB ?? 0) <= rssTargetMB),
  };
  const report = {
    file: { mix: a.mix, path: g.log, bytes: g.bytes, lines: g.lines, failures: g.failures, events: g.events, seed: a.seed },
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length, loadavg: (await import('node:os')).loadavg() },
    results: rows,
    targets,
  };
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  say('');
  say(`${'measurement'.padEnd(40)} ${'time s'.padStart(7)} ${'cpu s'.padStart(6)} ${'MB/s'.padStart(7)} ${'lines/s'.padStart(11)} ${'peak RSS'.padStart(9)} ${'vs grep'.padStart(8)}`);
  for (const r of rows) {
    say(
      `${r.name.padEnd(40)} ${fmt(r.elapsedS, 3).padStart(7)} ${(r.cpuS === null ? '-' : fmt(r.cpuS)).padStart(6)} ${fmt(r.mbPerS, 0).padStart(7)} ${Math.round(r.linesPerS).toLocaleString('en-US').padStart(11)} ${(r.peakRssMB === null ? '-' : `${fmt(r.peakRssMB, 0)} MB`).padStart(9)} ${`${fmt(r.ratioToGrep, 1)}x`.padStart(8)}`,
    );
  }
  say(`  (best of ${a.runs}; all runs: ${rows.map((r) => `${r.name.split(' ')[0]} ${r.runsS.map((x) => fmt(x)).join('/')}`).join(', ')}; load average ${report.machine.loadavg.map((x) => fmt(x, 1)).join(' ')})`);
  const cliMain = (cli?.detail as { mainThreadCpuS?: number | null } | undefined)?.mainThreadCpuS;
  if (cli && typeof cliMain === 'number' && cli.cpuS !== null) {
    say(`  CLI cpu: main thread ${fmt(cliMain)} s, the rest (reader thread, GC helpers) ${fmt(cli.cpuS - cliMain)} s: on two idle cores it takes about the larger`);
  }
  const inproc = rows.find((r) => r.name.startsWith('analyze'));
  if (inproc?.detail) {
    const c = (inproc.detail as { counters: Record<string, unknown> }).counters;
    say(`  analyze(): ${(inproc.detail as { incidents: number }).incidents} incidents; counters ${JSON.stringify(c)}`);
  }
  say('');
  const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'NOT met');
  const goal = `the CLI with --json in <= ${fmt(targetS)} s${grepTimes !== null ? ` and <= ${grepTimes}x grep` : ''}`;
  const cliMet = targets.cliTimeMet === null ? null : targets.cliTimeMet && targets.cliGrepTimesMet !== false;
  const cliSeen = cli ? ` (${fmt(cli.elapsedS, 3)} s, ${fmt(cli.ratioToGrep, 1)}x grep)` : '';
  if (Math.abs(scale - 1) < 0.02) {
    say(`target, 400 MB of ${a.mix === 'outage' ? "an outage's" : "a busy host's"} log: ${goal}: ${verdict(cliMet)}${cliSeen}`);
  } else {
    // Fixed costs (thread and module start-up, the report) weigh more on a small file.
    say(`time: the target is for 400 MB (${a.mix === 'outage' ? '1.2' : '1.0'} s); at that rate ${fmt(g.bytes / MB, 0)} MB would take ${fmt(targetS)} s${cliSeen}`);
  }
  if (pipeline) say(`        analyze() + text report in process, without Node's start-up: ${fmt(pipeline.elapsedS, 3)} s`);
  say(`target: peak RSS <= ${rssTargetMB} MB: ${verdict(targets.rssMet)} (${measured.map((r) => `${r.name.split(' ')[0]} ${fmt(r.peakRssMB ?? 0, 0)} MB`).join(', ')})`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.live) {
    // Live mode is measured in this process: it must run under the CLI's V8 flags, as the CLI does.
    if (!NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
      const r = spawnSync(process.execPath, [...NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
      return;
    }
    await runLive(a.out, a.liveOpts, a.json);
    return;
  }
  await postmortem(a);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
