/**
 * How many times a container restarted, counted from its lifecycle events. Docker's inspect
 * `RestartCount` counts only restart-policy restarts (a `docker restart` leaves it at 0), so the
 * events are the truth for the screen's `rst` column:
 *  - `docker restart` emits kill → die → stop → start → restart: one restart;
 *  - a restart policy emits die → start with no `restart` event: one restart too.
 * A `start` after a `die` counts once; a `restart` event right after such a start is the same
 * restart, not a second one; a `restart` with no counted start before it counts on its own.
 */
import type { ContainerEvent } from '../model/container.js';

interface RestartCounter {
  restarts: number;
  /** A die was seen and no start since. */
  died: boolean;
  /** The last start already counted a restart (a following `restart` event is the same one). */
  startCounted: boolean;
}

const newRestartCounter = (): RestartCounter => ({ restarts: 0, died: false, startCounted: false });

/** Feeds one event of this container (in time order) to its counter. */
function countRestart(c: RestartCounter, action: ContainerEvent['action']): void {
  if (action === 'die') {
    c.died = true;
    c.startCounted = false;
  } else if (action === 'start') {
    c.startCounted = c.died;
    if (c.died) c.restarts++;
    c.died = false;
  } else if (action === 'restart') {
    if (!c.startCounted) c.restarts++;
    c.startCounted = false;
  }
}

/** Restarts per container name over events in time order. */
export function restartsByContainer(events: readonly ContainerEvent[]): Map<string, number> {
  const counters = new Map<string, RestartCounter>();
  for (const e of events) {
    let c = counters.get(e.name);
    if (!c) counters.set(e.name, (c = newRestartCounter()));
    countRestart(c, e.action);
  }
  return new Map([...counters].map(([name, c]) => [name, c.restarts]));
}
