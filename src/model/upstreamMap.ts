/**
 * What the user's nginx config says about its upstreams, as plain data the correlation reads
 * (issue 13 items 4–5): each `upstream` group with its servers and their failure parameters, and
 * the peers `*_pass` names directly. Built at the edge from the parsed config (fix/nginx/groups.ts);
 * correlation never reads a file.
 */

export interface ConfigPeer {
  /** Lower-cased host name or IP (no brackets), or `unix:/path` for a socket. */
  host: string;
  /** Null for a unix socket. */
  port: number | null;
  /** nginx's defaults apply when the server line sets none: max_fails=1, fail_timeout=10s. */
  maxFails: number;
  failTimeoutMs: number;
  backup: boolean;
  /** `resolve` on the server line: nginx re-resolves the name (with a `resolver`). */
  resolve: boolean;
  /** `down` on the server line: nginx never sends it a request. */
  down?: boolean;
  /** Where the config names it, `nginx.conf:15` (the `server` line, or the `*_pass` directive). */
  at?: string;
}

export interface ConfigGroup {
  name: string;
  peers: ConfigPeer[];
  /** Where the `upstream` block is defined, `nginx.conf:14`. */
  at?: string;
}

export interface UpstreamMap {
  groups: ConfigGroup[];
  /** Literal peers of `proxy_pass`/`*_pass` outside any group (a single peer with no backup). */
  direct: ConfigPeer[];
  /** A `resolver` directive is set somewhere (names can be re-resolved). */
  resolver: boolean;
}

export const EMPTY_UPSTREAM_MAP: UpstreamMap = { groups: [], direct: [], resolver: false };

/** `host:port` as nginx writes a TCP peer in its log (`[v6]:port`), the burst detector's key. */
export function peerKey(p: { host: string; port: number | null }): string {
  if (p.port === null) return p.host;
  return p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;
}

/** A literal IP (v4 or v6): nginx dials it as written; anything else is a name it resolved. */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-f:.]+$/i.test(host));
}
