/**
 * Which container owns a failing upstream. The join is deterministic and explained: each rule
 * names the evidence (a published port, a container IP, a name) and how strong it is. Only when
 * no address links anything does the time-only rule apply, and it says so with low strength.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { ContainerMatch } from '../model/incident.js';
import type { UpstreamAddress } from '../model/logRecord.js';
import { replicaSlot, workloadKey } from './workload.js';

const LOOPBACK_OR_ANY = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '[::1]', '::1', '[::]', '::']);

/** Actions that mean a container's process changed state (health changes alone do not). */
const LIFECYCLE_CHANGE = new Set(['kill', 'die', 'stop', 'start', 'restart', 'oom']);

/**
 * Ports a host-network container serves, read from what it declares: ExposedPorts, its command
 * line (`-p 3000`, `--port=3000`, `:3000`) and its healthcheck URL. A hint, so strength < 1.
 */
function declaredPorts(c: ContainerInfo): Set<number> {
  const ports = new Set<number>();
  for (const p of c.ports) ports.add(p.containerPort);
  const words = [...c.cmd, ...(c.healthcheck?.test ?? [])].join(' ');
  for (const m of words.matchAll(/(?:^|\s)(?:-p|--port|-l|--listen)[\s=](?:[\w.[\]:]*:)?(\d{2,5})\b/g)) ports.add(Number(m[1]));
  for (const m of words.matchAll(/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\]|[\w-]+):(\d{2,5})\b/g)) ports.add(Number(m[1]));
  for (const m of words.matchAll(/\bPORT=(\d{2,5})\b/g)) ports.add(Number(m[1]));
  return ports;
}

function fromInfo(c: ContainerInfo, method: ContainerMatch['method'], strength: number, explanation: string): ContainerMatch {
  return { name: c.name, containerIds: [c.id], service: c.service, project: c.project, method, strength, explanation };
}

/** The directory of a unix-socket upstream (`unix:/run/app/app.sock` → `/run/app`). */
function socketDir(host: string): string | null {
  if (!host.startsWith('unix:')) return null;
  const file = host.slice(5);
  const slash = file.lastIndexOf('/');
  return slash > 0 ? file.slice(0, slash) : null;
}

const within = (dir: string, root: string) => dir === root || dir.startsWith(root.endsWith('/') ? root : `${root}/`);

/**
 * A unix-socket upstream belongs to the container that mounts the socket's directory. nginx on the
 * host dials the bind's host side (its source); nginx in a container dials its own mount, whose
 * host side another container mounts too: that other container is the owner. Exactly one
 * candidate, else no match (never a guess).
 */
function matchBySocketMount(upstream: UpstreamAddress, containers: readonly ContainerInfo[]): ContainerMatch | null {
  const dir = socketDir(upstream.host);
  if (dir === null) return null;
  const mountOf = (c: ContainerInfo, side: 'source' | 'destination', path: string) => (c.mounts ?? []).find((m) => within(path, m[side]));
  const found = (c: ContainerInfo, hostDir: string) => {
    const m = mountOf(c, 'source', hostDir)!;
    return fromInfo(c, 'socket-mount', 0.9, `upstream ${upstream.host}: container ${c.name} mounts its directory (${m.source} → ${m.destination})`);
  };
  const bySource = containers.filter((c) => mountOf(c, 'source', dir));
  if (bySource.length === 1) return found(bySource[0]!, dir);
  // nginx in a container: its mount's host side, and who else mounts it.
  const dialers = containers.filter((c) => mountOf(c, 'destination', dir));
  if (dialers.length === 0) return null;
  const hostDirs = new Set(dialers.map((c) => {
    const m = mountOf(c, 'destination', dir)!;
    return m.source + dir.slice(m.destination.length);
  }));
  if (hostDirs.size !== 1) return null;
  const hostDir = [...hostDirs][0]!;
  const others = containers.filter((c) => !dialers.includes(c) && mountOf(c, 'source', hostDir));
  if (others.length === 1) return found(others[0]!, hostDir);
  return others.length === 0 && dialers.length === 1 ? found(dialers[0]!, hostDir) : null;
}

