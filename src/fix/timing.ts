/**
 * Every timeout and probe the fixes propose is sized from one number: how long the backend took
 * from start to ready. Kept in one place so nginx, compose, Kubernetes and systemd agree.
 */

/** Used when the time to ready was not measured: long enough for most apps, and said so. */
export const DEFAULT_TIME_TO_READY_MS = 30_000;

export interface Timing {
  readyMs: number;
  measured: boolean;
  source: ReadySource;
  /** Time to ready plus a margin (half of it, at least 2 s): what every window must cover. */
  coverS: number;
  /** proxy_next_upstream_timeout: the retry window covers the restart. */
  nextUpstreamTimeoutS: number;
  /** proxy_connect_timeout: short, so a peer that swallows SYNs while restarting is left quickly. */
  connectTimeoutS: number;
  /** Compose healthcheck. */
  healthIntervalS: number;
  healthTimeoutS: number;
  healthRetries: number;
  healthStartPeriodS: number;
  /** Kubernetes startupProbe: failureThreshold × periodSeconds ≥ coverS. */
  startupPeriodS: number;
  startupFailureThreshold: number;
  /** systemd TimeoutStartSec and the ExecStartPost wait loop (1 s per try). */
  startTimeoutS: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Where the time to ready came from: reports say so, since a log only bounds it. */
export type ReadySource = 'checklist' | 'log' | 'health' | 'given';

export function timing(timeToReadyMs: number | null, source: ReadySource = 'given'): Timing {
  const measured = timeToReadyMs !== null && Number.isFinite(timeToReadyMs) && timeToReadyMs >= 0;
  const readyMs = measured ? timeToReadyMs : DEFAULT_TIME_TO_READY_MS;
  const readyS = readyMs / 1000;
  const coverS = Math.ceil(readyS + Math.max(2, readyS / 2));
  const connectTimeoutS = clamp(Math.ceil(readyS / 3), 1, 5);
  const healthIntervalS = clamp(Math.ceil(readyS / 4), 2, 10);
  const startupPeriodS = readyS <= 20 ? 2 : 5;
  return {
    readyMs,
    measured,
    source,
    coverS,
    nextUpstreamTimeoutS: coverS,
    connectTimeoutS,
    healthIntervalS,
    healthTimeoutS: clamp(Math.ceil(healthIntervalS / 2), 1, 5),
    healthRetries: 3,
    healthStartPeriodS: coverS,
    startupPeriodS,
    startupFailureThreshold: Math.ceil(coverS / startupPeriodS),
    startTimeoutS: Math.max(coverS, 10),
  };
}

export function describeReady(t: Timing): string {
  const s = (t.readyMs / 1000).toFixed(t.readyMs % 1000 === 0 ? 0 : 1);
  if (!t.measured) return `time to ready unknown, sized for ${s}s`;
  if (t.source === 'checklist') return `measured time to ready ${s}s`;
  if (t.source === 'log') return `time to ready ${s}s (start event → last upstream error in the log)`;
  if (t.source === 'health') return `time to ready ${s}s (start event → health_status healthy)`;
  return `time to ready ${s}s`;
}

export { parseDuration } from '../util/duration.js';
