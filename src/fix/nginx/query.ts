/**
 * Read-only questions about a loaded nginx tree: walking it, the effective value of an inherited
 * proxy_* directive, the addresses named by `server` and `proxy_pass`.
 */
import type { Directive } from './parser.js';

export function* walk(directives: Directive[]): Generator<Directive> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walk(d.block);
  }
}

/** The nearest enclosing block with this name (`location`, `server`, `http`). */
export function enclosing(d: Directive, name: string): Directive | null {
  for (let p = d.parent; p; p = p.parent) if (p.name === name) return p;
  return null;
}

export function children(block: Directive, name: string): Directive[] {
  return (block.block ?? []).filter((c) => c.name === name);
}

/**
 * The directive nginx applies in `block` for a normally inherited directive: the block's own, or
 * the nearest ancestor's (location → outer location → server → http). Null when none is set.
 */
export function effective(block: Directive, name: string): Directive | null {
  for (let b: Directive | null = block; b; b = b.parent) {
    const own = children(b, name);
    if (own.length > 0) return own[own.length - 1]!;
  }
  return null;
}

/**
 * proxy_set_header is inherited only by blocks that set none of their own: the effective set is
 * the nearest level's whole list. Returns that level's directives and the level.
 */
export function effectiveHeaders(block: Directive): { level: Directive | null; headers: Directive[] } {
  for (let b: Directive | null = block; b; b = b.parent) {
    const own = children(b, 'proxy_set_header');
    if (own.length > 0) return { level: b, headers: own };
  }
  return { level: null, headers: [] };
}

export interface Address {
  /** Lower-cased host, IP without brackets, or `unix:/path`. */
  host: string;
  /** Null when the text gave none (an upstream group name, or a default port to apply). */
  port: number | null;
}

/** Parses `host[:port]`, `[v6]:port`, `unix:/path`. */
export function parseAddress(text: string): Address | null {
  if (text.startsWith('unix:')) return { host: text, port: null };
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const host = text.slice(1, close).toLowerCase();
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: null };
    if (!rest.startsWith(':')) return null;
    const port = Number(rest.slice(1));
    return Number.isInteger(port) && port > 0 && port < 65536 ? { host, port } : null;
  }
  const colon = text.lastIndexOf(':');
  if (colon === -1) return text ? { host: text.toLowerCase(), port: null } : null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) return null;
  return { host: text.slice(0, colon).toLowerCase(), port };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function sameHost(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || (LOOPBACK.has(x) && LOOPBACK.has(y));
}

export interface ProxyTarget {
  scheme: string;
  /** The `host[:port]` part as written (or `unix:/path`). */
  authority: string;
  /** Offsets of `authority` within the proxy_pass token's text. */
  authorityStart: number;
  authorityEnd: number;
  address: Address | null;
  /** The target names a variable: nginx resolves it per request. */
  dynamic: boolean;
}

/** Splits a proxy_pass URL: `http://host:port/uri`, `http://unix:/path:/uri`. */
export function parseProxyPass(url: string): ProxyTarget | null {
  const sep = url.indexOf('://');
  if (sep === -1) return null;
  const scheme = url.slice(0, sep).toLowerCase();
  const begin = sep + 3;
  let stop: number;
  if (url.startsWith('unix:', begin)) {
    const colon = url.indexOf(':', begin + 5);
    stop = colon === -1 ? url.length : colon;
  } else {
    const slash = url.indexOf('/', begin);
    stop = slash === -1 ? url.length : slash;
  }
  const authority = url.slice(begin, stop);
  const dynamic = authority.includes('$');
  return {
    scheme,
    authority,
    authorityStart: begin,
    authorityEnd: stop,
    address: dynamic ? null : parseAddress(authority),
    dynamic,
  };
}

export function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/** Parameters of a `server` line inside an upstream block: `name=value` and flags. */
export function serverParams(server: Directive): { params: Map<string, string>; flags: Set<string> } {
  const params = new Map<string, string>();
  const flags = new Set<string>();
  for (const a of server.args.slice(1)) {
    const eq = a.indexOf('=');
    if (eq === -1) flags.add(a);
    else params.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return { params, flags };
}
