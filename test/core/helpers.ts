/**
 * Builders for real-format inputs: nginx error-log lines exactly as ngx_http_log_error writes them,
 * Docker events in both wire shapes (`docker events --format '{{json .}}'` and API ≥ 1.52 without
 * status/id/from), `docker inspect` objects, and the lifecycle sequences DOMAIN.md says Docker emits.
 * Everything is plain data so each test reads as "this input, that verdict".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import type { Pattern } from '../../src/diagnose/patternSchema.js';
import { IncidentEngine, type EngineOptions } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import type { ContainerInfo } from '../../src/model/container.js';
import type { Incident } from '../../src/model/incident.js';
import { decodeInspectFile } from '../../src/parse/containerInspect.js';
import { CLI, REPO, runCli as runBuiltCli, type CliResult } from '../support/cli.js';

export { CLI, REPO };
const BUILT_MAIN = path.join(REPO, 'dist/src/cli/main.js');

/** 2024-01-15 03:12:40 UTC: every scenario is laid out around this instant. */
export const T0 = Date.UTC(2024, 0, 15, 3, 12, 40);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2024/01/15 03:12:40` for an epoch, in UTC (scenarios use --tz UTC unless they test zones). */
export function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export interface LineSpec {
  time?: number;
  /** Raw local stamp, overrides `time`. */
  at?: string;
  level?: string;
  pid?: number;
  conn?: number | null;
  msg: string;
  client?: string | null;
  server?: string | null;
  request?: string | null;
  subrequest?: string | null;
  upstream?: string | null;
  host?: string | null;
  referrer?: string | null;
}

/** One error-log line in nginx's field order (ngx_http_log_error_handler). */
export function nginxLine(s: LineSpec): string {
  const head = `${s.at ?? stamp(s.time ?? T0)} [${s.level ?? 'error'}] ${s.pid ?? 813}#${s.pid ?? 813}: `;
  const conn = s.conn === null ? '' : `*${s.conn ?? 1887256} `;
  let line = head + conn + s.msg;
  if (s.client !== null) line += `, client: ${s.client ?? '203.0.113.7'}`;
  if (s.client !== null && s.server !== null) line += `, server: ${s.server ?? 'shop.example.com'}`;
  if (s.request != null) line += `, request: "${s.request}"`;
  if (s.subrequest != null) line += `, subrequest: "${s.subrequest}"`;
  if (s.upstream != null) line += `, upstream: "${s.upstream}"`;
  if (s.host != null) line += `, host: "${s.host}"`;
  if (s.referrer != null) line += `, referrer: "${s.referrer}"`;
  return line;
}

export const REFUSED = 'connect() failed (111: Connection refused) while connecting to upstream';
export const TIMED_OUT = 'upstream timed out (110: Connection timed out) while reading response header from upstream';

/** A proxied request that failed with `kind` message on `upstream` (`http://HOST:PORT`). */
export function failLine(
  time: number,
  o: { msg?: string; method?: string; path?: string; upstream?: string; client?: string; level?: string } = {},
): string {
  const p = o.path ?? '/api/orders';
  return nginxLine({
    time,
    level: o.level ?? 'error',
    msg: o.msg ?? REFUSED,
    client: o.client ?? '203.0.113.7',
    request: `${o.method ?? 'GET'} ${p} HTTP/1.1`,
    upstream: `${o.upstream ?? 'http://172.18.0.5:3000'}${p}`,
    host: 'shop.example.com',
  });
}

/** `n` failures spaced `everyMs` apart from `from`. */
export function failLines(from: number, n: number, everyMs: number, o: Parameters<typeof failLine>[1] = {}): string[] {
  return Array.from({ length: n }, (_, i) => failLine(from + i * everyMs, o));
}

// ---- Docker ------------------------------------------------------------------------------------

export interface Ctr {
  id: string;
  name: string;
  image: string;
  service?: string;
  project?: string;
}

export const BACKEND: Ctr = {
  id: 'a3f1c0de5b2e4d6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f',
  name: 'shop-backend-1',
  image: 'shop/backend:1.42.0',
  service: 'backend',
  project: 'shop',
};
export const AUTH: Ctr = {
  id: 'b3fee89bd28b2ef18d4c0b016ea1cb7dfeaf97e14032206815e4c1d1f74982e5',
  name: 'shop-auth-1',
  image: 'shop/auth:3.8.1',
  service: 'auth',
  project: 'shop',
};

export type Shape = 'cli' | 'api152';

/**
 * A container event as the daemon sends it. `cli`: the `docker events --format '{{json .}}'` shape
 * with the legacy status/id/from; `api152`: the Engine API ≥ 1.52 shape without them.
 */
