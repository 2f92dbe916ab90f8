/**
 * Which workload a container belongs to, and the incarnations (container ids) a workload had.
 * Pure: names, labels and events in, keys out. The key is what the user deploys: a compose
 * `project/service`, else the container name with what an orchestrator or a recreate adds removed.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Episode, Incarnation, Workload } from '../model/workload.js';

/**
 * Name suffixes/prefixes that change with every incarnation, one rule per orchestrator (first that
 * matches wins). Each keeps the stable part in group 1.
 */
const NAME_RULES: { why: string; re: RegExp }[] = [
  // compose renames the old container before a recreate: `<12 hex>_shop-backend-1`
  { why: 'compose recreate rename', re: /^[0-9a-f]{12}_(.+)$/ },
  // dockershim: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>
  { why: 'kubernetes (dockershim) container', re: /^k8s_([^_]+)_[^_]+_[^_]+_[^_]+_\d+$/ },
  // swarm task: <service>.<slot>.<25-char task id> (or <service>.<node id>.<task id> in global mode)
  { why: 'swarm task', re: /^(.+)\.[0-9a-z]+\.[0-9a-z]{25}$/ },
  // k8s pod of a deployment: <name>-<replicaset hash>-<5 chars>
  { why: 'kubernetes pod', re: /^(.+)-[0-9a-f]{5,10}-[0-9a-z]{4,5}$/ },
];

/** The container name without the parts that change between incarnations. */
export function normaliseContainerName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  for (const rule of NAME_RULES) {
    const m = rule.re.exec(bare);
    if (m?.[1]) return normaliseContainerName(m[1]);
  }
  return bare;
}

export interface WorkloadLabels {
  name: string;
  project: string | null;
  service: string | null;
}

/** `project/service` from compose labels, else the normalised container name. */
export function workloadKey(c: WorkloadLabels): string {
  if (c.project && c.service) return `${c.project}/${c.service}`;
  if (c.service) return c.service;
  return normaliseContainerName(c.name);
}

const CONTAINER_NUMBER = 'com.docker.compose.container-number';

/**
 * Which replica of its workload a container is: compose's container number, else a swarm task's
 * slot, else its name without what a recreate or an orchestrator changes (plain `docker run`
 * replicas `api-1`, `api-2` carry no number, but names of their own; `docker rm -f` + `docker run
 * --name` keeps the name). A recreate keeps the slot; two replicas never share one.
 */
