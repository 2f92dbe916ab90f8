/**
 * nginx fixes for a failing upstream: max_fails/fail_timeout on its servers, keepalive, retries
 * sized from the time to ready, HTTP/1.1 + `Connection ""` wherever keepalive is on, an upstream
 * block when proxy_pass dials the address directly, and the honest single-peer note. Each
 * directive is added only where nginx would not already apply one (inheritance included).
 */
import type { FixInput, PlanResult, PlannedFile } from '../types.js';
import type { Timing } from '../timing.js';
import { describeReady } from '../timing.js';
import { applyEdits, unifiedDiff, type Edit } from '../textEdit.js';
import { displayPath } from '../paths.js';
import type { NginxConfig } from './load.js';
import { nginxConfigFor, type ConfigReads } from '../configReads.js';
import { locate, targetFromKey, type LocatedProxy, type LocatedUpstream } from './locate.js';
import { appendParams, insertInBlock, insertLinesBefore, replaceInArg, indentUnit } from './blockEdit.js';
import { children, effective, effectiveHeaders, enclosing, parseAddress, sameHost, serverParams, walk } from './query.js';
import { indentAt } from '../textEdit.js';
import type { Directive } from './parser.js';

export const KEEPALIVE_CONNECTIONS = 16;
export const MAX_FAILS = 3;
export const FAIL_TIMEOUT = '10s';
const NEXT_UPSTREAM = 'error timeout http_502 http_503';

interface Ctx {
  input: FixInput;
  t: Timing;
  config: NginxConfig;
  cwd: string;
  edits: Edit[];
  notes: string[];
  warnings: string[];
  retry: boolean;
  keepalive: boolean;
  backup: boolean;
}

export function planNginx(input: FixInput, t: Timing, ids: Set<string>, cwd: string, reads?: ConfigReads): PlanResult {
  const config = nginxConfigFor(input, reads);
  const ctx: Ctx = {
    input,
    t,
    config,
    cwd,
    edits: [],
    notes: [],
    warnings: config.warnings.map((w) => `${displayPath(w.file, cwd)}:${w.line}: ${w.message}`),
    retry: ids.has('nginx-retry'),
    keepalive: ids.has('nginx-keepalive'),
    backup: ids.has('nginx-backup-peer'),
  };
  const target = targetFromKey(input.upstreamKey, input.upstream.host, input.upstream.port, [input.service, input.container]);
  const found = locate(config, target);
  const where = (d: Directive): string => `${displayPath(d.file, cwd)}:${d.line}`;
  for (const d of found.dynamic) {
    ctx.notes.push(`${where(d)}: proxy_pass ${d.args[0]} uses a variable; nginx resolves it per request, so it was not followed.`);
  }
  if (found.upstreams.length === 0 && found.proxies.length === 0) {
    ctx.warnings.push(
      `no upstream block or proxy_pass in ${displayPath(config.mainFile, cwd)} (and its includes) reaches ${input.upstreamKey}; nothing to change there.`,
    );
    return { files: [], warnings: ctx.warnings, advice: [] };
  }

  const groups = [...found.upstreams];
  const wantsGroup = ctx.retry || ctx.keepalive || ctx.backup;
  const direct = found.proxies.filter((p) => p.via === 'direct');
  if (direct.length > 0 && wantsGroup) groups.push(...createGroups(ctx, direct));

  for (const g of found.upstreams) fixGroup(ctx, g);
  const hasKeepalive = (g: LocatedUpstream): boolean => ctx.keepalive || children(g.block, 'keepalive').length > 0;
  const seen = new Set<Directive>();
  for (const p of found.proxies) {
    if (seen.has(p.location)) continue;
    seen.add(p.location);
    const group = found.upstreams.find((g) => p.group !== null && g.name.toLowerCase() === p.group);
    const peers = group ? peerCount(group) : 1;
    const keep = group ? hasKeepalive(group) : ctx.keepalive && direct.includes(p) && wantsGroup;
    fixLocation(ctx, p, peers, keep);
  }
  for (const g of groups) singlePeerNote(ctx, g);
  if (ctx.retry) {
    ctx.notes.push(
      `Sizing (${describeReady(t)}): proxy_next_upstream_timeout ${t.nextUpstreamTimeoutS}s covers the restart plus a margin; ` +
        `proxy_connect_timeout ${t.connectTimeoutS}s drops a peer that does not answer quickly so the next one is tried; ` +
        `max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT} keeps one refused connect from ejecting a peer.`,
    );
  }
  return { files: toFiles(ctx), warnings: ctx.warnings, advice: [] };
}

function peerCount(g: LocatedUpstream): number {
  return g.servers.filter((s) => !serverParams(s).flags.has('down')).length;
}

