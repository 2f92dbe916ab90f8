/**
 * The peers the user's own nginx config sends traffic to: every `server` of an `upstream` block
 * and every literal address of a `*_pass` directive. These (and Docker's containers) are all the
 * checklist may probe on its own; an address read from a log line is a client's to forge.
 */
import type { NginxConfig } from './load.js';
import { defaultPort, parseAddress, parseProxyPass, walk } from './query.js';

/** Directives whose argument is a peer nginx connects to, and the scheme a bare `host:port` has. */
const PASS_DIRECTIVES: Record<string, string> = {
  proxy_pass: 'http',
  grpc_pass: 'grpc',
  fastcgi_pass: 'fastcgi',
  uwsgi_pass: 'uwsgi',
  scgi_pass: 'scgi',
};

function key(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `host:port` (`[v6]:port`) of every TCP peer the config names. Unix sockets, variables (resolved
 * per request) and upstream group names (their servers are listed instead) are left out.
 */
export function configuredPeers(config: NginxConfig): string[] {
  const all = [...walk(config.root)];
  const groups = new Set(all.filter((d) => d.name === 'upstream' && d.args.length === 1).map((d) => d.args[0]!.toLowerCase()));
  const peers = new Set<string>();
  for (const d of all) {
    if (d.name === 'server' && d.parent?.name === 'upstream' && d.args.length > 0) {
      const a = parseAddress(d.args[0]!);
      if (a && !a.host.startsWith('unix:')) peers.add(key(a.host, a.port ?? 80));
      continue;
    }
    const scheme = PASS_DIRECTIVES[d.name];
    if (scheme === undefined || d.args.length !== 1) continue;
    const arg = d.args[0]!;
    const target = parseProxyPass(arg.includes('://') ? arg : `${scheme}://${arg}`);
    const a = target?.address;
    if (!target || target.dynamic || !a || a.host.startsWith('unix:')) continue;
    if (a.port === null && groups.has(a.host)) continue;
    // grpc:// has no default port in nginx; http/https do.
    const port = a.port ?? (target.scheme === 'http' || target.scheme === 'https' ? defaultPort(target.scheme) : null);
    if (port !== null) peers.add(key(a.host, port));
  }
  return [...peers];
}
