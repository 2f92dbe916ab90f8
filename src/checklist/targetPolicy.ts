/**
 * Where `check --upstream` may connect: loopback, this host's own interface addresses and local
 * containers' addresses. Link-local (cloud metadata at 169.254.169.254), multicast, unspecified
 * and broadcast addresses are refused, and so is anything else, for a host name by what it
 * resolves to, unless `--allow-host` names it. Decided before any connection is made.
 */
import net from 'node:net';
import os from 'node:os';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isLoopback } from './probeSafety.js';

/** Address ranges refused whatever else is true of them, with the words a refusal uses. */
const REFUSED_RANGES: ReadonlyArray<{ address: string; prefix: number; family: 'ipv4' | 'ipv6'; kind: string }> = [
  { address: '169.254.0.0', prefix: 16, family: 'ipv4', kind: 'link-local (cloud metadata services live there)' },
  { address: 'fe80::', prefix: 10, family: 'ipv6', kind: 'link-local' },
  { address: '224.0.0.0', prefix: 4, family: 'ipv4', kind: 'multicast' },
  { address: 'ff00::', prefix: 8, family: 'ipv6', kind: 'multicast' },
  { address: '0.0.0.0', prefix: 8, family: 'ipv4', kind: 'unspecified' },
  { address: '::', prefix: 128, family: 'ipv6', kind: 'unspecified' },
  { address: '255.255.255.255', prefix: 32, family: 'ipv4', kind: 'broadcast' },
];

/** `[v6]`, `::ffff:a.b.c.d`, `fe80::1%eth0` → the bare address that is compared and classified. */
function bareAddress(host: string): string {
  let h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const zone = h.indexOf('%');
  if (zone !== -1 && net.isIPv6(h.slice(0, zone))) h = h.slice(0, zone);
  if (h.startsWith('::ffff:') && net.isIPv4(h.slice(7))) h = h.slice(7);
  return h;
}

const REFUSED = REFUSED_RANGES.map((r) => {
  const list = new net.BlockList();
  list.addSubnet(r.address, r.prefix, r.family);
  return { ...r, list };
});

/** The refused range an IP falls in ('multicast', …), or null. */
export function refusedKind(ip: string): string | null {
  const a = bareAddress(ip);
  const family = net.isIPv4(a) ? 'ipv4' : net.isIPv6(a) ? 'ipv6' : null;
  if (!family) return null;
  return REFUSED.find((r) => r.family === family && r.list.check(a, family))?.kind ?? null;
}

export interface TargetPolicyDeps {
  /** Hosts the user vouched for with --allow-host (as typed; compared case-insensitively). */
  allowHosts: readonly string[];
  /** Every address a host name resolves to; default: the system resolver (getaddrinfo). */
  lookup?: (host: string) => Promise<string[]>;
  /** This host's interface addresses; default: os.networkInterfaces(). */
  localAddresses?: () => string[];
  /** Addresses of local containers; asked only for an address nothing else vouches for. */
  containerAddresses?: () => Promise<string[]>;
}

export type TargetDecision = { allowed: true; why: string } | { allowed: false; reason: string; hint: string };

const systemLookup = async (host: string): Promise<string[]> => (await dnsLookup(host, { all: true, verbatim: true })).map((r) => r.address);

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => bareAddress(i.address));
}

/** May `check` connect to `host`? Never connects; resolves a name and may ask Docker for its containers. */
export async function decideCheckTarget(host: string, port: number, deps: TargetPolicyDeps): Promise<TargetDecision> {
  const h = bareAddress(host);
  const shown = net.isIPv6(h) ? `[${h}]:${port}` : `${h}:${port}`;
  const hint = `if you own ${h} and mean to probe it, add --allow-host ${h}`;
  const refuse = (why: string): TargetDecision => ({
    allowed: false,
    reason: `check: refusing to probe ${shown}: ${why}; only loopback, this host's addresses and local containers are probed`,
    hint,
  });
  if (deps.allowHosts.some((a) => bareAddress(a) === h)) return { allowed: true, why: `${h} is named by --allow-host` };

  let addresses: string[];
  if (net.isIP(h)) addresses = [h];
  else {
    try {
      addresses = (await (deps.lookup ?? systemLookup)(h)).map(bareAddress);
    } catch (err) {
      return refuse(`${h} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (addresses.length === 0) return refuse(`${h} does not resolve`);
  }
  const via = (a: string) => (a === h ? h : `${h} resolves to ${a}, which`);
  for (const a of addresses) {
    const kind = refusedKind(a);
    if (kind) return refuse(`${via(a)} is ${kind}`);
  }
  const local = new Set((deps.localAddresses ?? interfaceAddresses)().map(bareAddress));
  const foreign = addresses.filter((a) => !isLoopback(a) && !local.has(a));
  if (foreign.length === 0) return { allowed: true, why: `${h} is this host` };
  const containers = new Set((await (deps.containerAddresses?.() ?? Promise.resolve([]))).map(bareAddress));
  const outside = foreign.find((a) => !containers.has(a));
  if (outside !== undefined) return refuse(`${via(outside)} is not loopback, this host's nor a local container's address`);
  return { allowed: true, why: `${h} is a local container's address` };
}