export function matchBySnapshot(upstream: UpstreamAddress, containers: ContainerInfo[]): ContainerMatch | null {
  const socket = matchBySocketMount(upstream, containers);
  if (socket) return socket;
  const { host, port } = upstream;
  const addr = port === null ? host : `${host}:${port}`;
  // nginx writes IPv6 peers in brackets (`[2001:db8::5]:3000`); inspect lists the bare address.
  const ip = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  for (const c of containers) {
    if (c.ips.includes(ip)) {
      return fromInfo(c, 'container-ip', 1, `upstream ${addr} is the IP of container ${c.name}${c.service ? ` (compose service ${c.service})` : ''}`);
    }
  }
  if (port !== null && LOOPBACK_OR_ANY.has(host)) {
    for (const c of containers) {
      const binding = c.ports.find((p) => p.hostPort === port);
      if (binding) {
        return fromInfo(c, 'published-port', 1, `upstream ${addr} is port ${port} published by container ${c.name} (${binding.hostIp || '0.0.0.0'}:${port}->${binding.containerPort}/${binding.protocol})`);
      }
    }
    for (const c of containers) {
      if (c.networkMode === 'host' && declaredPorts(c).has(port)) {
        return fromInfo(c, 'host-network-port', 0.9, `upstream ${addr}: container ${c.name} runs on the host network and declares port ${port}`);
      }
    }
  }
  const named = containers.filter((c) => c.name === host || c.service === host || c.aliases.includes(host));
  if (named.length === 1) return fromInfo(named[0]!, 'name', 0.9, `upstream host "${host}" is the name/alias of container ${named[0]!.name}`);
  if (named.length > 1) {
    // A scaled compose service (or an upstream group named after it): every replica owns the name.
    const names = named.map((c) => c.name).sort();
    return {
      name: host,
      containerIds: named.map((c) => c.id),
      service: named[0]!.service,
      project: named[0]!.project,
      method: 'name',
      strength: 0.85,
      explanation: `upstream "${host}" names ${named.length} containers of one service: ${names.join(', ')}`,
    };
  }
  return null;
}

/** Without a snapshot: the upstream host names a container or compose service seen in events. */
export function matchByEventNames(upstream: UpstreamAddress, events: ContainerEvent[]): ContainerMatch | null {
  const hit = events.find((e) => e.name === upstream.host || e.service === upstream.host);
  if (!hit) return null;
  return {
    name: hit.name,
    containerIds: [...new Set(events.filter((e) => e.name === hit.name).map((e) => e.containerId))],
    service: hit.service,
    project: hit.project,
    method: 'name',
    strength: 0.85,
    explanation: `upstream host "${upstream.host}" is the ${hit.service === upstream.host ? 'compose service' : 'name'} of container ${hit.name} in the Docker events`,
  };
}

/**
 * Last resort: exactly one container changed state around the burst. Two or more make the join
 * ambiguous, and no match is better than a wrong one.
 */
export function matchByTime(windowEvents: ContainerEvent[], claimed: ReadonlySet<string>): ContainerMatch | null {
  const names = new Set(windowEvents.filter((e) => LIFECYCLE_CHANGE.has(e.action) && !claimed.has(e.name)).map((e) => e.name));
  if (names.size !== 1) return null;
  const name = [...names][0]!;
  const first = windowEvents.find((e) => e.name === name)!;
  return {
    name,
    containerIds: [...new Set(windowEvents.filter((e) => e.name === name).map((e) => e.containerId))],
    service: first.service,
    project: first.project,
    method: 'time-only',
    strength: 0.55,
    explanation: `no address links the upstream to a container; ${name} is the only container that changed state around the burst (time only)`,
  };
}

/**
 * Events that belong to the matched workload: same name (compose keeps it across recreation), id,
 * or workload key (a recreate's old container renamed `<id>_name`, a swarm task's new id and name).
 */
export function eventsOf(match: ContainerMatch, events: ContainerEvent[]): ContainerEvent[] {
  const ids = new Set(match.containerIds);
  const own = (e: ContainerEvent) => e.name === match.name || ids.has(e.containerId);
  // Other incarnations of the same replica only: a peer replica's restart is not this one's.
  const key = workloadKey(match);
  const slots = new Set(events.filter(own).map(replicaSlot));
  return events.filter((e) => own(e) || (workloadKey(e) === key && slots.has(replicaSlot(e))));
}
