/**
 * What the nginx config adds to the join (issue 13 items 4–5), pure over plain data:
 * - an upstream group's name (the key of its `no live upstreams` lines) stands for all its peers,
 *   each linked to its container; "every peer restarted at once" is then a fact;
 * - a server named by host name (`server backend:3000`) was resolved once, at start: when the
 *   failing IP is no longer that workload's address and the workload was recreated before the
 *   errors, nginx is dialling a stale address, and the container named in the config is the one
 *   the incident is about (not whoever holds the old IP now).
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, BurstFacts, ContainerMatch, GroupFacts, SinglePeerFacts, StaleAddressFacts } from '../model/incident.js';
import type { UpstreamAddress } from '../model/logRecord.js';
import { isIpLiteral, peerKey, type ConfigGroup, type ConfigPeer, type UpstreamMap } from '../model/upstreamMap.js';
import { matchByEventNames, matchBySnapshot } from './containerMatch.js';
import { errorsFrom } from './errorTimeline.js';
import { workloadKey } from './workload.js';

/** Peer key (`127.0.0.1:3001`) → group name, for the burst detector's folding of a peer's lone errors. */
export function peerGroupKeys(map: UpstreamMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of map.groups) for (const p of g.peers) if (p.port !== null && isIpLiteral(p.host)) out.set(peerKey(p), g.name);
  return out;
}

export interface GroupLink {
  group: ConfigGroup;
  /** Each peer with the container it links to (null: none). */
  peers: { peer: ConfigPeer; match: ContainerMatch | null }[];
}

/** The group a burst's upstream names (a `no live upstreams` line names the group, not a peer). */
export function linkGroup(upstream: UpstreamAddress, map: UpstreamMap, containers: readonly ContainerInfo[], events: readonly ContainerEvent[]): GroupLink | null {
  if (upstream.port !== null) return null;
  const group = map.groups.find((g) => g.name === upstream.host.toLowerCase());
  if (!group || group.peers.length === 0) return null;
  const peers = group.peers.map((peer) => {
    const address: UpstreamAddress = { ...upstream, host: peer.host, port: peer.port };
    return { peer, match: matchBySnapshot(address, [...containers]) ?? matchByEventNames(address, [...events]) };
  });
  return { group, peers };
}

const STOPPED = new Set(['kill', 'die', 'stop', 'oom']);

/** When the container stopped and started again in the window: the start's time, else null. */
function restartedAt(ids: readonly string[], events: readonly ContainerEvent[], from: number, to: number): number | null {
  const own = events.filter((e) => ids.includes(e.containerId)).sort((a, b) => a.time - b.time);
  const down = own.find((e) => STOPPED.has(e.action) && e.time >= from && e.time <= to);
  if (!down) return null;
  const start = own.find((e) => e.action === 'start' && e.time >= down.time && e.time <= to);
  return start ? start.time : null;
}

/**
 * Facts of a group incident: did every peer restart at once, and did errors outlive the restarts
 * while fail_timeout kept the peers marked failed.
 */
export function groupFacts(link: GroupLink, burst: Burst, events: readonly ContainerEvent[], beforeMs: number): GroupFacts {
  const from = burst.first - beforeMs;
  const starts = link.peers.map((p) => (p.match ? restartedAt(p.match.containerIds, events, from, burst.last) : null));
  const all = starts.length > 1 && starts.every((t) => t !== null);
  const lastStart = all ? Math.max(...(starts as number[])) : null;
  const failTimeoutMs = Math.max(...link.group.peers.map((p) => p.failTimeoutMs));
  const maxFails = Math.min(...link.group.peers.map((p) => p.maxFails));
  const errorsAfterStarts = lastStart === null || !burst.timeline ? 0 : errorsFrom(burst.timeline, lastStart);
  return {
    name: link.group.name,
    peers: link.peers.map((p) => ({ address: peerKey(p.peer), container: p.match?.name ?? null })),
    allPeersRestarted: all,
    lastPeerStartAt: lastStart,
    failTimeoutMs,
    maxFails,
    backup: link.group.peers.some((p) => p.backup),
    errorsAfterStarts,
  };
}

export interface StaleLink {
  match: ContainerMatch;
  facts: StaleAddressFacts;
}

/** Config peers named by host name on this port, which nginx resolved once (no `resolve`, or no resolver). */
function namedPeers(map: UpstreamMap, port: number): ConfigPeer[] {
  const all = [...map.groups.flatMap((g) => g.peers), ...map.direct];
  return all.filter((p) => p.port === port && !isIpLiteral(p.host) && !p.host.startsWith('unix:') && p.host !== 'localhost' && !(p.resolve && map.resolver));
}

/**
 * nginx kept a stale address: the failing IP is not the current address of the workload the
 * config names, and that workload was recreated (a new container) before the last error.
 * Null when the address is still the named workload's (then it is an ordinary restart).
 */