export function dockerEvent(
  c: Ctr,
  action: string,
  timeMs: number,
  extra: Record<string, string> = {},
  shape: Shape = 'cli',
): Record<string, unknown> {
  const attrs: Record<string, string> = { image: c.image, name: c.name, ...extra };
  if (c.service) attrs['com.docker.compose.service'] = c.service;
  if (c.project) attrs['com.docker.compose.project'] = c.project;
  const timeNano = BigInt(Math.round(timeMs)) * 1_000_000n + 123_456n;
  const ev: Record<string, unknown> = {
    Type: 'container',
    Action: action,
    Actor: { ID: c.id, Attributes: attrs },
    scope: 'local',
    time: Math.floor(timeMs / 1000),
    timeNano: Number(timeNano),
  };
  return shape === 'cli' ? { status: action, id: c.id, from: c.image, ...ev } : ev;
}

type Step = [offsetMs: number, action: string, extra?: Record<string, string>];

export function events(c: Ctr, at: number, steps: Step[], shape: Shape = 'cli'): Record<string, unknown>[] {
  return steps.map(([off, action, extra]) => dockerEvent(c, action, at + off, extra ?? {}, shape));
}

/** The sequences DOMAIN.md lists, with realistic spacing. */
export const seq = {
  /** `docker restart`: kill(15) → die → stop → start → restart (restart last). */
  dockerRestart: (c: Ctr, at: number, shape: Shape = 'cli') =>
    events(c, at, [
      [0, 'kill', { signal: '15' }],
      [180, 'die', { exitCode: '143', execDuration: '86400' }],
      [220, 'stop'],
      [600, 'start'],
      [640, 'restart'],
    ], shape),
  /** A restart by the restart policy: die → start, no restart event, no kill. */
  policyRestart: (c: Ctr, at: number, exitCode = '1', shape: Shape = 'cli') =>
    events(c, at, [
      [0, 'die', { exitCode, execDuration: '3600' }],
      [450, 'start'],
    ], shape),
  /** `docker stop`: kill(15) → die → stop. */
  dockerStop: (c: Ctr, at: number) =>
    events(c, at, [
      [0, 'kill', { signal: '15' }],
      [150, 'die', { exitCode: '143', execDuration: '7200' }],
      [190, 'stop'],
    ]),
  /** `docker stop` on an app that ignores SIGTERM: kill(15) → kill(9) → die(137) → stop. */
  dockerStopTimeout: (c: Ctr, at: number) =>
    events(c, at, [
      [0, 'kill', { signal: '15' }],
      [10_000, 'kill', { signal: '9' }],
      [10_050, 'die', { exitCode: '137', execDuration: '7200' }],
      [10_090, 'stop'],
    ]),
  /** `docker restart` on an app that ignores SIGTERM: the stop times out, then start → restart. */
  restartStopTimeout: (c: Ctr, at: number) =>
    events(c, at, [
      [0, 'kill', { signal: '15' }],
      [10_000, 'kill', { signal: '9' }],
      [10_050, 'die', { exitCode: '137', execDuration: '7200' }],
      [10_090, 'stop'],
      [10_500, 'start'],
      [10_540, 'restart'],
    ]),
  /** OOM: oom → die(137), then the restart policy starts it again. */
  oomRestart: (c: Ctr, at: number) =>
    events(c, at, [
      [0, 'oom'],
      [30, 'die', { exitCode: '137', execDuration: '900' }],
      [500, 'start'],
    ]),
  /** `docker rm -f`: kill → die → destroy. */
  rmForce: (c: Ctr, at: number) =>
    events(c, at, [
      [0, 'kill', { signal: '9' }],
      [40, 'die', { exitCode: '137', execDuration: '7200' }],
      [120, 'destroy'],
    ]),
  /** A fresh `docker compose up`: create → start (→ healthy later). */
  freshStart: (c: Ctr, at: number, healthyAfterMs: number | null = null) =>
    events(c, at, [
      [-300, 'create'],
      [0, 'start'],
      ...(healthyAfterMs === null ? [] : ([[healthyAfterMs, 'health_status: healthy']] as Step[])),
    ]),
};

/** Health-check execs: what a container with a healthcheck emits on every interval (noise). */
export function execNoise(c: Ctr, at: number): Record<string, unknown>[] {
  const cmd = '/bin/sh -c wget -q -O /dev/null http://127.0.0.1:3000/health || exit 1';
  return events(c, at, [
    [0, `exec_create: ${cmd}`, { execID: 'e1' }],
    [1, `exec_start: ${cmd}`, { execID: 'e1' }],
    [60, 'exec_die', { execID: 'e1', exitCode: '0' }],
  ]);
}

export interface InspectSpec {
  c: Ctr;
  ip?: string | null;
  ipv6?: string | null;
  /** [containerPort, hostPort, hostIp?] */
  publish?: [number, number, string?][];
  expose?: number[];
  networkMode?: string;
  cmd?: string[];
  running?: boolean;
  oomKilled?: boolean;
  exitCode?: number;
  healthcheck?: string[] | null;
  aliases?: string[];
  /** State.StartedAt / FinishedAt (RFC 3339); a restart at 03:12:41 by default. */
  startedAt?: string;
  finishedAt?: string;
  restartCount?: number;
}

