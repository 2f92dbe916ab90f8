/**
 * Memory stays bounded whatever the names in the log: one million resolver failures, each for a
 * client-chosen host name of its own (a Host header an attacker controls), through the built CLI
 * as a user runs it. Every per-name table is bounded and says how many names it folded away.
 * Peak RSS is the child's own (process.resourceUsage at exit, as bench/rssProbe.ts measures it);
 * /proc is polled as well so that an unbounded build is stopped as soon as it crosses the bound.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, killGroup, REPO } from '../support/cli.js';

const NAMES = 1_000_000;
const BOUND_MB = 200;
const dir = mkdtempSync(path.join(tmpdir(), 'rd-membound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 1 M lines, 10,000 a second, each naming a host of its own, from 5,000 clients; written for real. */
async function writeLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  const base = Date.UTC(2024, 0, 15, 3, 0, 0); // 10,000 names a second: no burst goes quiet for the gap before the table is full
  const pad = (n: number) => String(n).padStart(2, '0');
  let chunk = '';
  for (let i = 0; i < NAMES; i++) {
    const d = new Date(base + i / 10);
    const stamp = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const name = `h${i.toString(36)}.attacker.example`;
    chunk += `${stamp} [error] 7#7: *${i + 1} ${name} could not be resolved (3: Host not found), client: 10.0.${(i >> 8) % 20}.${i & 255}, server: ${name}, request: "GET / HTTP/1.1", host: "${name}"\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise((r) => out.once('finish', r));
}

interface Run {
  code: number | null;
  stdout: string;
  peakKB: number;
  killedOverBound: boolean;
}

/** The peak RSS of `pid` or of any child of it (bin/restartdoctor.js runs the CLI in a child Node). */
function vmHwmKB(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // exited meanwhile
  }
  return Math.max(ownVmHwmKB(pid), ...children.map(ownVmHwmKB));
}

function ownVmHwmKB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

function runMeasured(args: string[]): Promise<Run> {
  const probeOut = path.join(dir, 'rss.json');
  const probe = path.join(dir, 'probe.mjs');
  // Loaded by every Node process of the run (the launcher and the CLI it starts): the largest peak stays.
  writeFileSync(
    probe,
    `import { readFileSync, writeFileSync } from 'node:fs';\n` +
      `process.on('exit', () => { let prev = 0; try { prev = Number(readFileSync(process.env.RSS_OUT, 'utf8')); } catch {} writeFileSync(process.env.RSS_OUT, String(Math.max(prev, process.resourceUsage().maxRSS))); });\n`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, [...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', RSS_OUT: probeOut, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // killGroup: the bin and the CLI's process
    });
    let stdout = '';
    let polledKB = 0;
    let killedOverBound = false;
    child.stdout.on('data', (d) => (stdout += d));
    const poll = setInterval(() => {
      polledKB = Math.max(polledKB, vmHwmKB(child.pid!));
      if (polledKB > BOUND_MB * 1024 * 2) {
        killedOverBound = true; // far beyond the bound: no need to wait for gigabytes
        killGroup(child.pid);
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      let exactKB = 0;
      try {
        exactKB = Number(readFileSync(probeOut, 'utf8'));
      } catch {
        // killed: only the polled figure exists
      }
      resolve({ code, stdout, peakKB: Math.max(exactKB, polledKB), killedOverBound });
    });
  });
}

describe('memory bounded per distinct name', () => {
  it(`1 M distinct upstream names: peak RSS under ${BOUND_MB} MB, and the folded names are reported`, async () => {
    const log = path.join(dir, 'names.log');
    await writeLog(log);
    const r = await runMeasured(['--log', log, '--tz', 'UTC', '--json']);
    expect(r.killedOverBound, `peak RSS ${Math.round(r.peakKB / 1024)} MB`).toBe(false);
    expect(Math.round(r.peakKB / 1024)).toBeLessThan(BOUND_MB);
    expect(r.code).toBe(0); // every name failed once: isolated errors, no incident
    const report = JSON.parse(r.stdout);
    expect(report.counters.upstreamErrors).toBe(NAMES);
    expect(report.counters.foldedKeys.upstreams).toBeGreaterThan(NAMES - 20_000);
    expect(report.notes.join('\n')).toMatch(/distinct upstream names beyond the [\d,]+ tracked were folded/);
  }, 120_000);
});
