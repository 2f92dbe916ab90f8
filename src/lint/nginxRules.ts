/** nginx lint rules over a loaded config (includes followed, inheritance applied). */
import { loadNginxConfig } from '../fix/nginx/load.js';
import type { Directive } from '../fix/nginx/parser.js';
import { children, effective, effectiveHeaders, enclosing, parseProxyPass, serverParams, walk } from '../fix/nginx/query.js';
import { displayPath } from '../fix/paths.js';
import { RULES } from './rules.js';
import type { Finding } from './types.js';

export function lintNginx(file: string, cwd: string): Finding[] {
  const config = loadNginxConfig(file);
  const out: Finding[] = [];
  // The blocks around a directive (in its own file): a waiver comment on them covers it too.
  const within = (d: Directive): number[] => {
    const lines: number[] = [];
    for (let p = d.parent; p; p = p.parent) if (p.file === d.file) lines.push(p.line);
    return lines;
  };
  const at = (d: Directive) => ({ file: displayPath(d.file, cwd), line: d.line, within: within(d) });
  for (const w of config.warnings) {
    out.push({ ruleId: RULES.parse.id, severity: RULES.parse.severity, file: displayPath(w.file, cwd), line: w.line, message: w.message });
  }
  const all = [...walk(config.root)];
  const groups = new Map<string, Directive>();
  for (const up of all.filter((d) => d.name === 'upstream' && d.block && d.args.length === 1)) {
    groups.set(up.args[0]!.toLowerCase(), up);
    const servers = children(up, 'server');
    for (const s of servers) {
      if (!serverParams(s).params.has('max_fails')) {
        out.push({ ruleId: RULES.maxFails.id, severity: RULES.maxFails.severity, ...at(s), message: `upstream "${up.args[0]}": server ${s.args[0]} has no max_fails (default 1).` });
      }
    }
    const live = servers.filter((s) => !serverParams(s).flags.has('down'));
    if (live.length === 1 && !live.some((s) => serverParams(s).flags.has('backup'))) {
      out.push({
        ruleId: RULES.singlePeer.id,
        severity: RULES.singlePeer.severity,
        ...at(up),
        message: `upstream "${up.args[0]}" has a single server (${live[0]!.args[0]}): retries need a second peer or a backup server.`,
      });
    }
  }
  const seen = new Set<Directive>();
  for (const pass of all.filter((d) => d.name === 'proxy_pass' && d.args.length === 1)) {
    const loc = enclosing(pass, 'location');
    if (!loc || seen.has(loc)) continue;
    seen.add(loc);
    const where = `location ${loc.args.join(' ')}`;
    if (!effective(loc, 'proxy_next_upstream')) {
      out.push({ ruleId: RULES.nextUpstream.id, severity: RULES.nextUpstream.severity, ...at(loc), message: `${where} proxies to ${pass.args[0]} without proxy_next_upstream.` });
    }
    const target = parseProxyPass(pass.args[0]!);
    const group = target?.address && target.address.port === null ? groups.get(target.address.host) : undefined;
    if (!group || children(group, 'keepalive').length === 0) continue;
    const version = effective(loc, 'proxy_http_version');
    if (version?.args[0] !== '1.1') {
      out.push({
        ruleId: RULES.keepaliveVersion.id,
        severity: RULES.keepaliveVersion.severity,
        ...at(loc),
        message: `${where} uses upstream "${group.args[0]}" with keepalive but proxy_http_version is ${version?.args[0] ?? '1.0 (default)'}.`,
      });
    }
    const { headers } = effectiveHeaders(loc);
    if (!headers.some((h) => h.args[0]?.toLowerCase() === 'connection')) {
      out.push({
        ruleId: RULES.keepaliveConnection.id,
        severity: RULES.keepaliveConnection.severity,
        ...at(loc),
        message: `${where} uses upstream "${group.args[0]}" with keepalive but does not set proxy_set_header Connection "".`,
      });
    }
  }
  return out;
}