function fixGroup(ctx: Ctx, g: LocatedUpstream): void {
  if (ctx.retry) {
    for (const s of g.servers) {
      const { params } = serverParams(s);
      const add: string[] = [];
      if (!params.has('max_fails')) add.push(`max_fails=${MAX_FAILS}`);
      if (!params.has('fail_timeout')) add.push(`fail_timeout=${FAIL_TIMEOUT}`);
      if (add.length > 0) ctx.edits.push(appendParams(s, add));
    }
  }
  const lines: string[] = [];
  if (ctx.backup && needsBackupLine(g)) lines.push(backupLine(g.matched[0] ?? g.servers[0]!));
  // keepalive goes last: nginx wants the balancing method (hash, least_conn) before it.
  if (ctx.keepalive && children(g.block, 'keepalive').length === 0) lines.push(`keepalive ${KEEPALIVE_CONNECTIONS};`);
  if (lines.length > 0) ctx.edits.push(insertInBlock(ctx.config, g.block, lines));
}

function needsBackupLine(g: LocatedUpstream): boolean {
  if (peerCount(g) !== 1) return false;
  if (g.servers.some((s) => serverParams(s).flags.has('backup'))) return false;
  // Our own commented template, or the user's: do not add it twice.
  return !g.block.comments.some((c) => /^\s*server\s+\S+.*\bbackup\b/.test(c.value));
}

function backupAddress(server: string): string {
  if (server.startsWith('unix:')) return `${server}.backup`;
  const colon = server.lastIndexOf(':');
  const host = colon === -1 ? server : server.slice(0, colon);
  const port = colon === -1 ? 80 : Number(server.slice(colon + 1));
  return /^[\d.]+$/.test(host) || host === 'localhost' || host.startsWith('[') ? `${host}:${port + 1}` : `${host}-2:${port}`;
}

function backupLine(server: Directive): string {
  return `# server ${backupAddress(server.args[0]!)} backup;  # restartdoctor: a second instance here lets nginx retry during a restart`;
}

function singlePeerNote(ctx: Ctx, g: LocatedUpstream): void {
  if (peerCount(g) !== 1) return;
  const only = g.servers.find((s) => !serverParams(s).flags.has('down'))!;
  const hasBackup = g.servers.some((s) => serverParams(s).flags.has('backup'));
  if (hasBackup) return;
  ctx.notes.push(
    `upstream "${g.name}" has a single server (${only.args[0]}): nginx never marks a one-server group unavailable and has no other peer ` +
      `to retry on, so max_fails and proxy_next_upstream alone cannot stop the 502s while it restarts. They start to help once a ` +
      `second peer or a \`backup\` server exists` +
      (ctx.backup ? `: the diff adds a commented \`# server ${backupAddress(only.args[0]!)} backup;\` line — start a second instance there, then uncomment it.` : '.'),
  );
}

