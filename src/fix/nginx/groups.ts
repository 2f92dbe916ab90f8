/**
 * The config's upstream groups and direct peers as plain data (model/upstreamMap.ts) for the
 * correlation: which servers a group name stands for, their max_fails/fail_timeout/backup, and
 * the host names nginx resolved once at start. Reads the tree the shared parser loaded (load.ts);
 * fix/nginx/peers.ts answers the other question (what may be probed).
 */
import type { ConfigGroup, ConfigPeer, UpstreamMap } from '../../model/upstreamMap.js';
import { parseDuration } from '../../util/duration.js';
import type { NginxConfig } from './load.js';
import { defaultPort, parseAddress, parseProxyPass, serverParams, walk } from './query.js';
import type { Directive } from './parser.js';

const PASS_DIRECTIVES: Record<string, string> = { proxy_pass: 'http', grpc_pass: 'grpc', fastcgi_pass: 'fastcgi', uwsgi_pass: 'uwsgi', scgi_pass: 'scgi' };

/** nginx's defaults for a server line that sets neither. */
const DEFAULT_MAX_FAILS = 1;
const DEFAULT_FAIL_TIMEOUT_MS = 10_000;

/** How a config file is named in a report (relative to the working directory, or the container's own path). */
export type NameFile = (file: string) => string;

function serverPeer(d: Directive, name: NameFile): ConfigPeer | null {
  const a = parseAddress(d.args[0] ?? '');
  if (!a) return null;
  const { params, flags } = serverParams(d);
  const maxFails = Number(params.get('max_fails') ?? DEFAULT_MAX_FAILS);
  const failTimeout = params.has('fail_timeout') ? parseDuration(params.get('fail_timeout')!) : DEFAULT_FAIL_TIMEOUT_MS;
  return {
    host: a.host,
    port: a.host.startsWith('unix:') ? null : (a.port ?? 80),
    maxFails: Number.isInteger(maxFails) && maxFails >= 0 ? maxFails : DEFAULT_MAX_FAILS,
    failTimeoutMs: failTimeout ?? DEFAULT_FAIL_TIMEOUT_MS,
    backup: flags.has('backup'),
    resolve: flags.has('resolve'),
    down: flags.has('down'),
    at: `${name(d.file)}:${d.line}`,
  };
}

export function upstreamMap(config: NginxConfig, name: NameFile = (f) => f): UpstreamMap {
  const all = [...walk(config.root)];
  const groups = new Map<string, ConfigGroup>();
  for (const d of all) {
    if (d.name !== 'upstream' || d.args.length !== 1) continue;
    const peers = (d.block ?? []).filter((s) => s.name === 'server').map((s) => serverPeer(s, name)).filter((p): p is ConfigPeer => p !== null);
    const group = d.args[0]!.toLowerCase();
    groups.set(group, { name: group, peers, at: `${name(d.file)}:${d.line}` });
  }
  const direct: ConfigPeer[] = [];
  for (const d of all) {
    const scheme = PASS_DIRECTIVES[d.name];
    if (scheme === undefined || d.args.length !== 1) continue;
    const arg = d.args[0]!;
    const target = parseProxyPass(arg.includes('://') ? arg : `${scheme}://${arg}`);
    const a = target?.address;
    if (!target || target.dynamic || !a) continue;
    if (a.port === null && groups.has(a.host)) continue;
    const unix = a.host.startsWith('unix:');
    const port = unix ? null : (a.port ?? (target.scheme === 'http' || target.scheme === 'https' ? defaultPort(target.scheme) : null));
    if (!unix && port === null) continue;
    if (direct.some((p) => p.host === a.host && p.port === port)) continue;
    direct.push({ host: a.host, port, maxFails: DEFAULT_MAX_FAILS, failTimeoutMs: DEFAULT_FAIL_TIMEOUT_MS, backup: false, resolve: false, at: `${name(d.file)}:${d.line}` });
  }
  return {
    groups: [...groups.values()],
    direct,
    resolver: all.some((d) => d.name === 'resolver'),
  };
}