/** A `docker inspect` element with the fields Docker really writes (trimmed of the unread ones). */
export function inspectObject(s: InspectSpec): Record<string, unknown> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of s.expose ?? []) ports[`${p}/tcp`] = null;
  for (const [cp, hp, hip] of s.publish ?? []) ports[`${cp}/tcp`] = [{ HostIp: hip ?? '0.0.0.0', HostPort: String(hp) }];
  const host = s.networkMode === 'host';
  const labels: Record<string, string> = {};
  if (s.c.service) labels['com.docker.compose.service'] = s.c.service;
  if (s.c.project) labels['com.docker.compose.project'] = s.c.project;
  const running = s.running ?? true;
  return {
    Id: s.c.id,
    Name: `/${s.c.name}`,
    Image: 'sha256:1a8b4829aebdcb50738ff917eb53efb66298b60018fdceecc0bc3d746b8a2eab',
    RestartCount: s.restartCount ?? 0,
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: s.oomKilled ?? false,
      Dead: false,
      Pid: running ? 4242 : 0,
      ExitCode: s.exitCode ?? 0,
      Error: '',
      StartedAt: s.startedAt ?? '2024-01-15T03:12:41.245000000Z',
      FinishedAt: s.finishedAt ?? '2024-01-15T03:12:40.818000000Z',
    },
    Config: {
      Image: s.c.image,
      Labels: labels,
      Cmd: s.cmd ?? ['node', 'server.js'],
      Entrypoint: ['docker-entrypoint.sh'],
      ExposedPorts: Object.fromEntries([...(s.expose ?? []), ...(s.publish ?? []).map((p) => p[0])].map((p) => [`${p}/tcp`, {}])),
      ...(s.healthcheck ? { Healthcheck: { Test: s.healthcheck, Interval: 5_000_000_000, Timeout: 2_000_000_000, Retries: 3 } } : {}),
    },
    HostConfig: {
      NetworkMode: s.networkMode ?? 'shop_default',
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      PortBindings: Object.fromEntries((s.publish ?? []).map(([cp, hp, hip]) => [`${cp}/tcp`, [{ HostIp: hip ?? '', HostPort: String(hp) }]])),
    },
    NetworkSettings: {
      IPAddress: '',
      GlobalIPv6Address: '',
      Ports: host ? {} : ports,
      Networks: host
        ? { host: { IPAddress: '', GlobalIPv6Address: '', Aliases: null } }
        : {
            shop_default: {
              IPAddress: s.ip ?? '',
              GlobalIPv6Address: s.ipv6 ?? '',
              Aliases: s.aliases ?? [s.c.name, s.c.service ?? s.c.name],
              DNSNames: [s.c.name, s.c.service ?? s.c.name, s.c.id.slice(0, 12)],
            },
          },
    },
  };
}

export function inspect(...specs: InspectSpec[]): ContainerInfo[] {
  return decodeInspectFile(specs.map(inspectObject), 'inspect.json');
}

// ---- engine ------------------------------------------------------------------------------------

let bundled: Pattern[] | null = null;
export function patterns(): Pattern[] {
  bundled ??= loadPatterns();
  return bundled;
}

export interface Scenario {
  lines: string[];
  events?: Record<string, unknown>[];
  containers?: ContainerInfo[];
  tz?: string;
  opts?: Partial<EngineOptions>;
}

/** The postmortem pipeline in memory: events and snapshot first, then the log, then finish(). */
export function runScenario(s: Scenario): { engine: IncidentEngine; incidents: Incident[] } {
  const engine = new IncidentEngine({ tz: s.tz ?? 'UTC', patterns: patterns(), ...s.opts });
  engine.setContainers(s.containers ?? []);
  for (const e of s.events ?? []) engine.ingestEvent(e);
  s.lines.forEach((l, i) => lineIntakeOf(engine).ingestLine('error.log', i + 1, l));
  engine.finish();
  return { engine, incidents: engine.incidents() };
}

// ---- files and the CLI -------------------------------------------------------------------------

export function tempDir(): { dir: string; file: (name: string, content: string | Buffer) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rd-core-'));
  return {
    dir,
    file: (name, content) => {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than any source file (`npm run build`). */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(BUILT_MAIN).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > 0 && built >= newestMtime(path.join(REPO, 'src'))) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits on type errors (another engineer's file mid-edit); only a missing CLI is fatal.
    try {
      statSync(BUILT_MAIN);
    } catch {
      throw err;
    }
  }
}

export type { CliResult } from '../support/cli.js';

/** The built CLI (test/support/cli.ts) with this folder's defaults: UTC, no debug stacks, 25 s. */
export function runCli(args: string[], o: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runBuiltCli(args, { ...o, env: { TZ: 'UTC', RESTARTDOCTOR_DEBUG: '', ...o.env }, timeoutMs: 25_000 });
}

/** No stack frame ever reaches a user. */
export const STACK_FRAME = /^\s{4}at /m;
