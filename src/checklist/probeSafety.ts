/**
 * Which addresses the engine may probe on its own. Only what the user's own nginx config names
 * as an upstream peer, or what belongs to a local container (from the daemon or the inspect file
 * the user gave). Never an address taken from a log line: its fields (request line, Host, Referer,
 * even an `upstream: "…"` field forged inside a Referer) are the client's to choose.
 */
import net from 'node:net';
import os from 'node:os';
import type { ContainerInfo } from '../model/container.js';
import { healthcheckUrl } from './dockerState.js';

export interface ProbeAllowList {
  /** `host:port` of every peer the nginx config names (`[::1]:3000` for IPv6; URLs accepted). Never the log's. */
  upstreams: ReadonlySet<string>;
  containers: ContainerInfo[];
  /** This host's interface addresses; defaults to os.networkInterfaces(). */
  localAddresses?: string[];
}

function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h.startsWith('::ffff:') && net.isIPv4(h.slice(7))) h = h.slice(7);
  return h;
}

/** `host:port` in one canonical spelling, for set lookups. */
export function upstreamKey(host: string, port: number): string {
  const h = normalizeHost(host);
  return net.isIPv6(h) ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Accepts `host:port`, `[v6]:port` or `scheme://host:port/path` and returns the canonical key. */
function normalizeUpstream(entry: string): string | null {
  const text = entry.includes('://') ? entry : `http://${entry}`;
  try {
    const u = new URL(text);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return upstreamKey(u.hostname, port);
  } catch {
    return null;
  }
}

export function isLoopback(host: string): boolean {
  const h = normalizeHost(host);
  return h === '::1' || h === 'localhost' || (net.isIPv4(h) && h.startsWith('127.'));
}

function defaultLocalAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => normalizeHost(i.address));
}

/** A port a host-network container names: exposed, in its command line, or in its healthcheck URL. */
function namesPort(c: ContainerInfo, port: number): boolean {
  if (c.ports.some((p) => p.containerPort === port)) return true;
  const p = String(port);
  // Whole tokens only (`-p 3000`, `--port=3000`, `:3000`), so 3000 does not match 30000.
  if (c.cmd.some((arg) => new RegExp(`(^|[=:\\s])${p}($|[/\\s])`).test(arg))) return true;
  return healthcheckUrl(c.healthcheck)?.port === port;
}

/**
 * true only for an address the user's nginx names as an upstream, or one that belongs to a local
 * container: its own IP, a published host port, or a loopback port of a host-network container
 * that the container itself names.
 */
export function isProbeAllowed(host: string, port: number, allowed: ProbeAllowList): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !host.trim()) return false;
  const key = upstreamKey(host, port);
  for (const u of allowed.upstreams) if (normalizeUpstream(u) === key) return true;

  const h = normalizeHost(host);
  const local = allowed.localAddresses?.map(normalizeHost) ?? defaultLocalAddresses();
  for (const c of allowed.containers) {
    if (c.ips.map(normalizeHost).includes(h)) return true;
    for (const p of c.ports) {
      if (p.hostPort !== port || p.hostIp === null) continue;
      const hostIp = normalizeHost(p.hostIp);
      const wildcard = hostIp === '0.0.0.0' || hostIp === '::';
      if (hostIp === h || (wildcard && (isLoopback(h) || local.includes(h))) || (isLoopback(hostIp) && isLoopback(h))) return true;
    }
    if (c.networkMode === 'host' && isLoopback(h) && namesPort(c, port)) return true;
  }
  return false;
}

/**
 * null when the address may be probed, else the one line the checklist shows instead of probing.
 * `config` names the nginx config the peers were read from (null: none could be read).
 */
export function probeRefusal(host: string, port: number, allowed: ProbeAllowList, config: string | null): string | null {
  if (isProbeAllowed(host, port, allowed)) return null;
  const target = Number.isInteger(port) && port > 0 ? upstreamKey(host, port) : `${host}:${port}`;
  const where = config ? `an upstream in ${config}` : 'an upstream of a readable nginx config (pass --nginx-conf)';
  return `not probed: ${target} is not ${where} nor a container address`;
}
