/**
 * Pattern-independent facts about one burst and its container's lifecycle, measured once and read
 * by every pattern. Pure: the burst, the container's events in the window and its snapshot in,
 * BurstFacts out.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, BurstFacts } from '../model/incident.js';
import type { UpstreamErrorKind } from '../model/logRecord.js';
import { buildEpisodes } from './episodes.js';
import { replicaSlot } from './workload.js';
import { attributePhases, dominantPhase, emptyPhaseCounts, withReadiness } from './phases.js';

export interface CorrelationWindow {
  /** Events this long before the burst's first error still explain it (a stop before traffic fails). */
  beforeMs: number;
  /** …and this long after its last error (the start that ended it, a late health change). */
  afterMs: number;
}

export const DEFAULT_WINDOW: CorrelationWindow = { beforeMs: 60_000, afterMs: 30_000 };

/** How long before the first error a start (with no stop before it) still counts as its cause. */
const FRESH_START_LOOKBACK_MS = 30_000;

/** The events that change whether the process runs: the last one decides the final state. */
const PROCESS_STATE_ACTIONS: ReadonlySet<string> = new Set(['start', 'restart', 'die', 'stop', 'destroy', 'kill', 'oom']);

/**
 * `recovered`: the log went on for longer than the burst gap after the burst's last error, with no
 * more errors on this upstream, so requests to it were served again.
 */
/**
 * `probeReadyMs`: start → listening (else → healthy) as the checklist measured it for this incident,
 * when it ran: a measure beats what the events and the log imply.
 */
export function computeFacts(burst: Burst, events: ContainerEvent[], info: ContainerInfo | null, matched: boolean, recovered = false, probeReadyMs: number | null = null): BurstFacts {
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

  // Each exit is classified on its own (correlate/episodes.ts): a `docker rm -f` before a crash
  // loop is one deliberate exit among crashes, not a verdict on the whole burst.
  // One lifecycle per replica: an upstream group's peers restarting together are two episodes each
  // in its own order, not one interleaved sequence (correlate/upstreamGroups.ts).
  const bySlot = new Map<string, ContainerEvent[]>();
  for (const e of ev) {
    const slot = replicaSlot(e);
    const list = bySlot.get(slot);
    if (list) list.push(e);
    else bySlot.set(slot, [e]);
  }
  const episodes = withReadiness([...bySlot.values()].flatMap((slot) => buildEpisodes(slot, { containers: info ? [info] : [] })), { lastErrorAt: burst.last, probeTimeToListenMs: probeReadyMs });
  const exits = episodes.map((e) => e.exitKind).filter((k): k is NonNullable<typeof k> => k !== null);
  const crashes = exits.filter((k) => k === 'crash').length;
  const oomExit = exits.includes('oom');
  // Deliberate: the exits were asked for (docker stop/restart/rm, compose up) and none crashed.
  const deliberate = exits.some((k) => k === 'deliberate' || k === 'stop-timeout-kill') && crashes === 0 && !oomExit;
  const stopTimeoutKill = exits.includes('stop-timeout-kill');
  const oomEvent = ev.some((e) => e.action === 'oom');
  const oom = oomExit || oomEvent;
  const phases = burst.timeline ? attributePhases(burst.timeline, episodes) : emptyPhaseCounts();

  const lastStartBeforeEnd = starts.findLast((s) => s.time <= burst.last) ?? null;
  let startToHealthy: number | null = null;
  if (lastStartBeforeEnd) {
    const healthy = ev.find((e) => e.action === 'health_status' && e.health === 'healthy' && e.time >= lastStartBeforeEnd.time);
    if (healthy) startToHealthy = healthy.time - lastStartBeforeEnd.time;
  } else if (starts[0]) {
    const s = starts[0];
    const healthy = ev.find((e) => e.action === 'health_status' && e.health === 'healthy' && e.time >= s.time);
    if (healthy) startToHealthy = healthy.time - s.time;
  }

  // The one time to ready every part of a report says (summary, why, timeline, fix sizing).
  const startToLastError = lastStartBeforeEnd ? burst.last - lastStartBeforeEnd.time : null;
  const timeToReady: BurstFacts['timeToReady'] =
    probeReadyMs !== null ? { ms: probeReadyMs, source: 'probe' } : startToHealthy !== null ? { ms: startToHealthy, source: 'health' } : startToLastError !== null ? { ms: startToLastError, source: 'last-error' } : null;

  const firstStart = starts[0] ?? null;
  const stoppedBeforeFirstStart = firstStart !== null && ev.some((e) => e.time < firstStart.time && (e.action === 'die' || e.action === 'stop' || e.action === 'kill'));
  const freshStart = firstStart !== null && !stoppedBeforeFirstStart;

  // Final state: the last process-state event decides; without events, the snapshot does.
  let finalState: BurstFacts['finalState'] = 'unknown';
  const lastState = ev.findLast((e) => PROCESS_STATE_ACTIONS.has(e.action));
  if (lastState) finalState = lastState.action === 'start' || lastState.action === 'restart' ? 'running' : lastState.action === 'kill' ? 'unknown' : 'exited';
  else if (info) finalState = info.running || info.restarting ? 'running' : 'exited';
  if (lastState?.action === 'kill' && info) finalState = info.running ? 'running' : 'exited';
  const firstStop = ev.find((e) => e.action === 'die' || e.action === 'stop' || e.action === 'kill');
  // Without a stop, a start shortly before the first error still explains it (a deploy whose
  // first request came some seconds after the container started).
  const failureFrom = firstStop ? firstStop.time : burst.first - FRESH_START_LOOKBACK_MS;
  const startAfterFailure = starts.some((s) => s.time >= failureFrom);
  const crashExit = crashes > 0;
  const lastHealth = ev.findLast((e) => e.action === 'health_status');
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
    timeToReady,
    freshStart,
    startAfterFailure,
    crashExit,
    recovered,
    finalState,
    finalHealth,
    healthcheckDefined: info ? info.healthcheck !== null : null,
    durationMs: burst.last - burst.first,
    episodes,
    phases,
    dominantPhase: dominantPhase(phases),
    unixSocket: burst.upstream.host.startsWith('unix:'),
  };
}