export function replicaSlot(c: { name: string; attributes?: Record<string, string>; labels?: Record<string, string> }): string {
  const n = c.attributes?.[CONTAINER_NUMBER] ?? c.labels?.[CONTAINER_NUMBER];
  if (n) return n;
  const swarm = /^.+\.(\d+)\.[0-9a-z]{25}$/.exec(c.name.replace(/^\//, ''));
  return swarm?.[1] ?? `name:${normaliseContainerName(c.name)}`;
}

/** The events of one workload (any of its incarnations), oldest first. */
function eventsOfWorkload(key: string, events: readonly ContainerEvent[]): ContainerEvent[] {
  return events.filter((e) => workloadKey(e) === key).sort((a, b) => a.time - b.time);
}

/**
 * The workload a container (snapshot and/or its events) belongs to, with every incarnation the
 * events show. `recreated`: more than one container id, or a create after a destroy.
 */
export function buildWorkload(given: WorkloadLabels, events: readonly ContainerEvent[], containers: readonly ContainerInfo[] = []): Workload {
  // A match without compose labels (by IP, by time) still has them when its container's events or
  // snapshot carry them: the workload is the compose service then, not the container name.
  const labelled = given.service ? null : ([...events, ...containers].find((c) => c.name === given.name && c.service) ?? null);
  const seed: WorkloadLabels = labelled ? { name: given.name, project: labelled.project, service: labelled.service } : given;
  const key = workloadKey(seed);
  const own = eventsOfWorkload(key, events);
  const byId = new Map<string, Incarnation>();
  for (const e of own) {
    const inc = byId.get(e.containerId);
    if (inc) {
      inc.to = e.time;
      // The old container's last name may be the rename (`<id>_name`); keep the name it served under.
      if (!/^[0-9a-f]{12}_/.test(e.name)) inc.name = e.name;
    } else byId.set(e.containerId, { containerId: e.containerId, name: e.name, from: e.time, to: e.time });
  }
  // Snapshot containers of the workload with no event in the window are incarnations too (the current one).
  for (const c of containers) {
    if (workloadKey(c) !== key || byId.has(c.id)) continue;
    if (byId.size === 0) byId.set(c.id, { containerId: c.id, name: c.name, from: NaN, to: NaN });
  }
  const incarnations = [...byId.values()].sort((a, b) => (Number.isNaN(a.from) ? 0 : a.from) - (Number.isNaN(b.from) ? 0 : b.from));
  // A recreate is a new container id in a replica slot that already had one (two replicas are not a recreate).
  const idsBySlot = new Map<string, Set<string>>();
  for (const e of own) idsBySlot.set(replicaSlot(e), (idsBySlot.get(replicaSlot(e)) ?? new Set()).add(e.containerId));
  const newIdInSlot = [...idsBySlot.values()].some((ids) => ids.size > 1);
  const destroyThenCreate = own.some((d, i) => d.action === 'destroy' && own.slice(i + 1).some((c) => c.action === 'create' && replicaSlot(c) === replicaSlot(d)));
  const newest = incarnations[incarnations.length - 1];
  return {
    key,
    project: seed.project,
    service: seed.service,
    name: newest ? newest.name.replace(/^[0-9a-f]{12}_/, '') : seed.name,
    incarnations,
    recreated: newIdInSlot || destroyThenCreate,
  };
}

/**
 * How the workload's container changed in the window: `recreated` (a new container id), `restarted`
 * (the same container stopped and started again), null (no stop and start of it).
 */
export function incarnationChange(w: Workload, episodes: readonly Episode[]): 'restarted' | 'recreated' | null {
  if (w.recreated) return 'recreated';
  return episodes.some((e) => e.startAt !== null && (e.exitAt !== null || e.stopRequestedAt !== null)) ? 'restarted' : null;
}

/**
 * The container panel's rows as workloads: each view gets its workload key, and a recreate's old
 * container (renamed `<id>_name`, or destroyed with a successor in the same workload and replica
 * slot) is folded into the row of its successor, which is marked recreated.
 */
export function foldViewsByWorkload<V extends { name: string; info: ContainerInfo | null; lastEvent: ContainerEvent | null; restarts: number; workload?: string; recreated?: boolean }>(views: readonly V[], events: readonly ContainerEvent[] = []): V[] {
  // One name, several container ids: `docker rm -f` + `docker run --name` (no rename) is a recreate too.
  const idsByName = new Map<string, Set<string>>();
  for (const e of events) idsByName.set(e.name, (idsByName.get(e.name) ?? new Set()).add(e.containerId));
  const labels = (v: V): WorkloadLabels => {
    const src = v.info ?? v.lastEvent;
    return { name: v.name, project: src?.project ?? null, service: src?.service ?? null };
  };
  const byName = new Map(views.map((v) => [v.name, v]));
  const out: V[] = [];
  for (const v of views) {
    const renamed = /^[0-9a-f]{12}_(.+)$/.exec(v.name);
    const successor = renamed ? byName.get(renamed[1]!) : undefined;
    if (successor && successor !== v) {
      successor.recreated = true;
      successor.restarts += v.restarts;
      continue;
    }
    const l = labels(v);
    v.workload = workloadKey(l);
    if ((idsByName.get(v.name)?.size ?? 0) > 1) v.recreated = true;
    out.push(v);
  }
  return out;
}

/** Events that end a container's run: a stop request, an OOM, an exit. */
const STOPPING: ReadonlySet<ContainerEvent['action']> = new Set(['kill', 'oom', 'die', 'stop']);

/**
 * A burst's container events without those an earlier incarnation left before a later container
 * of the same workload and replica slot was started and then stopped again, all before the burst's
 * first error (`firstError`, with nginx's one-second resolution). That later container ran in
 * between, so the earlier one's exit or removal is a finished story, not this burst's: a container
 * re-created under the same name (`docker rm -f`, `docker run --name`) and restarted a while later
 * is a restart, not a recreate, and the old one's die(137) is not this burst's crash exit.
 * A recreate that causes the burst is kept whole: its new container has not been stopped yet.
 */
export function withoutSupersededIncarnations(events: readonly ContainerEvent[], firstError: number): ContainerEvent[] {
  const began = firstError + 1000;
  const slotOf = (e: ContainerEvent) => `${workloadKey(e)}\u0000${replicaSlot(e)}`;
  // Per slot: the latest start of any container that one of its own stop events followed before the burst.
  const ranFrom = new Map<string, { containerId: string; at: number }>();
  const sorted = [...events].sort((a, b) => a.time - b.time);
  for (const s of sorted) {
    if (s.action !== 'start' || s.time > began) continue;
    const stopped = sorted.some((d) => d.containerId === s.containerId && STOPPING.has(d.action) && d.time > s.time && d.time <= began);
    const slot = slotOf(s);
    if (stopped && (ranFrom.get(slot)?.at ?? -Infinity) < s.time) ranFrom.set(slot, { containerId: s.containerId, at: s.time });
  }
  if (ranFrom.size === 0) return [...events];
  return events.filter((e) => {
    const later = ranFrom.get(slotOf(e));
    return !later || e.containerId === later.containerId || e.time >= later.at;
  });
}
