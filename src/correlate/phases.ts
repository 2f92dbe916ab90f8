/**
 * Phase attribution: each error of a burst placed in its workload's lifecycle — running but
 * stopping (stop requested → exit), down (exit → start), starting (start → ready), after ready,
 * or outside any episode. Pure: the burst's error timeline and the workload's episodes in.
 *
 * nginx stamps whole seconds, so an error logged at second S happened somewhere in [S, S+1):
 * each time bucket is placed by its midpoint, the best single guess.
 */
import { PHASES, type Episode, type Phase, type PhaseCounts } from '../model/workload.js';
import type { ErrorTimelineData } from './errorTimeline.js';

export function emptyPhaseCounts(): PhaseCounts {
  return { stopping: 0, down: 0, starting: 0, afterReady: 0, outside: 0 };
}

function beginOf(ep: Episode): number {
  return ep.stopRequestedAt ?? ep.exitAt ?? ep.startAt ?? Infinity;
}

/** The phase time `t` falls in, given episodes sorted by their begin. */
function phaseAt(t: number, episodes: readonly Episode[]): Phase {
  let ep: Episode | null = null;
  for (const e of episodes) {
    if (beginOf(e) <= t) ep = e;
    else break;
  }
  if (!ep) return 'outside';
  if (ep.exitAt === null && ep.startAt === null) return 'stopping';
  if (ep.exitAt !== null && t < ep.exitAt) return 'stopping';
  if (ep.startAt === null || t < ep.startAt) return 'down';
  if (ep.readyAt !== null && t > ep.readyAt) return 'afterReady';
  return 'starting';
}

export interface ReadyHints {
  /** The burst's last error (epoch ms): the app was ready by then at the latest, if nothing else says when. */
  lastErrorAt: number;
  /** start → listening as the checklist's probe measured it, for the last episode (ms). */
  probeTimeToListenMs?: number | null;
}

/**
 * Fills each started episode's `readyAt` where the events did not (health_status): the probe's
 * measure, else the last error before the next episode began. Returns new episodes.
 */
export function withReadiness(episodes: readonly Episode[], hints: ReadyHints): Episode[] {
  const sorted = [...episodes].sort((a, b) => beginOf(a) - beginOf(b));
  return sorted.map((ep, i) => {
    if (ep.startAt === null || ep.readyAt !== null) return ep;
    const nextBegin = i + 1 < sorted.length ? beginOf(sorted[i + 1]!) : Infinity;
    if (i === sorted.length - 1 && hints.probeTimeToListenMs != null) return { ...ep, readyAt: ep.startAt + hints.probeTimeToListenMs, readySource: 'probe' as const };
    if (hints.lastErrorAt >= ep.startAt && hints.lastErrorAt < nextBegin) return { ...ep, readyAt: hints.lastErrorAt, readySource: 'last-error' as const };
    return ep;
  });
}

/**
 * The last of `sorted` episodes begun by `t`. A function, not a closure in the bucket loop: a
 * closure over the loop's `mid` would make every bucket allocate its scope.
 */
function lastBegunBy(t: number, sorted: readonly Episode[]): Episode | undefined {
  for (let i = sorted.length - 1; i >= 0; i--) if (beginOf(sorted[i]!) <= t) return sorted[i];
  return undefined;
}

/**
 * Errors per phase. A bucket whose midpoint falls after a `last-error` readiness still counts as
 * starting: that readiness is the last error itself, known only to the second.
 */
export function attributePhases(timeline: ErrorTimelineData, episodes: readonly Episode[]): PhaseCounts {
  const counts = emptyPhaseCounts();
  const sorted = [...episodes].sort((a, b) => beginOf(a) - beginOf(b));
  const { starts, bucketMs } = timeline;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const mid = start + bucketMs / 2;
    let phase = phaseAt(mid, sorted);
    if (phase === 'afterReady') {
      const ep = lastBegunBy(mid, sorted);
      if (ep?.readySource === 'last-error' && start <= ep.readyAt!) phase = 'starting';
    }
    counts[phase] += timeline.counts[i]!;
  }
  return counts;
}

/** The phase holding the most errors (ties: the earlier phase in PHASES order); null when there are none. */
export function dominantPhase(counts: PhaseCounts): Phase | null {
  let best: Phase | null = null;
  for (const p of PHASES) if (counts[p] > 0 && (best === null || counts[p] > counts[best])) best = p;
  return best;
}
