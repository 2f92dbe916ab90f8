/**
 * The root-cause checklist: the three commands an engineer types at 3 a.m. (curl the health URL,
 * ss inside the container, docker inspect), run without subprocesses and turned into verdicts.
 * It probes only the target it is given; the engine decides beforehand with `isProbeAllowed`.
 */
import { countOf } from '../util/plural.js';
import net from 'node:net';
import os from 'node:os';
import type Dockerode from 'dockerode';
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { CheckResult, ChecklistResult } from '../model/incident.js';
import { concludeChecklist } from './conclusion.js';
import { daemonOomEvent, dockerChecks, healthcheckUrl, inspectContainer, oomEventOfRun, parseDockerTime, type DockerFailureKind } from './dockerState.js';
import { errorMeaning, formatHostPort, healthUrl, probeHttp, type HttpProbeResult } from './httpProbe.js';
import { checkListening, describeListen, tcpConnect, type ListenCheckResult } from './listeners.js';
import { isLoopback } from './probeSafety.js';
import { measureTimeToReady, realClock, realProbes, type Clock, type ReadinessProbes, type TimeToReadyResult } from './timeToReady.js';

const DEFAULT_HEALTH_PATH = '/health';

export interface ChecklistTarget {
  host: string;
  port: number;
  container?: string | null;
  healthPath?: string | null;
}

export interface ChecklistDeps {
  /** Engine API client; null/absent = Docker checks report unknown. */
  docker?: Dockerode | null;
  /** How the Docker endpoint is named in messages (`/var/run/docker.sock`). */
  dockerEndpoint?: string;
  /** Why there is no Docker client, when the caller already knows. */
  dockerUnavailable?: string | null;
  procRoot?: string;
  clock?: Clock;
  /** Poll up to this long for the port and health URL before judging (`--wait-ready`); 0/null = no wait. */
  waitReadyMs?: number | null;
  stepMs?: number;
  /** Start of the measured window when no container start time is known (epoch ms). */
  startMs?: number | null;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** Replaces the real readiness probes (unit tests of the flow). */
  readinessProbes?: ReadinessProbes;
  /** The Docker events the caller holds: an `oom` for the container's run makes its exit an OOM kill whatever inspect's OOMKilled says. */
  events?: readonly ContainerEvent[];
}

/** Health path: explicit → the path the container's own healthcheck fetches → /health. */
export function resolveHealthPath(explicit: string | null | undefined, info: ContainerInfo | null): string {
  if (explicit) return explicit.startsWith('/') ? explicit : `/${explicit}`;
  const fromHealthcheck = healthcheckUrl(info?.healthcheck ?? null);
  return fromHealthcheck?.path || DEFAULT_HEALTH_PATH;
}

/** The container port behind a host port (published mapping), or the same port (host network). */
export function containerPortFor(info: ContainerInfo, hostPort: number): number {
  return info.ports.find((p) => p.hostPort === hostPort && p.protocol === 'tcp')?.containerPort ?? hostPort;
}

/** Addresses whose listeners live in this machine's (our) network namespace, so /proc/net shows them. */
function isLocalAddress(host: string): boolean {
  if (isLoopback(host) || host === '0.0.0.0' || host === '::') return true;
  if (!net.isIP(host)) return false;
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === host));
}

function timed<T>(clock: Clock, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = clock.now();
  return fn().then((value) => ({ value, ms: Math.round(clock.now() - t0) }));
}

function httpCheck(r: HttpProbeResult): CheckResult {
  const answer =
    r.status !== null
      ? `${r.status} in ${r.latencyMs} ms${r.bodySnippet.trim() ? ` (${JSON.stringify(r.bodySnippet.trim().slice(0, 60))})` : ''}`
      : `${r.code}${r.errno ? ` (errno ${r.errno})` : ''} after ${r.latencyMs} ms`;
  return {
    id: 'http-health',
    title: 'health URL answers',
    status: r.ok ? 'pass' : 'fail',
    evidence: `GET ${r.url} → ${answer}`,
    meaning: r.meaning,
    durationMs: r.latencyMs,
  };
}

function hostPortCheck(host: string, port: number, r: ListenCheckResult, ms: number): CheckResult {
  const base = { id: 'port-host', title: `port ${port} bound (host)`, evidence: describeListen(r), durationMs: ms };
  if (r.listening === null) {
    return { ...base, status: 'unknown', meaning: 'neither /proc nor a TCP connect could tell whether the port is bound' };
  }
  if (r.listening) {
    return { ...base, status: 'pass', meaning: `something accepts connections on ${formatHostPort(host, port)}` };
  }
  return {
    ...base,
    status: 'fail',
    meaning: `nothing listens on ${formatHostPort(host, port)}: connections are refused (111) until the app binds it`,
  };
}