/** proxy_pass straight to the address: an upstream block is needed for keepalive, max_fails, backup. */
function createGroups(ctx: Ctx, direct: LocatedProxy[]): LocatedUpstream[] {
  const existing = new Set([...walk(ctx.config.root)].filter((d) => d.name === 'upstream').map((d) => d.args[0]?.toLowerCase()));
  const byAuthority = new Map<string, LocatedProxy[]>();
  for (const p of direct) {
    const key = p.target.authority.toLowerCase();
    byAuthority.set(key, [...(byAuthority.get(key) ?? []), p]);
  }
  const created: LocatedUpstream[] = [];
  for (const [authority, proxies] of byAuthority) {
    const first = proxies[0]!;
    const server = enclosing(first.proxyPass, 'server');
    if (!server) continue;
    const host = authority.startsWith('unix:') ? authority : authority.replace(/:\d+$/, '');
    const named = !/^[\d.]+$|^unix:|^\[|^localhost$/.test(host);
    const base = (ctx.input.service ?? (named ? host : 'backend'))
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_');
    let name = `${base}_upstream`;
    for (let i = 2; existing.has(name); i++) name = `${base}_upstream_${i}`;
    existing.add(name);
    const text = ctx.config.files.get(server.file)!.text;
    const indent = indentAt(text, server.start);
    const unit = indentUnit(text);
    const params = ctx.retry ? ` max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT}` : '';
    const address = first.target.authority;
    const body = [`${indent}${unit}server ${address}${params};`];
    if (ctx.backup) body.push(`${indent}${unit}${backupLine({ ...first.proxyPass, args: [address] })}`);
    if (ctx.keepalive) body.push(`${indent}${unit}keepalive ${KEEPALIVE_CONNECTIONS};`);
    ctx.edits.push(
      insertLinesBefore(ctx.config, server, [
        `${indent}# restartdoctor: proxy_pass dialled ${address} directly; a group allows max_fails, keepalive and a backup peer.`,
        `${indent}upstream ${name} {`,
        ...body,
        `${indent}}`,
        '',
      ]),
    );
    for (const p of proxies) {
      const url = p.proxyPass.args[0]!;
      // `http://unix:/sock:/uri` → `http://name/uri`: the `:` after a socket path goes too.
      const end = address.startsWith('unix:') && url[p.target.authorityEnd] === ':' ? p.target.authorityEnd + 1 : p.target.authorityEnd;
      const needSlash = address.startsWith('unix:') && url[end] !== '/' && end < url.length;
      ctx.edits.push(replaceInArg(p.proxyPass, 0, p.target.authorityStart, end, needSlash ? `${name}/` : name));
      p.group = name;
      p.via = 'group';
    }
    ctx.notes.push(`proxy_pass to ${address} now goes through a new \`upstream ${name}\` block (${displayPath(server.file, ctx.cwd)}:${server.line}).`);
    created.push({ block: server, name, servers: [{ ...first.proxyPass, args: [address] }], matched: [], how: 'created' });
  }
  return created;
}

function fixLocation(ctx: Ctx, p: LocatedProxy, peers: number, keepalive: boolean): void {
  const loc = p.location;
  const lines: string[] = [];
  const t = ctx.t;
  if (ctx.retry) {
    const next = effective(loc, 'proxy_next_upstream');
    if (!next) lines.push(`proxy_next_upstream ${NEXT_UPSTREAM};`);
    else if (next.args.includes('off')) {
      ctx.notes.push(`${displayPath(next.file, ctx.cwd)}:${next.line}: proxy_next_upstream off is kept (it was set on purpose); retries stay disabled there.`);
    }
    if (!effective(loc, 'proxy_next_upstream_tries')) lines.push(`proxy_next_upstream_tries ${Math.min(5, Math.max(2, peers))};`);
    if (!effective(loc, 'proxy_next_upstream_timeout')) lines.push(`proxy_next_upstream_timeout ${t.nextUpstreamTimeoutS}s;`);
    if (!effective(loc, 'proxy_connect_timeout')) lines.push(`proxy_connect_timeout ${t.connectTimeoutS}s;`);
  }
  if (keepalive) {
    const version = effective(loc, 'proxy_http_version');
    if (!version) lines.push('proxy_http_version 1.1;');
    else if (version.args[0] !== '1.1') {
      ctx.warnings.push(
        `${displayPath(version.file, ctx.cwd)}:${version.line}: proxy_http_version ${version.args[0]} disables upstream keepalive; set it to 1.1.`,
      );
    }
    const { level, headers } = effectiveHeaders(loc);
    const hasConnection = headers.some((h) => h.args[0]?.toLowerCase() === 'connection');
    if (!hasConnection) {
      if (level && level !== loc) {
        // A location with any proxy_set_header of its own stops inheriting the outer ones: repeat them.
        const repeated = headers.map((h) => ctx.config.files.get(h.file)!.text.slice(h.start, h.end));
        lines.push(`# repeated from ${displayPath(level.file, ctx.cwd)}:${level.line}: an own proxy_set_header stops inheritance`);
        lines.push(...repeated);
      }
      lines.push('proxy_set_header Connection "";');
    }
  }
  if (lines.length > 0) ctx.edits.push(insertInBlock(ctx.config, loc, lines));
}

function toFiles(ctx: Ctx): PlannedFile[] {
  const byFile = new Map<string, Edit[]>();
  for (const e of ctx.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const files: PlannedFile[] = [];
  for (const [file, edits] of byFile) {
    const before = ctx.config.files.get(file)!.text;
    files.push({ path: file, kind: 'nginx', diff: unifiedDiff(displayPath(file, ctx.cwd), before, applyEdits(before, edits)), notes: [] });
  }
  const main = ctx.config.mainFile;
  if (files.length === 0) {
    files.push({ path: main, kind: 'nginx', diff: '', notes: ['already holds the fix: every directive is present (or inherited).'] });
  }
  // Notes travel with the first file (the change is one change even when it spans includes).
  files[0]!.notes.push(...ctx.notes);
  return files;
}

/** Facts the advice-only fixes quote: the effective proxy_read_timeout, where the host is named. */
export function nginxFacts(input: FixInput, cwd: string, reads?: ConfigReads): { readTimeout: string | null; hostLines: string[] } {
  const config = nginxConfigFor(input, reads);
  const target = targetFromKey(input.upstreamKey, input.upstream.host, input.upstream.port, [input.service, input.container]);
  const found = locate(config, target);
  const first = found.proxies[0];
  const read = first ? effective(first.location, 'proxy_read_timeout') : null;
  const hostLines: string[] = [];
  for (const d of walk(config.root)) {
    const named =
      (d.name === 'server' && d.parent?.name === 'upstream' && d.args[0] !== undefined && sameHost(parseAddress(d.args[0])?.host ?? '', input.upstream.host)) ||
      (d.name === 'proxy_pass' && found.proxies.some((p) => p.proxyPass === d && p.via === 'direct'));
    if (named) hostLines.push(`${displayPath(d.file, cwd)}:${d.line} (${d.name} ${d.args.join(' ')})`);
  }
  return { readTimeout: read ? `${read.args[0]} at ${displayPath(read.file, cwd)}:${read.line}` : null, hostLines };
}
