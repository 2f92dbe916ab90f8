/**
 * A workload's lifecycle as episodes: stop requested → exit → start → ready, read from its Docker
 * events (any incarnation) in time order. Each exit is classified on its own — deliberate, SIGKILL
 * at the stop timeout, OOM, crash, clean — so a `docker rm -f` (deliberate) followed by a crash
 * loop stays a crash loop. Pure: events in, episodes out. The sequences are DOMAIN.md's:
 *   docker restart = kill(15) → [kill(9)] → die → stop → start → restart
 *   policy restart = die → start;  docker stop = kill(15) → [kill(9)] → die → stop
 *   OOM = oom → die(137);  rm -f = kill(9) → die → destroy
 *   recreate = … destroy of the old id, create → start of a new id
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Episode, ExitKind, StartCause, StopCause } from '../model/workload.js';

function signalIs(signal: string | null, num: number, name: string): boolean {
  return signal === String(num) || signal === name || signal === name.replace('SIG', '');
}

/** Working state of an episode while the events are read (dropped from the result). */
interface Building extends Episode {
  oomSeen: boolean;
  termAt: number | null;
  killAt: number | null;
}

function open(containerId: string | null): Building {
  return {
    containerId,
    stopRequestedAt: null,
    signals: [],
    stopCause: 'unknown',
    exitAt: null,
    exitCode: null,
    exitKind: null,
    sigtermIgnoredMs: null,
    startedContainerId: null,
    startAt: null,
    startCause: null,
    readyAt: null,
    readySource: null,
    oomSeen: false,
    termAt: null,
    killAt: null,
  };
}

export interface EpisodeOptions {
  /** The snapshot of the workload's containers: State.OOMKilled describes a container's last exit. */
  containers?: readonly ContainerInfo[];
}

/** One exit's kind, from what came before it in the same episode (and the snapshot's OOMKilled). */
function classifyExit(b: Pick<Building, 'oomSeen' | 'termAt' | 'killAt' | 'signals' | 'exitCode'>, snapshotOom: boolean): ExitKind {
  if (b.oomSeen || (snapshotOom && b.exitCode === 137)) return 'oom';
  if (b.termAt !== null && b.killAt !== null && b.killAt >= b.termAt && b.exitCode === 137) return 'stop-timeout-kill';
  if (b.signals.length > 0) return 'deliberate';
  return b.exitCode !== null && b.exitCode !== 0 ? 'crash' : 'clean';
}

/**
 * Episodes of one workload, oldest first. `events`: the workload's events (all its container ids).
 * An episode may be partial: a fresh start (no stop before it), or an exit with no start after it.
 */
export function buildEpisodes(events: readonly ContainerEvent[], opts: EpisodeOptions = {}): Episode[] {
  const ev = [...events].sort((a, b) => a.time - b.time);
  const out: Building[] = [];
  let cur: Building | null = null;
  // The last die of each container: only it can be described by the snapshot's OOMKilled.
  const lastDie = new Map<string, ContainerEvent>();
  for (const e of ev) if (e.action === 'die') lastDie.set(e.containerId, e);
  const snapshotOom = (id: string): boolean => opts.containers?.some((c) => c.id === id && c.oomKilled) ?? false;
  const created = new Set<string>();
  const destroyed = new Set<string>();

  const begin = (containerId: string | null): Building => {
    cur = open(containerId);
    out.push(cur);
    return cur;
  };

  for (let i = 0; i < ev.length; i++) {
    const e = ev[i]!;
    const c = cur as Building | null;
    switch (e.action) {
      case 'kill':
      case 'oom': {
        // A new stop unless this episode is still before its exit (kill 15 → kill 9 is one stop).
        const ep = c && c.exitAt === null && c.startAt === null ? c : begin(e.containerId);
        ep.containerId ??= e.containerId;
        ep.stopRequestedAt ??= e.time;
        if (e.action === 'oom') ep.oomSeen = true;
        else {
          ep.signals.push(e.signal ?? '?');
          if (signalIs(e.signal, 15, 'SIGTERM') && ep.termAt === null) ep.termAt = e.time;
          if (signalIs(e.signal, 9, 'SIGKILL')) ep.killAt = e.time;
        }
        break;
      }
      case 'die': {
        const ep = c && c.exitAt === null && c.startAt === null ? c : begin(e.containerId);
        ep.containerId ??= e.containerId;
        ep.exitAt = e.time;
        ep.exitCode = e.exitCode;
        ep.exitKind = classifyExit(ep, lastDie.get(e.containerId) === e && snapshotOom(e.containerId));
        if (ep.exitKind === 'stop-timeout-kill') ep.sigtermIgnoredMs = ep.killAt! - ep.termAt!;
        break;
      }
      case 'create':
        created.add(e.containerId);
        break;
      case 'destroy':
        destroyed.add(e.containerId);
        break;
      case 'start': {
        const ep = c && c.startAt === null && (c.exitAt !== null || c.stopRequestedAt !== null) ? c : begin(null);
        ep.startAt = e.time;
        ep.startedContainerId = e.containerId;
        ep.startCause = startCause(ep, e, ev.slice(i + 1), created, destroyed);
        break;
      }
      case 'health_status':
        if (c && c.startAt !== null && c.readyAt === null && e.health === 'healthy' && e.containerId === c.startedContainerId) {
          c.readyAt = e.time;
          c.readySource = 'health';
        }
        break;
      default:
        break;
    }
  }
  for (const ep of out) ep.stopCause = stopCause(ep, ev);
  return out.map(({ oomSeen: _o, termAt: _t, killAt: _k, ...episode }) => episode);
}

function startCause(ep: Building, start: ContainerEvent, after: readonly ContainerEvent[], created: Set<string>, destroyed: Set<string>): StartCause {
  if (ep.containerId !== null && ep.containerId !== start.containerId) return 'recreate';
  if (ep.exitAt === null && ep.stopRequestedAt === null) {
    // A fresh start: a recreate when another incarnation of the workload was destroyed before it.
    return created.has(start.containerId) && destroyed.size > 0 && !destroyed.has(start.containerId) ? 'recreate' : 'fresh';
  }
  // `restart` follows the start of a docker restart (same container, before its next stop).
  const next = after.find((e) => e.containerId === start.containerId && e.action !== 'health_status');
  if (next?.action === 'restart') return 'docker-restart';
  // Nobody asked it to stop (it crashed or was OOM-killed) and no `restart` event: the restart policy brought it back.
  return ep.signals.length === 0 || ep.oomSeen ? 'restart-policy' : 'start';
}

/** Who stopped the process: the events right after its exit name the command. */
function stopCause(ep: Building, ev: readonly ContainerEvent[]): StopCause {
  if (ep.exitAt === null && ep.stopRequestedAt === null) return 'none';
  if (ep.oomSeen || ep.exitKind === 'oom') return 'oom';
  if (ep.signals.length === 0) return 'none';
  const id = ep.containerId;
  const from = ep.exitAt ?? ep.stopRequestedAt!;
  // The container's own events after the exit, up to its next stop request.
  const after: ContainerEvent[] = [];
  for (const e of ev) {
    if (e.containerId !== id || e.time < from) continue;
    if (e.action === 'kill' && e.time > from) break;
    after.push(e);
  }
  if (after.some((e) => e.action === 'restart')) return 'docker-restart';
  if (after.some((e) => e.action === 'destroy')) return 'docker-rm';
  if (after.some((e) => e.action === 'stop')) return 'docker-stop';
  return 'unknown';
}