async function containerPortCheck(info: ContainerInfo | null, reason: string, port: number, procRoot: string | undefined, host: string, clock: Clock): Promise<{ check: CheckResult; listening: boolean | null }> {
  const title = 'port bound inside the container';
  if (!info) {
    return { check: { id: 'port-container', title, status: 'unknown', evidence: reason, meaning: 'the container could not be inspected, so its sockets were not read', durationMs: 0 }, listening: null };
  }
  const inner = containerPortFor(info, port);
  if (!info.running || info.pid === null) {
    return {
      check: { id: 'port-container', title, status: 'fail', evidence: `${info.name}: State.Pid 0 (${info.status})`, meaning: 'the container is not running, so nothing can listen inside it', durationMs: 0 },
      listening: false,
    };
  }
  const { value: r, ms } = await timed(clock, () => checkListening({ host, port: inner, procRoot, pid: info.pid, anyAddress: true }));
  const where = info.networkMode === 'host' ? ' (host network: same namespace as the host)' : '';
  const base = { id: 'port-container', title, evidence: `${describeListen(r)}${where}`, durationMs: ms };
  if (r.listening === null) return { check: { ...base, status: 'unknown', meaning: 'the container namespace could not be read and a TCP connect could not decide' }, listening: null };
  if (r.listening) return { check: { ...base, status: 'pass', meaning: `the app inside ${info.name} listens on port ${inner}` }, listening: true };
  return {
    check: { ...base, status: 'fail', meaning: `nothing inside ${info.name} listens on port ${inner}: the app has not bound it yet, or listens elsewhere` },
    listening: false,
  };
}

function timeToReadyCheck(r: TimeToReadyResult, waitMs: number, startLabel: string, stepMs: number): CheckResult {
  const part = (label: string, ms: number | null): string => `${label} ${ms === null ? 'never' : `${ms} ms`}`;
  const evidence = `${part('start→listening', r.timeToListenMs)}, ${part('start→healthy', r.timeToHealthyMs)} (start = ${startLabel}; ${countOf(r.polls, 'poll')} every ${stepMs} ms)`;
  if (r.timedOut) {
    return {
      id: 'time-to-ready',
      title: 'time to ready',
      status: 'fail',
      evidence: `${evidence}; last answer ${r.lastHealthDetail ?? 'none'}`,
      meaning: `the app did not become healthy within ${Math.round(waitMs / 1000)} s of waiting`,
      durationMs: 0,
    };
  }
  const meaning = r.sawNotListening
    ? 'how long requests are refused after a start: size start_period and proxy_next_upstream_timeout above it'
    : 'the app was already listening when polling began, so these times are upper bounds';
  return { id: 'time-to-ready', title: 'time to ready', status: 'pass', evidence, meaning, durationMs: 0 };
}

/** Whether the upstream port is bound, looked at where it is visible from here. */
async function hostListen(host: string, port: number, deps: ChecklistDeps): Promise<ListenCheckResult> {
  if (isLocalAddress(host)) return checkListening({ host, port, procRoot: deps.procRoot, connectTimeoutMs: deps.connectTimeoutMs });
  // Another machine or a container IP on a bridge: our /proc cannot see its sockets.
  const c = await tcpConnect(host, port, deps.connectTimeoutMs);
  const note = `not a local address, so /proc cannot show it${c.code ? `; ${c.code}: ${errorMeaning(c.code)}` : ''}`;
  return { listening: c.open, method: 'connect', source: formatHostPort(host, port), rows: [], owners: [], note };
}

/**
 * Readiness probes for --wait-ready. With a container, the listening test reads the container's own
 * namespace, re-inspecting each poll because a restart changes State.Pid, and because a published
 * host port is held by docker-proxy long before the app binds its port.
 */
function readinessProbes(target: ChecklistTarget, healthPath: string, containerName: string | null, deps: ChecklistDeps): ReadinessProbes {
  const timeouts = { connectTimeoutMs: deps.connectTimeoutMs, totalTimeoutMs: deps.totalTimeoutMs };
  const base = realProbes({ host: target.host, port: target.port, healthPath, procRoot: deps.procRoot }, timeouts);
  return {
    healthy: base.healthy,
    async listening() {
      if (containerName && deps.docker) {
        const r = await inspectContainer(deps.docker, containerName);
        if (r.ok) {
          if (!r.info.running || r.info.pid === null) return false;
          const port = containerPortFor(r.info, target.port);
          const l = await checkListening({ host: target.host, port, procRoot: deps.procRoot, pid: r.info.pid, anyAddress: true });
          return l.listening === true;
        }
      }
      return (await hostListen(target.host, target.port, deps)).listening === true;
    },
  };
}

interface DockerLookup {
  info: ContainerInfo | null;
  failure: DockerFailureKind | null;
  reason: string;
  ms: number;
}