export function staleAddress(upstream: UpstreamAddress, map: UpstreamMap, containers: readonly ContainerInfo[], events: readonly ContainerEvent[], burst: Burst): StaleLink | null {
  if (upstream.port === null) return null;
  const ip = upstream.host.replace(/^\[|\]$/g, '');
  if (!isIpLiteral(ip)) return null;
  for (const peer of namedPeers(map, upstream.port)) {
    const named = containers.filter((c) => c.name === peer.host || c.service === peer.host || c.aliases.includes(peer.host));
    if (named.length === 0 || named.some((c) => c.ips.includes(ip))) continue;
    const key = workloadKey(named[0]!);
    const own = events.filter((e) => workloadKey(e) === key);
    const ids = new Set(own.map((e) => e.containerId));
    const created = own.filter((e) => e.action === 'create' && e.time <= burst.last);
    const recreated = created.length > 0 && (ids.size > 1 || own.some((e) => e.action === 'destroy'));
    if (!recreated) continue;
    const now = named[named.length - 1]!;
    const owner = containers.find((c) => c.ips.includes(ip)) ?? null;
    const newAddress = now.ips[0] ? peerKey({ host: now.ips[0], port: upstream.port }) : null;
    const failing = peerKey({ host: ip, port: upstream.port });
    return {
      match: {
        name: now.name,
        containerIds: [...new Set([...ids, now.id])],
        service: now.service,
        project: now.project,
        method: 'config-name',
        strength: 0.9,
        explanation: `nginx's config names ${peerKey(peer)}; ${now.name} answers to "${peer.host}" and is at ${newAddress ?? 'a new address'} now, not ${failing}`,
      },
      facts: {
        configPeer: peerKey(peer),
        failingAddress: failing,
        currentAddress: newAddress,
        oldOwner: owner ? owner.name : null,
        recreatedAt: created[created.length - 1]!.time,
      },
    };
  }
  return null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Does this config server stand for the failing upstream? The same address as nginx logs it
 * (`localhost` is logged as its loopback IP), or a host name the matched container answers to (its
 * name, compose service or network alias: nginx logged the IP it resolved) on the same port.
 */
function namesUpstream(p: ConfigPeer, upstream: UpstreamAddress, names: ReadonlySet<string>): boolean {
  const host = upstream.host.replace(/^\[|\]$/g, '').toLowerCase();
  if (p.port !== upstream.port) return false;
  if (p.host === host || (LOOPBACK.has(p.host) && LOOPBACK.has(host))) return true;
  return !isIpLiteral(p.host) && names.has(p.host);
}

/**
 * The failing upstream had nowhere else to go: every place of the config that sends requests to it
 * (the group its `no live upstreams` names, each group listing it, a `proxy_pass` straight to it)
 * has exactly one usable server and no `backup`. Null when the config does not name it, or when
 * any of those places had a second peer or a backup (then some requests could go elsewhere).
 * `names`: what the matched container answers to (name, service, aliases), for `server backend:3000`.
 */
export function singlePeerOf(upstream: UpstreamAddress, map: UpstreamMap, names: readonly string[]): SinglePeerFacts | null {
  const known = new Set(names.map((n) => n.toLowerCase()));
  const places: { group: string | null; peers: ConfigPeer[]; at: string | null }[] = [];
  for (const g of map.groups) {
    const byName = upstream.port === null && g.name === upstream.host.toLowerCase();
    if (byName || g.peers.some((p) => namesUpstream(p, upstream, known))) places.push({ group: g.name, peers: g.peers, at: g.at ?? null });
  }
  for (const p of map.direct) if (namesUpstream(p, upstream, known)) places.push({ group: null, peers: [p], at: p.at ?? null });
  if (places.length === 0) return null;
  for (const place of places) {
    const usable = place.peers.filter((p) => !p.backup && !p.down);
    if (usable.length !== 1 || place.peers.some((p) => p.backup)) return null;
  }
  const first = places[0]!;
  return { group: first.group, server: peerKey(first.peers.find((p) => !p.down)!), at: first.at };
}

/**
 * Adds what the config showed to a burst's facts, in place: `facts` is the object computeFacts
 * just made for one diagnosis (diagnoseBurst.ts), not one anything else holds. (Its ~30 fields
 * spread into a new object with more added took ~10–20 µs an incident in code V8 has not
 * optimized yet, in an isolated loop; a postmortem diagnoses its 1,000 incidents once, and two
 * such copies were ~20 ms of it.) When errors outlived the workload's readiness for a config
 * reason (a stale address; fail_timeout keeping restarted peers out), the last error is not when
 * the app was ready: no time to ready is claimed from it.
 */
export function addConfigFacts(facts: BurstFacts, group: GroupFacts | null, stale: StaleAddressFacts | null, singlePeer: SinglePeerFacts | null = null): void {
  facts.group = group;
  facts.stale = stale;
  facts.singlePeer = singlePeer;
  const outlived = stale !== null || (group?.allPeersRestarted === true && group.errorsAfterStarts > 0);
  const fromLastError = facts.timeToReady === null || facts.timeToReady.source === 'last-error';
  if (!outlived || !fromLastError) return;
  // The errors after the start cannot be split into "starting" and "after ready" then: say so.
  const why = stale !== null ? 'nginx dialled a stale address' : 'fail_timeout kept the restarted peers out';
  facts.timeToReady = null;
  facts.startToLastError = null;
  facts.readyUnknown = `its errors outlived the start because ${why}, and no health check or probe timed when it was ready`;
}
