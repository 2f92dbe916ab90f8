/**
 * Pattern-independent facts about one burst and its container's lifecycle, measured once and read
 * by every pattern. Pure: the burst, the container's events in the window and its snapshot in,
 * BurstFacts out.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, BurstFacts } from '../model/incident.js';
import type { UpstreamErrorKind } from '../model/logRecord.js';

export interface CorrelationWindow {
  /** Events this long before the burst's first error still explain it (a stop before traffic fails). */
  beforeMs: number;
  /** …and this long after its last error (the start that ended it, a late health change). */
  afterMs: number;
}

export const DEFAULT_WINDOW: CorrelationWindow = { beforeMs: 60_000, afterMs: 30_000 };

/** How long before the first error a start (with no stop before it) still counts as its cause. */
const FRESH_START_LOOKBACK_MS = 30_000;

function isSignal(signal: string | null, num: number, name: string): boolean {
  return signal === String(num) || signal === name || signal === name.replace('SIG', '');
}

/**
 * `recovered`: the log went on for longer than the burst gap after the burst's last error, with no
 * more errors on this upstream, so requests to it were served again.
 */
export function computeFacts(burst: Burst, events: ContainerEvent[], info: ContainerInfo | null, matched: boolean, recovered = false): BurstFacts {
  const ev = [...events].sort((a, b) => a.time - b.time);
  const kindShare: BurstFacts['kindShare'] = {};
  let dominantKind: UpstreamErrorKind | null = null;
  let best = 0;
  for (const [k, n] of Object.entries(burst.kinds) as [UpstreamErrorKind, number][]) {
    kindShare[k] = n / burst.count;
    if (n > best) {
      best = n;
      dominantKind = k;
    }
  }

  const dies = ev.filter((e) => e.action === 'die');
  const starts = ev.filter((e) => e.action === 'start');
  const firstDie = dies[0] ?? null;

  // Deliberate: someone sent a kill/stop before the first die (docker stop/restart, compose up).
  // A die with nothing before it is the process exiting on its own (crash, OOM, restart policy).
  let deliberate = false;
  let stopTimeoutKill = false;
  if (firstDie) {
    const before = ev.filter((e) => e.time <= firstDie.time && e.containerId === firstDie.containerId && e.action === 'kill');
    deliberate = before.length > 0;
    const term = before.find((e) => isSignal(e.signal, 15, 'SIGTERM'));
    const kill9 = before.find((e) => isSignal(e.signal, 9, 'SIGKILL'));
    stopTimeoutKill = term !== undefined && kill9 !== undefined && kill9.time >= term.time && firstDie.exitCode === 137;
  }
  const oomEvent = ev.some((e) => e.action === 'oom');
  // The snapshot's OOMKilled describes the last exit; trust it only when a die(137) is in the window.
  const oom = oomEvent || (info?.oomKilled === true && dies.some((d) => d.exitCode === 137));

  const lastStartBeforeEnd = [...starts].reverse().find((s) => s.time <= burst.last) ?? null;
  const startToLastError = lastStartBeforeEnd ? burst.last - lastStartBeforeEnd.time : null;
  let startToHealthy: number | null = null;
  if (lastStartBeforeEnd) {
    const healthy = ev.find((e) => e.action === 'health_status' && e.health === 'healthy' && e.time >= lastStartBeforeEnd.time);
    if (healthy) startToHealthy = healthy.time - lastStartBeforeEnd.time;
  } else if (starts[0]) {
    const s = starts[0];
    const healthy = ev.find((e) => e.action === 'health_status' && e.health === 'healthy' && e.time >= s.time);
    if (healthy) startToHealthy = healthy.time - s.time;
  }

  const firstStart = starts[0] ?? null;
  const stoppedBeforeFirstStart = firstStart !== null && ev.some((e) => e.time < firstStart.time && (e.action === 'die' || e.action === 'stop' || e.action === 'kill'));
  const freshStart = firstStart !== null && !stoppedBeforeFirstStart;

  // Final state: the last process-state event decides; without events, the snapshot does.
  let finalState: BurstFacts['finalState'] = 'unknown';
  const lastState = [...ev].reverse().find((e) => ['start', 'restart', 'die', 'stop', 'destroy', 'kill', 'oom'].includes(e.action));
  if (lastState) finalState = lastState.action === 'start' || lastState.action === 'restart' ? 'running' : lastState.action === 'kill' ? 'unknown' : 'exited';
  else if (info) finalState = info.running || info.restarting ? 'running' : 'exited';
  if (lastState?.action === 'kill' && info) finalState = info.running ? 'running' : 'exited';
  const firstStop = ev.find((e) => e.action === 'die' || e.action === 'stop' || e.action === 'kill');
  // Without a stop, a start shortly before the first error still explains it (a deploy whose
  // first request came some seconds after the container started).
  const failureFrom = firstStop ? firstStop.time : burst.first - FRESH_START_LOOKBACK_MS;
  const startAfterFailure = starts.some((s) => s.time >= failureFrom);
  const crashExit = !deliberate && dies.some((d) => d.exitCode !== null && d.exitCode !== 0);
  const lastHealth = [...ev].reverse().find((e) => e.action === 'health_status');
  const finalHealth = lastHealth?.health ?? info?.health?.status ?? null;

  return {
    totalErrors: burst.count,
    kindShare,
    dominantKind,
    containerMatched: matched,
    events: ev,
    starts: starts.length,
    dies: dies.length,
    restartEvents: ev.filter((e) => e.action === 'restart').length,
    deliberate,
    stopTimeoutKill,
    oom,
    exitCodes: dies.map((d) => d.exitCode).filter((c): c is number => c !== null),
    firstDieToFirstError: firstDie ? burst.first - firstDie.time : null,
    startToLastError,
    startToHealthy,
    freshStart,
    startAfterFailure,
    crashExit,
    recovered,
    finalState,
    finalHealth,
    healthcheckDefined: info ? info.healthcheck !== null : null,
    durationMs: burst.last - burst.first,
    unixSocket: burst.upstream.host.startsWith('unix:'),
  };
}
