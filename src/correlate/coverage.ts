/**
 * Event coverage: do the Docker events the engine holds reach back to the start of a burst, and
 * when they do not, what `docker inspect` can still tell about the container's lifecycle. Pure:
 * the burst, the container's events, its inspect snapshot and the time events begin from in; the
 * facts, the coverage and one sentence for the report out.
 *
 * Why: the daemon keeps only its most recent events (moby keeps 256), so on a busy host a restart
 * ten minutes old is gone from `docker events --since`. Without this, "no start event" read as "it
 * did not start again" — false. Inspect keeps the last start and exit of every container
 * (State.StartedAt, FinishedAt, ExitCode, OOMKilled, RestartCount, Health.Log); those become
 * lifecycle events marked `source: inspect`, and what neither shows is never stated.
 */
import type { ContainerEvent, ContainerInfo, LifecycleAction } from '../model/container.js';
import type { Burst, BurstFacts, EventCoverage } from '../model/incident.js';
import { computeFacts, type CorrelationWindow } from './facts.js';

/** The attribute that marks an event recovered from `docker inspect` (and the field it came from). */
export const INSPECT_SOURCE = 'inspect';

export interface LifecycleInput {
  burst: Burst;
  /** The matched container's events in the correlation window. */
  own: ContainerEvent[];
  info: ContainerInfo | null;
  matched: boolean;
  recovered: boolean;
  /** Earliest time from which every Docker event is known to be held (null: no events at all). */
  eventsFrom: number | null;
  /**
   * Events read but rejected for a time that is not a Docker time (parse/dockerEventLine.ts
   * dockerEventTimeMs): they cannot be placed, so any of them may be this burst's.
   */
  unplacedEvents?: number;
  window: CorrelationWindow;
  /** Formats a time for the sentence (the report's zone). */
  clock: (ms: number) => string;
  /** The checklist's measured start → ready, when a probe ran (facts.timeToReady prefers it). */
  probeReadyMs?: number | null;
}

export interface Lifecycle {
  facts: BurstFacts;
  coverage: EventCoverage;
  /** One sentence for the report's reasons, or null when the events tell the whole story. */
  note: string | null;
}

function parseTime(s: string | null): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

function inspectEvent(info: ContainerInfo, time: number, action: LifecycleAction, field: string, over: Partial<ContainerEvent> = {}): ContainerEvent {
  return {
    time,
    action,
    health: null,
    containerId: info.id,
    name: info.name,
    image: null,
    exitCode: null,
    signal: null,
    service: info.service,
    project: info.project,
    attributes: { source: INSPECT_SOURCE, field },
    ...over,
  };
}

/**
 * The lifecycle `docker inspect` still shows, as events between `from` and `to`: the last exit
 * (FinishedAt; its ExitCode and OOMKilled only while the container is still down, since Docker
 * resets both when it starts again), the last start (StartedAt) and the first passing health probe
 * after it (Health.Log keeps the last five).
 */
function inspectLifecycle(info: ContainerInfo, from: number, to: number): ContainerEvent[] {
  const out: ContainerEvent[] = [];
  const started = parseTime(info.startedAt);
  const finished = parseTime(info.finishedAt);
  const inRange = (t: number | null): t is number => t !== null && t >= from && t <= to;
  if (inRange(finished)) {
    // Still down after that exit: its code and OOM flag are the exit's own.
    const exitedSinceStart = started === null || finished >= started;
    const exitCode = exitedSinceStart && !info.running ? info.exitCode : null;
    if (exitedSinceStart && !info.running && info.oomKilled) out.push(inspectEvent(info, finished, 'oom', 'State.OOMKilled'));
    out.push(inspectEvent(info, finished, 'die', 'State.FinishedAt', { exitCode }));
  }
  if (inRange(started)) {
    out.push(inspectEvent(info, started, 'start', 'State.StartedAt'));
    const healthy = (info.health?.log ?? []).map((e) => ({ end: parseTime(e.end), ok: e.exitCode === 0 })).find((e) => e.ok && e.end !== null && e.end >= started);
    if (healthy && inRange(healthy.end)) out.push(inspectEvent(info, healthy.end, 'health_status', 'State.Health.Log', { health: 'healthy' }));
  }
  return out.sort((a, b) => a.time - b.time);
}

function inspectSummary(info: ContainerInfo, clock: (ms: number) => string): string {
  const at = (s: string | null) => {
    const t = parseTime(s);
    return t === null ? 'none' : clock(t);
  };
  const parts = [`State.StartedAt ${at(info.startedAt)}`, `FinishedAt ${at(info.finishedAt)}`];
  if (!info.running) parts.push(`ExitCode ${info.exitCode ?? '?'}`, `OOMKilled ${info.oomKilled}`);
  parts.push(`RestartCount ${info.restartCount}`);
  return parts.join(', ');
}

