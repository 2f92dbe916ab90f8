/**
 * Docker's side of the checklist: one inspect through dockerode (the Engine API, no docker CLI),
 * decoded by `parse/containerInspect.ts`, and the pure checks derived from the snapshot. The
 * checks are pure so reports and tests can run them on a recorded inspect too.
 */
import { countOf } from '../util/plural.js';
import type Dockerode from 'dockerode';
import type { ContainerEvent, ContainerInfo, HealthcheckConfig } from '../model/container.js';
import type { CheckResult } from '../model/incident.js';
import { decodeContainerInspect } from '../parse/containerInspect.js';
import { decodeDockerEvent } from '../parse/dockerEvent.js';
import { classifyDockerError, type DockerFailureKind } from '../sources/dockerEndpoint.js';
import { dockerLooksInstalled } from '../sources/dockerLive.js';

export type { DockerFailureKind };

export type InspectOutcome =
  | { ok: true; info: ContainerInfo; durationMs: number }
  | { ok: false; kind: DockerFailureKind; reason: string; durationMs: number };

/** Turns a dockerode / socket error into a kind and one sentence a person can act on. */
export function describeDockerError(err: unknown, endpoint = 'the Docker socket'): { kind: DockerFailureKind; reason: string } {
  return classifyDockerError(err, endpoint, dockerLooksInstalled());
}

/** GET /containers/{nameOrId}/json → ContainerInfo, or why it could not be had. Never throws. */
export async function inspectContainer(
  docker: Dockerode,
  nameOrId: string,
  now: () => number = () => performance.now(),
  endpoint?: string,
): Promise<InspectOutcome> {
  const started = now();
  try {
    const raw: unknown = await docker.getContainer(nameOrId).inspect();
    return { ok: true, info: decodeContainerInspect(raw, `inspect ${nameOrId}`), durationMs: Math.round(now() - started) };
  } catch (err) {
    return { ok: false, ...describeDockerError(err, endpoint), durationMs: Math.round(now() - started) };
  }
}

