/** The `upstream: "…"` field's URL: scheme, host, port, path; and the key upstreams are grouped by. */
import type { UpstreamAddress } from '../../model/logRecord.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443, fastcgi: 9000, uwsgi: 3031, scgi: 4000, memcached: 11211 };

/** `http://172.18.0.5:3000/api`, `fastcgi://127.0.0.1:9000`, `http://unix:/run/app.sock:/x`, `http://backend/api`. */
export function parseUpstreamUrl(url: string): UpstreamAddress {
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd > 0 ? url.slice(0, schemeEnd) : '';
  const rest = schemeEnd > 0 ? url.slice(schemeEnd + 3) : url;
  if (rest.startsWith('unix:')) {
    // nginx writes unix upstreams as `unix:/path/to.sock:/uri`
    // (`fastcgi://unix:/run/php.sock:` when the uri is empty)
    // Once connected, nginx 1.22 writes the same upstream without the `:` (seen for real:
    // `http://unix:/run/php-fpm.sock/api/x` on a read timeout): the socket file's name ends it then.
    const uriAt = rest.indexOf(':/', 5);
    if (uriAt < 0) {
      const sock = /^unix:[^:]*?\.sock(?:et)?(?=\/)/.exec(rest);
      if (sock) return { url, scheme, host: sock[0], port: null, path: rest.slice(sock[0].length) };
    }
    const host = uriAt > 0 ? rest.slice(0, uriAt) : rest.replace(/:$/, '');
    return { url, scheme, host, port: null, path: uriAt > 0 ? rest.slice(uriAt + 1) : '' };
  }
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  let host = authority;
  let port: number | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = authority.slice(0, close + 1);
    const p = authority.slice(close + 2);
    if (p) port = Number(p);
  } else {
    const c = authority.lastIndexOf(':');
    if (c > 0) {
      host = authority.slice(0, c);
      port = Number(authority.slice(c + 1));
    }
  }
  if (port !== null && !(Number.isInteger(port) && port > 0 && port < 65536)) port = null;
  // A bare name without a port is an upstream group (`http://backend/…`): no default port then.
  const isAddress = /^[\d.]+$/.test(host) || host.startsWith('[');
  if (port === null && isAddress) port = DEFAULT_PORTS[scheme] ?? null;
  return { url, scheme, host, port, path };
}

/** Grouping key of an upstream: `host:port`, the unix socket, or the group name. */
export function upstreamKey(u: UpstreamAddress): string {
  return u.port === null ? u.host : `${u.host}:${u.port}`;
}