export function lifecycleFacts(o: LifecycleInput): Lifecycle {
  const { burst, own, info, matched, recovered, eventsFrom, window, clock } = o;
  const probeReadyMs = o.probeReadyMs ?? null;
  const unplaced = o.unplacedEvents ?? 0;
  const unplacedWhat = `${unplaced === 1 ? '1 Docker event' : `${unplaced} Docker events`} could not be placed in time (not a Docker time)`;
  const unplacedNote = unplaced > 0 ? `${unplacedWhat}: ${unplaced === 1 ? 'it' : 'any of them'} may concern this burst` : null;
  // nginx stamps whole seconds: a first error at :40 happened somewhere in :40.000–:40.999.
  const covers = eventsFrom !== null && eventsFrom < burst.first + 1000;
  const plain = (source: EventCoverage['source'], note: string | null, events = own): Lifecycle => ({
    facts: computeFacts(burst, events, info, matched, recovered, probeReadyMs),
    coverage: { eventsFrom, eventsCoverBurst: covers, source, unknown: [] },
    note,
  });
  // Nothing to recover without a container: the log alone speaks (errors to its end, or not).
  if (!matched) return plain(own.length > 0 ? 'events' : 'none', unplacedNote);
  const name = info?.name ?? own[0]?.name ?? 'the container';
  if (covers) {
    if (own.length > 0) return plain('events', unplacedNote);
    // The events reach back far enough and none is this container's: nothing happened to it.
    const none = `no Docker event around this burst concerns ${name} (events from ${clock(eventsFrom)})${info ? `; its state is from docker inspect (${inspectSummary(info, clock)})` : ''}`;
    return plain(info ? 'inspect' : 'events', unplacedNote ? `${none}; but ${unplacedNote}` : none);
  }

  // Events begin after the burst began (or there are none): inspect fills in what came before.
  const from = burst.first - window.beforeMs;
  const to = burst.last + window.afterMs;
  const recoveredEvents = info ? inspectLifecycle(info, from, eventsFrom ?? to).filter((e) => eventsFrom === null || e.time < eventsFrom) : [];
  const events = [...recoveredEvents, ...own].sort((a, b) => a.time - b.time);
  const facts = computeFacts(burst, events, info, matched, recovered, probeReadyMs);
  const unknown: string[] = [];
  const start = recoveredEvents.find((e) => e.action === 'start');
  const die = recoveredEvents.find((e) => e.action === 'die');
  const sawKill = own.some((e) => e.action === 'kill');
  if (die && !sawKill && start && start.time >= die.time) {
    // A stop and a start that Docker's restart policy did not make (it counts its own restarts,
    // and a manual start resets the count): someone restarted it — `docker restart`, compose.
    facts.deliberate = info!.restartCount === 0;
  } else if (!sawKill && !own.some((e) => e.action === 'die')) {
    unknown.push('deliberate');
  }
  // "Did not start again" holds only when inspect's last start is older than the burst.
  const lastStart = info ? parseTime(info.startedAt) : null;
  const knownNoStart = info !== null && (lastStart === null || lastStart < burst.first);
  if (!facts.startAfterFailure && !knownNoStart) unknown.push('startAfterFailure');
  if (!info && facts.finalState === 'unknown') unknown.push('finalState');
  // A start with no stop before it is a fresh start only if the stop could have been seen.
  if (!info && facts.freshStart) unknown.push('freshStart');

  const began =
    eventsFrom !== null
      ? `Docker events begin at ${clock(eventsFrom)}, after this burst began (${clock(burst.first)})${unplacedNote ? `, and ${unplacedNote}` : ''}`
      : unplacedNote
        ? `no usable Docker events for this burst (${clock(burst.first)}; ${unplacedWhat})`
        : `no Docker events were read for this burst (${clock(burst.first)})`;
  let note: string;
  if (!info) note = `${began}: nothing shows what happened to ${name} before them (pass --containers, or keep events: see "Recording")`;
  else if (recoveredEvents.length === 0) note = `${began}, and docker inspect shows no start or exit of ${name} around it (${inspectSummary(info, clock)})`;
  else {
    const what = start ? (die ? 'the restart' : 'the start') : 'the exit';
    const why = start && die && facts.deliberate ? `; RestartCount ${info.restartCount}: restarted on request, not by its restart policy` : '';
    note = `${began}: ${what} is known only from docker inspect (${inspectSummary(info, clock)})${why}`;
  }
  return { facts, coverage: { eventsFrom, eventsCoverBurst: false, source: info ? 'inspect' : 'none', unknown }, note };
}
