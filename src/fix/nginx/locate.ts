/**
 * From a failing upstream (an address, a host name, or a group name as nginx logged it), finds
 * the `upstream` blocks whose servers are that peer and the `proxy_pass` directives that reach
 * it, through a group or straight to the address.
 */
import type { NginxConfig } from './load.js';
import type { Directive } from './parser.js';
import {
  defaultPort,
  enclosing,
  parseAddress,
  parseProxyPass,
  sameHost,
  walk,
  type ProxyTarget,
} from './query.js';

export interface Target {
  host: string;
  port: number | null;
  /** Other names the same peer answers to (compose service, container name). */
  aliases: string[];
}

export interface LocatedUpstream {
  block: Directive;
  name: string;
  servers: Directive[];
  /** The servers that are the failing peer (all of them when the group itself was named). */
  matched: Directive[];
  how: string;
}

export interface LocatedProxy {
  proxyPass: Directive;
  /** Where per-location directives go: the nearest `location`, else the `server`. */
  location: Directive;
  target: ProxyTarget;
  via: 'group' | 'direct';
  group: string | null;
}

export interface Located {
  upstreams: LocatedUpstream[];
  proxies: LocatedProxy[];
  /** proxy_pass directives with a variable host: nginx resolves them per request, we cannot follow. */
  dynamic: Directive[];
}

export function targetFromKey(key: string, host: string, port: number | null, aliases: Array<string | null>): Target {
  const parsed = parseAddress(key);
  const fromKey = parsed && parsed.port !== null ? parsed : null;
  return {
    host: (fromKey?.host ?? host).toLowerCase(),
    port: fromKey?.port ?? port,
    aliases: aliases.filter((a): a is string => !!a).map((a) => a.toLowerCase()),
  };
}

function hostMatches(candidate: string, target: Target): boolean {
  return sameHost(candidate, target.host) || target.aliases.some((a) => sameHost(candidate, a));
}

export function locate(config: NginxConfig, target: Target): Located {
  const all = [...walk(config.root)];
  const groups = all.filter((d) => d.name === 'upstream' && d.block && d.args.length === 1);
  const upstreams: LocatedUpstream[] = [];
  for (const block of groups) {
    const name = block.args[0]!;
    const servers = block.block!.filter((c) => c.name === 'server' && c.args.length > 0);
    if (target.port === null && name.toLowerCase() === target.host) {
      upstreams.push({ block, name, servers, matched: servers, how: `upstream group "${name}" named in the error` });
      continue;
    }
    const matched = servers.filter((s) => {
      const a = parseAddress(s.args[0]!);
      if (!a) return false;
      if (a.host.startsWith('unix:')) return a.host === target.host;
      return hostMatches(a.host, target) && (a.port ?? 80) === target.port;
    });
    if (matched.length > 0) {
      upstreams.push({ block, name, servers, matched, how: `server ${matched[0]!.args[0]} in upstream "${name}"` });
    }
  }

  const groupNames = new Set(groups.map((g) => g.args[0]!.toLowerCase()));
  const wanted = new Set(upstreams.map((u) => u.name.toLowerCase()));
  const proxies: LocatedProxy[] = [];
  const dynamic: Directive[] = [];
  for (const d of all) {
    if (d.name !== 'proxy_pass' || d.args.length !== 1) continue;
    const t = parseProxyPass(d.args[0]!);
    if (!t) continue;
    const location = enclosing(d, 'location') ?? enclosing(d, 'server');
    if (!location) continue;
    if (t.dynamic) {
      dynamic.push(d);
      continue;
    }
    if (!t.address) continue;
    const host = t.address.host;
    if (t.address.port === null && groupNames.has(host)) {
      if (wanted.has(host)) proxies.push({ proxyPass: d, location, target: t, via: 'group', group: host });
      continue;
    }
    const port = host.startsWith('unix:') ? null : (t.address.port ?? defaultPort(t.scheme));
    const direct = host.startsWith('unix:') ? host === target.host : hostMatches(host, target) && port === target.port;
    if (direct) proxies.push({ proxyPass: d, location, target: t, via: 'direct', group: null });
  }
  return { upstreams, proxies, dynamic };
}
