/**
 * What the containers panel shows of each container: the inspect snapshot, brought up to date by
 * the lifecycle events seen since (state, health, last exit code, restarts). Pure.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { ContainerView } from '../model/incident.js';
import { restartsByContainer } from '../correlate/restarts.js';
import { foldViewsByWorkload } from '../correlate/workload.js';

/** `events` in time order. A container only the events name still gets a view (state unknown until one says). */
export function containerViews(containers: readonly ContainerInfo[], events: readonly ContainerEvent[]): ContainerView[] {
  const byName = new Map<string, ContainerView>();
  for (const info of containers) {
    byName.set(info.name, {
      name: info.name,
      info,
      lastEvent: null,
      state: info.status,
      health: info.health?.status ?? (info.healthcheck ? 'starting' : 'none'),
      restarts: info.restartCount,
      lastExitCode: info.exitCode,
    });
  }
  for (const e of events) {
    let v = byName.get(e.name);
    if (!v) {
      v = { name: e.name, info: null, lastEvent: null, state: 'unknown', health: null, restarts: 0, lastExitCode: null };
      byName.set(e.name, v);
    }
    v.lastEvent = e;
    if (e.action === 'health_status') v.health = e.health;
    else if (e.action === 'die') {
      v.state = 'exited';
      v.lastExitCode = e.exitCode;
    } else if (e.action === 'start') {
      v.state = 'running';
    } else if (e.action === 'stop' || e.action === 'kill' || e.action === 'oom') v.state = e.action === 'stop' ? 'exited' : v.state;
    else if (e.action === 'destroy') v.state = 'removed';
    else if (e.action === 'pause') v.state = 'paused';
    else if (e.action === 'unpause') v.state = 'running';
  }
  // Restarts seen in the events (inspect's RestartCount misses `docker restart`); the larger wins.
  for (const [name, n] of restartsByContainer(events)) {
    const v = byName.get(name);
    if (v) v.restarts = Math.max(v.restarts, n);
  }
  return foldViewsByWorkload([...byName.values()], events);
}
