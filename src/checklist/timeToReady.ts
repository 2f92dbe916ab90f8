/**
 * Time to ready: after a (re)start, poll until the port is bound and the health URL answers 200,
 * and record start → listening and start → healthy. Those two numbers size the fix
 * (healthcheck start_period, proxy_next_upstream_timeout), so they are measured, not guessed.
 * The clock, the sleep and both probes are injected; the defaults are the real ones.
 */
import { checkListening } from './listeners.js';
import { healthUrl, probeHttp } from './httpProbe.js';

const DEFAULT_MAX_WAIT_MS = 120_000;
const DEFAULT_STEP_MS = 200;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ReadinessProbes {
  listening(): Promise<boolean>;
  /** true on a 2xx; `detail` says what the last answer was. */
  healthy(): Promise<{ ok: boolean; detail: string }>;
}

export interface ReadinessTarget {
  host: string;
  port: number;
  healthPath: string;
  procRoot?: string;
  /** Container init pid: look for the socket in its network namespace. */
  pid?: number | null;
}

/** The real probes: /proc (or a connect) for the port, Node's http client for the health URL. */
export function realProbes(target: ReadinessTarget, timeouts: { connectTimeoutMs?: number; totalTimeoutMs?: number } = {}): ReadinessProbes {
  const url = healthUrl(target.host, target.port, target.healthPath);
  return {
    async listening() {
      const r = await checkListening({
        host: target.host,
        port: target.port,
        procRoot: target.procRoot,
        pid: target.pid ?? null,
        anyAddress: Boolean(target.pid),
        connectTimeoutMs: timeouts.connectTimeoutMs,
      });
      return r.listening === true;
    },
    async healthy() {
      const r = await probeHttp(url, timeouts);
      return { ok: r.status === 200, detail: r.status !== null ? `HTTP ${r.status}` : (r.code ?? 'no answer') };
    },
  };
}

export interface TimeToReadyOptions {
  /** Epoch ms of the start (the container's State.StartedAt, or a given time). */
  startMs: number;
  probes: ReadinessProbes;
  maxWaitMs?: number;
  stepMs?: number;
  clock?: Clock;
}

export interface TimeToReadyResult {
  startMs: number;
  /** Epoch ms of the first poll that saw the port bound / the health URL answer 200. */
  listeningAt: number | null;
  healthyAt: number | null;
  timeToListenMs: number | null;
  timeToHealthyMs: number | null;
  /** The port was not bound at the first poll: the app really was starting while we watched. */
  sawNotListening: boolean;
  timedOut: boolean;
  polls: number;
  /** The last health answer when it never became healthy. */
  lastHealthDetail: string | null;
}

/**
 * Polls until healthy or until `maxWaitMs` has passed since the call. A poll records the time at
 * which it began, so the measured times are late by at most one step plus one probe.
 */
export async function measureTimeToReady(opts: TimeToReadyOptions): Promise<TimeToReadyResult> {
  const clock = opts.clock ?? realClock;
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const stepMs = opts.stepMs ?? DEFAULT_STEP_MS;
  const deadline = clock.now() + maxWaitMs;
  let listeningAt: number | null = null;
  let healthyAt: number | null = null;
  let sawNotListening = false;
  let polls = 0;
  let lastHealthDetail: string | null = null;

  for (;;) {
    const at = clock.now();
    polls++;
    if (listeningAt === null) {
      if (await opts.probes.listening()) listeningAt = at;
      else if (polls === 1) sawNotListening = true;
    }
    if (listeningAt !== null) {
      const h = await opts.probes.healthy();
      lastHealthDetail = h.detail;
      if (h.ok) {
        healthyAt = at;
        break;
      }
    }
    if (clock.now() + stepMs > deadline) break;
    await clock.sleep(stepMs);
  }
  const since = (t: number | null): number | null => (t === null ? null : Math.max(0, Math.round(t - opts.startMs)));
  return {
    startMs: opts.startMs,
    listeningAt,
    healthyAt,
    timeToListenMs: since(listeningAt),
    timeToHealthyMs: since(healthyAt),
    sawNotListening,
    timedOut: healthyAt === null,
    polls,
    lastHealthDetail: healthyAt === null ? lastHealthDetail : null,
  };
}