async function lookUpContainer(name: string | null, deps: ChecklistDeps): Promise<DockerLookup> {
  if (!name) return { info: null, failure: null, reason: 'no container named (--container)', ms: 0 };
  if (!deps.docker) {
    return { info: null, failure: 'error', reason: deps.dockerUnavailable ?? 'no Docker connection', ms: 0 };
  }
  const r = await inspectContainer(deps.docker, name, undefined, deps.dockerEndpoint);
  if (r.ok) return { info: r.info, failure: null, reason: '', ms: r.durationMs };
  return { info: null, failure: r.kind, reason: r.kind === 'no-such-container' ? `no such container: ${name}` : r.reason, ms: r.durationMs };
}

function dockerUnknownChecks(lookup: DockerLookup): CheckResult[] {
  if (lookup.failure === 'no-such-container') {
    return [{ id: 'docker-state', title: 'container state', status: 'fail', evidence: lookup.reason, meaning: 'Docker has no container by that name: it was removed, or recreated under another name', durationMs: lookup.ms }];
  }
  return [{ id: 'docker-state', title: 'container state', status: 'unknown', evidence: lookup.reason, meaning: 'Docker could not be asked, so the container state, health and exit were not checked', durationMs: lookup.ms }];
}

export async function runChecklist(target: ChecklistTarget, deps: ChecklistDeps = {}): Promise<ChecklistResult> {
  const clock = deps.clock ?? realClock;
  const ranAt = clock.now();
  const timeouts = { connectTimeoutMs: deps.connectTimeoutMs, totalTimeoutMs: deps.totalTimeoutMs };
  const containerName = target.container ?? null;

  let lookup = await lookUpContainer(containerName, deps);
  const healthPath = resolveHealthPath(target.healthPath, lookup.info);

  // Optional wait: watch the app come up, then judge the state it settled in.
  let ready: TimeToReadyResult | null = null;
  let readyCheck: CheckResult | null = null;
  const waitMs = deps.waitReadyMs ?? 0;
  const exited = lookup.info !== null && !lookup.info.running && !lookup.info.restarting;
  if (waitMs > 0 && !exited) {
    const startedAt = parseDockerTime(lookup.info?.startedAt ?? null);
    const startMs = deps.startMs ?? startedAt ?? ranAt;
    const startLabel = deps.startMs != null ? 'given start' : startedAt !== null ? `State.StartedAt ${lookup.info?.startedAt}` : 'check start';
    const probes = deps.readinessProbes ?? readinessProbes(target, healthPath, containerName, deps);
    const stepMs = deps.stepMs ?? 200;
    ready = await measureTimeToReady({ startMs, probes, maxWaitMs: waitMs, stepMs, clock });
    readyCheck = timeToReadyCheck(ready, waitMs, startLabel, stepMs);
    if (containerName) lookup = await lookUpContainer(containerName, deps);
  }

  const info = lookup.info;
  // OOMKilled=false is not the last word on an exit: the daemon's `oom` event for this run decides too
  // (the caller's events first, else the daemon's history).
  const oomEvent = info ? (oomEventOfRun(info, deps.events ?? []) ?? (deps.docker ? await daemonOomEvent(deps.docker, info) : null)) : null;
  const url = healthUrl(target.host, target.port, healthPath);
  const [http, host, inner] = await Promise.all([
    probeHttp(url, timeouts),
    timed(clock, () => hostListen(target.host, target.port, deps)),
    containerName ? containerPortCheck(info, lookup.reason, target.port, deps.procRoot, target.host, clock) : Promise.resolve(null),
  ]);

  // Display order: what nginx sees, then the sockets, then readiness, then Docker's view.
  const checks: CheckResult[] = [httpCheck(http), hostPortCheck(target.host, target.port, host.value, host.ms)];
  if (inner) checks.push(inner.check);
  if (readyCheck) checks.push(readyCheck);
  if (containerName) checks.push(...(info ? dockerChecks(info, clock.now(), lookup.ms, oomEvent) : dockerUnknownChecks(lookup)));

  const conclusion = concludeChecklist({
    info,
    dockerFailure: lookup.failure,
    http,
    hostListening: host.value.listening,
    containerListening: inner?.listening ?? null,
    ready,
    nowMs: clock.now(),
    oomEvent,
  });
  // Times measured from a start we did not see are only upper bounds: keep them out of the fix's numbers.
  // Healthy-time is exact when it was seen unhealthy first, even if the port was already bound.
  const sawListenStart = ready?.sawNotListening === true;
  const sawHealthyStart = ready !== null && ready.healthyAt !== null && (sawListenStart || ready.polls > 1);
  return {
    target: { host: target.host, port: target.port, container: containerName },
    ranAt,
    checks,
    conclusion,
    timeToListenMs: sawListenStart ? (ready?.timeToListenMs ?? null) : null,
    timeToHealthyMs: sawHealthyStart ? (ready?.timeToHealthyMs ?? null) : null,
  };
}