/** Epoch ms of an RFC 3339 time with nanoseconds (Date.parse would reject more than 3 digits). */
export function parseDockerTime(value: string | null): number | null {
  if (!value) return null;
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

export type ExitCause = 'oom' | 'sigkill' | 'signal' | 'clean' | 'error' | 'none';

/**
 * The daemon's `oom` event for the run inspect describes: the same container id, between
 * State.StartedAt and a second after State.FinishedAt (the exit follows the OOM), or null.
 * OOMKilled says the same thing (an OOM in this run), but inspect has been seen saying false for a
 * container the daemon had sent `oom` for (a real OOM kill, ~1 run in 20 on a loaded machine: the
 * OOM notice and the exit reach dockerd separately); the event then decides.
 */
export function oomEventOfRun(info: ContainerInfo, events: readonly ContainerEvent[]): ContainerEvent | null {
  const from = parseDockerTime(info.startedAt);
  if (from === null) return null;
  const finished = parseDockerTime(info.finishedAt);
  const to = info.running || finished === null || finished < from ? Infinity : finished + 1000;
  return events.find((e) => e.action === 'oom' && e.containerId === info.id && e.time >= from && e.time <= to) ?? null;
}

/** What decided an OOM verdict, for the evidence: inspect's flag or the daemon's event (inspect said false). */
function oomDecidedBy(info: ContainerInfo, oomEvent: ContainerEvent | null): string {
  return info.oomKilled ? 'State.OOMKilled=true' : `the daemon's oom event at ${new Date(oomEvent!.time).toISOString()}, though State.OOMKilled=false`;
}

/**
 * Why the container's last process ended. 137 = 128 + SIGKILL: with OOMKilled, or the daemon's `oom`
 * event for this run (`oomEvent`, oomEventOfRun), it is memory; without, someone or something sent
 * SIGKILL — most often `docker stop` after the stop timeout because the app ignored SIGTERM. That is
 * a deliberate stop, not a crash, and must not be reported as OOM.
 */
export function classifyExit(info: ContainerInfo, oomEvent: ContainerEvent | null = null): { cause: ExitCause; sentence: string } {
  const exited = !info.running && info.exitCode !== null && info.startedAt !== null;
  if (info.oomKilled || (oomEvent !== null && exited)) {
    return { cause: 'oom', sentence: `killed by the kernel OOM killer: the container hit its memory limit (${oomDecidedBy(info, oomEvent)})` };
  }
  const code = info.exitCode;
  if (!exited || code === null) return { cause: 'none', sentence: 'no exit to explain' };
  if (code === 0) return { cause: 'clean', sentence: 'the process exited on its own with status 0' };
  if (code === 137) {
    return {
      cause: 'sigkill',
      sentence:
        'killed by SIGKILL, not by memory (OOMKilled=false): a docker stop/kill that hit the stop timeout because the app ignored SIGTERM',
    };
  }
  if (code === 143) return { cause: 'signal', sentence: 'stopped by SIGTERM and exited: a deliberate stop handled cleanly' };
  if (code > 128 && code < 160) return { cause: 'signal', sentence: `killed by signal ${code - 128}` };
  return { cause: 'error', sentence: `the process failed with exit status ${code}: the app crashed or refused to start` };
}

function check(id: string, title: string, status: CheckResult['status'], evidence: string, meaning: string, durationMs = 0): CheckResult {
  return { id, title, status, evidence, meaning, durationMs };
}

function ago(startedAt: string | null, nowMs: number): string {
  const t = parseDockerTime(startedAt);
  if (t === null) return '';
  const s = Math.max(0, Math.round((nowMs - t) / 1000));
  return ` (${s} s ago)`;
}

function composeText(info: ContainerInfo): string {
  if (!info.service && !info.project) return '';
  if (!info.project) return ` compose service ${info.service}`;
  return ` compose ${info.project}/${info.service ?? '?'}`;
}

/** running / restarting / exited, with pid, start time and compose labels as evidence. */
function containerStateCheck(info: ContainerInfo, nowMs: number, durationMs = 0): CheckResult {
  const base = `${info.name}: State.Status=${info.status}`;
  if (info.status === 'running') {
    return check(
      'docker-state',
      'container state',
      'pass',
      `${base} pid ${info.pid ?? '?'} StartedAt=${info.startedAt ?? '?'}${ago(info.startedAt, nowMs)}${composeText(info)}`,
      'the container is running',
      durationMs,
    );
  }
  if (info.status === 'restarting') {
    return check(
      'docker-state',
      'container state',
      'fail',
      `${base} RestartCount=${info.restartCount} ExitCode=${info.exitCode ?? '?'} policy=${info.restartPolicy ?? 'no'}${composeText(info)}`,
      'the container keeps dying and Docker keeps restarting it: a crash loop, nothing can answer in between',
      durationMs,
    );
  }
  return check(
    'docker-state',
    'container state',
    'fail',
    `${base} ExitCode=${info.exitCode ?? '?'} FinishedAt=${info.finishedAt ?? '?'}${composeText(info)}`,
    info.status === 'paused' ? 'the container is paused: connections hang until it is unpaused' : 'the container is not running, so nothing of it can answer',
    durationMs,
  );
}

/** The last `n` health log entries, one line each (exit code and first line of output). */
function lastHealthLog(info: ContainerInfo, n = 3): string[] {
  return (info.health?.log ?? []).slice(-n).map((e) => {
    const out = e.output.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return `${e.end} exit ${e.exitCode}${out ? `: ${out}` : ''}`;
  });
}

/** Whether a healthcheck exists at all: the seed's `none`. */
function healthcheckDefinedCheck(info: ContainerInfo): CheckResult {
  if (!info.healthcheck) {
    return check(
      'healthcheck-defined',
      'healthcheck defined',
      'fail',
      `${info.name}: Config.Healthcheck none (State.Health absent)`,
      'no healthcheck: Docker and compose cannot hold traffic until the app is ready',
    );
  }
  const hc = info.healthcheck;
  return check(
    'healthcheck-defined',
    'healthcheck defined',
    'pass',
    `${hc.test.join(' ')} interval ${hc.intervalMs} ms, timeout ${hc.timeoutMs} ms, retries ${hc.retries}, start_period ${hc.startPeriodMs} ms`,
    'a healthcheck exists, so compose `depends_on: service_healthy` and health-gated routing can wait for readiness',
  );
}

/** State.Health.Status and its last log entries. */
function healthStatusCheck(info: ContainerInfo): CheckResult {
  if (!info.healthcheck || !info.health) {
    return check('docker-health', 'Docker health status', 'unknown', `${info.name}: State.Health absent`, 'Docker has no health status to report without a healthcheck');
  }
  const log = lastHealthLog(info);
  const evidence = `${info.name}: State.Health.Status=${info.health.status} FailingStreak=${info.health.failingStreak}${log.length ? `; last: ${log.join(' | ')}` : ''}`;
  switch (info.health.status) {
    case 'healthy':
      return check('docker-health', 'Docker health status', 'pass', evidence, "the container's own healthcheck passes");
    case 'starting':
      return check('docker-health', 'Docker health status', 'fail', evidence, 'the healthcheck has not passed yet since the start: the app is still booting');
    default:
      return check('docker-health', 'Docker health status', 'fail', evidence, "the container's own healthcheck fails: the app runs but is not ready or is broken");
  }
}

/** Restart count and policy: a high count under a restart policy is a crash loop in the making. */
function restartsCheck(info: ContainerInfo): CheckResult {
  const policy = info.restartPolicy ?? 'no';
  const evidence = `${info.name}: RestartCount=${info.restartCount} RestartPolicy=${policy}`;
  if (info.restartCount > 0) {
    return check(
      'docker-restarts',
      'restarts',
      'fail',
      evidence,
      `Docker restarted the container ${countOf(info.restartCount, 'time')} under its restart policy: the process keeps dying`,
    );
  }
  const meaning =
    policy === 'no'
      ? 'no automatic restarts so far; with no restart policy a crash leaves it down'
      : 'no automatic restarts so far (RestartCount counts policy restarts, not docker restart)';
  return check('docker-restarts', 'restarts', 'pass', evidence, meaning);
}

/** How the last process ended: OOM vs. a stop-timeout SIGKILL vs. a crash. */
function exitCauseCheck(info: ContainerInfo, oomEvent: ContainerEvent | null): CheckResult {
  const { cause, sentence } = classifyExit(info, oomEvent);
  const event = oomEvent ? ` oom event=${new Date(oomEvent.time).toISOString()}` : '';
  const evidence = `${info.name}: ExitCode=${info.exitCode ?? '?'} OOMKilled=${info.oomKilled}${event} FinishedAt=${info.finishedAt ?? '?'}${info.stopTimeout !== null ? ` StopTimeout=${info.stopTimeout}s` : ''}`;
  if (cause === 'none') return check('docker-exit', 'last exit', 'pass', evidence, 'the container is running and no exit is recorded since its start');
  // A clean exit or a handled SIGTERM is fine. A stop-timeout SIGKILL is not a crash, but it is still a
  // finding: the app ignores SIGTERM, so every restart waits the full stop timeout and drops requests.
  const status = cause === 'clean' || cause === 'signal' ? 'pass' : 'fail';
  return check('docker-exit', 'last exit', status, evidence, sentence);
}

/** Every Docker-derived check, in display order. */
export function dockerChecks(info: ContainerInfo, nowMs: number, inspectMs = 0, oomEvent: ContainerEvent | null = null): CheckResult[] {
  return [containerStateCheck(info, nowMs, inspectMs), healthcheckDefinedCheck(info), healthStatusCheck(info), restartsCheck(info), exitCauseCheck(info, oomEvent)];
}

/** Docker Engine API time for since/until: seconds with a nanosecond fraction. */
function apiTime(epochMs: number): string {
  const sec = Math.floor(epochMs / 1000);
  return `${sec}.${String(Math.floor((epochMs - sec * 1000) * 1e6)).padStart(9, '0')}`;
}

/**
 * The daemon's `oom` event for the run of an exited container whose inspect says OOMKilled=false,
 * asked of its event history (`GET /events?since=StartedAt&until=FinishedAt+1s`, filtered to the
 * container and `oom`; the daemon keeps its last 256 events). Null when there is none, the run is
 * not over, or the daemon does not answer within `timeoutMs`. Never throws.
 */
export async function daemonOomEvent(docker: Dockerode, info: ContainerInfo, timeoutMs = 3000): Promise<ContainerEvent | null> {
  const from = parseDockerTime(info.startedAt);
  const finished = parseDockerTime(info.finishedAt);
  if (info.running || info.oomKilled || from === null || finished === null || finished < from) return null;
  try {
    const stream = (await docker.getEvents({
      since: apiTime(from) as unknown as number,
      until: apiTime(finished + 1000) as unknown as number,
      filters: { container: [info.id], event: ['oom'] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    let text = '';
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy?.();
        resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on('data', (d: Buffer | string) => {
        if (text.length < 1 << 20) text += d.toString();
      });
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    const events = text.split('\n').flatMap((line) => {
      try {
        const d = decodeDockerEvent(JSON.parse(line));
        return d.ok ? [d.event] : [];
      } catch {
        return [];
      }
    });
    return oomEventOfRun(info, events);
  } catch {
    return null;
  }
}

export interface HealthcheckTarget {
  url: string;
  host: string;
  port: number | null;
  path: string;
}

/** The URL a healthcheck command fetches (`curl -f http://…/health`, `wget -qO- …`), when it names one. */
export function healthcheckUrl(hc: HealthcheckConfig | null): HealthcheckTarget | null {
  if (!hc) return null;
  const text = hc.test.slice(1).join(' ');
  const m = /\bhttps?:\/\/[^\s'"|;&)]+/.exec(text);
  if (!m) return null;
  try {
    const u = new URL(m[0]);
    return {
      url: m[0],
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : null,
      path: `${u.pathname}${u.search}`,
    };
  } catch {
    return null;
  }
}
