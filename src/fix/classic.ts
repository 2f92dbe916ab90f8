/**
 * Fixes for the classic non-restart causes: configuration and environment faults (a buffer size,
 * a scheme, TLS settings, socket permissions, SELinux, start-up order, networks, DNS). None of
 * them is cured by restarting, retrying or a healthcheck, so none of that is proposed here. Each
 * fix fits the upstream's kind: socket paths for a unix socket, addresses and names for TCP.
 * Where the nginx config holds the fault (buffer size, scheme, TLS protocols) and was given, the
 * fix is a diff of it; otherwise advice lines with the real values.
 */
import { CLASSIC_FIX_IDS } from '../diagnose/fixIds.js';
import { displayPath } from './paths.js';
import { applyEdits, unifiedDiff, type Edit } from './textEdit.js';
import { insertInBlock, replaceInArg } from './nginx/blockEdit.js';
import type { NginxConfig } from './nginx/load.js';
import { nginxConfigFor, type ConfigReads } from './configReads.js';
import { locate, targetFromKey, type LocatedProxy } from './nginx/locate.js';
import { effective } from './nginx/query.js';
import type { FixInput, PlanResult, PlannedFile } from './types.js';

/** The header buffer proposed: 32k holds the large cookies and trace headers seen in practice. */
const HEADER_BUFFER = '32k';

function address(input: FixInput): string {
  return input.upstream.port === null ? input.upstream.host : `${input.upstream.host}:${input.upstream.port}`;
}

function socketPath(input: FixInput): string {
  return input.upstream.host.replace(/^unix:/, '');
}

function isFastcgi(input: FixInput): boolean {
  return (input.upstream.url ?? '').startsWith('fastcgi://');
}

/** Advice for one classic fix id; the diff-able ones say what their diff does when there is one. */
function classicAdvice(id: string, input: FixInput, diffed: boolean): string[] {
  const addr = address(input);
  const path = socketPath(input);
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const port = input.upstream.port;
  const name = input.service ?? input.upstream.host;
  switch (id) {
    case 'selinux-network-connect':
      return [
        `Confirm the denial: \`ausearch -m AVC -c nginx -ts recent\` (or /var/log/audit/audit.log) shows \`denied { name_connect }\` for port ${port ?? '?'}; \`getsebool httpd_can_network_connect\` says off.`,
        'SELinux: `setsebool -P httpd_can_network_connect 1` lets nginx (httpd_t) connect to TCP upstreams; -P keeps it across reboots.',
        `Narrower: label only this port for http: \`semanage port -a -t http_port_t -p tcp ${port ?? 'PORT'}\` (for a port no other type owns).`,
      ];
    case 'socket-permissions':
      return [
        `Check: \`namei -l ${path}\`: nginx's worker user (the \`user\` directive: www-data, nginx, nobody) needs write permission on the socket and search (x) on every directory above it.`,
        "php-fpm (the pool's .conf): `listen.owner = www-data`, `listen.group = www-data`, `listen.mode = 0660` with the worker's user and group, then reload php-fpm.",
        `gunicorn: \`--bind unix:${path} --umask 007\` run with a group nginx's worker belongs to; uwsgi: \`chmod-socket = 660\` and \`chown-socket = www-data:www-data\`.`,
        'Across containers the numeric ids must agree: the same group id on both sides, and the socket directory volume writable by it.',
      ];
    case 'unix-socket-path':
      return [
        `Check: \`ls -l ${path}\` and which process should listen there: \`ss -xlp | grep ${path.split('/').pop()}\`.`,
        `One path everywhere: php-fpm \`listen = ${path}\`, gunicorn \`--bind unix:${path}\`, and nginx's proxy_pass / fastcgi_pass.`,
        `App in another container: mount ${dir} as a volume in both containers (compose: one named volume on both services), or the socket stays invisible to nginx.`,
      ];
    case 'socket-backlog':
      return [
        'php-fpm: raise `pm.max_children` (every child was busy) and `listen.backlog` (capped by net.core.somaxconn); `pm.status_path` shows the listen queue.',
        'gunicorn: more `--workers` (or `--threads`) and `--backlog 2048`; the kernel caps every backlog at `sysctl net.core.somaxconn` (on a container: `sysctls: {net.core.somaxconn: 1024}`).',
        `Then find why requests to ${path} are slow: a full queue is the symptom of workers blocked on something.`,
      ];
    case 'nginx-buffer-size':
      if (isFastcgi(input)) {
        return [`nginx: \`fastcgi_buffer_size ${HEADER_BUFFER}; fastcgi_buffers 8 ${HEADER_BUFFER};\` in the location that fastcgi_passes to ${addr}.`];
      }
      return [
        diffed
          ? `The diff sets \`proxy_buffer_size ${HEADER_BUFFER}; proxy_buffers 8 ${HEADER_BUFFER};\` where ${addr} is proxied: the response header must fit in proxy_buffer_size.`
          : `nginx: \`proxy_buffer_size ${HEADER_BUFFER}; proxy_buffers 8 ${HEADER_BUFFER};\` in the location that proxies to ${addr} (the response header must fit in proxy_buffer_size).`,
        `Measure the real header size first (\`curl -s -o /dev/null -D - URL | wc -c\` against ${addr}); a header that keeps growing (cookies) is better fixed in the app.`,
      ];
    case 'nginx-upstream-tls':
      return [
        diffed
          ? `The diff adds \`proxy_ssl_protocols TLSv1.2 TLSv1.3;\` (nginx before 1.23.4 offers only up to TLSv1.2) and \`proxy_ssl_server_name on;\` (send SNI) where ${addr} is proxied.`
          : `nginx: \`proxy_ssl_protocols TLSv1.2 TLSv1.3;\` (nginx before 1.23.4 offers only up to TLSv1.2) and \`proxy_ssl_server_name on;\` (send SNI; \`proxy_ssl_name\` when the name differs) where ${addr} is proxied.`,
        `See what the upstream accepts: \`openssl s_client -connect ${addr} -servername NAME -tls1_2\` (and \`-tls1_3\`).`,
      ];
    case 'nginx-scheme-http':
      return [
        diffed
          ? `The diff changes proxy_pass https://${addr} to http://${addr}: the port answers in plain HTTP.`
          : `nginx: \`proxy_pass http://${addr}\` instead of https://: the port answers in plain HTTP (or point it at the app's TLS port, if it has one).`,
      ];
    case 'nginx-scheme-https':
      return [
        `Check the port: \`openssl s_client -connect ${addr} </dev/null\`. A certificate means it speaks TLS: use \`proxy_pass https://${addr}\` (with \`proxy_ssl_server_name on;\`), or point proxy_pass at the app's plain-HTTP port.`,
      ];
    case 'startup-dependency':
      return [
        `compose: on the nginx service, \`depends_on: [${name}]\` so the backend's container (and its DNS name) exists before nginx starts.`,
        `Or resolve at request time: \`resolver 127.0.0.11 valid=10s;\` and \`set $upstream_${name.replace(/[^a-zA-Z0-9]/g, '_')} ${input.upstream.host}; proxy_pass http://$upstream_${name.replace(/[^a-zA-Z0-9]/g, '_')}:PORT;\`: nginx then starts without the backend and answers 502 until it exists.`,
        'A misspelt name fails the same way: check it against `docker compose config --services`.',
      ];
    case 'network-attach':
      return [
        `\`docker network inspect\` nginx's networks: ${input.upstream.host} must be on one of them. A container on another network: \`docker network connect NETWORK CONTAINER\`, or list the same network on both compose services.`,
        'Address the backend by its service name, not an IP: a recreated container gets a new one. With a name, let nginx re-resolve it (`resolver 127.0.0.11 valid=10s;` and a variable in proxy_pass).',
      ];
    case 'dns-name-gone':
      return [
        `Is any container of ${name} running? \`docker compose ps ${name}\` / \`docker ps --filter name=${name}\`; bring it back (\`docker compose up -d ${name}\`) or fix the name nginx looks up.`,
        `Ask nginx's resolver what it answers: \`nslookup ${input.upstream.host} RESOLVER\` from nginx's container (Docker's DNS, 127.0.0.11, knows only running containers on nginx's networks).`,
      ];
    default:
      return [];
  }
}

interface Ctx {
  config: NginxConfig;
  edits: Edit[];
  notes: string[];
}

/** proxy_pass directives that reach the failing upstream (through a group or directly). */
function proxiesOf(config: NginxConfig, input: FixInput): LocatedProxy[] {
  const target = targetFromKey(input.upstreamKey, input.upstream.host, input.upstream.port, [input.service, input.container]);
  return locate(config, target).proxies;
}

function bufferEdits(ctx: Ctx, proxies: LocatedProxy[], cwd: string): void {
  const seen = new Set(proxies.map((p) => p.location));
  for (const loc of seen) {
    const lines: string[] = [];
    const size = effective(loc, 'proxy_buffer_size');
    if (!size) lines.push(`proxy_buffer_size ${HEADER_BUFFER};`);
    else ctx.notes.push(`${displayPath(size.file, cwd)}:${size.line}: proxy_buffer_size ${size.args[0]} is set there; raise it to at least ${HEADER_BUFFER}.`);
    // proxy_busy_buffers_size (default twice the largest buffer) must stay below all buffers but one.
    if (!effective(loc, 'proxy_buffers')) lines.push(`proxy_buffers 8 ${HEADER_BUFFER};`);
    if (lines.length > 0) ctx.edits.push(insertInBlock(ctx.config, loc, lines));
  }
}

function tlsEdits(ctx: Ctx, proxies: LocatedProxy[], cwd: string): void {
  for (const loc of new Set(proxies.filter((p) => p.target.scheme === 'https').map((p) => p.location))) {
    const lines: string[] = [];
    const protocols = effective(loc, 'proxy_ssl_protocols');
    if (!protocols) lines.push('proxy_ssl_protocols TLSv1.2 TLSv1.3;');
    else if (!protocols.args.includes('TLSv1.3')) ctx.notes.push(`${displayPath(protocols.file, cwd)}:${protocols.line}: proxy_ssl_protocols ${protocols.args.join(' ')} has no TLSv1.3; add it if the upstream needs it.`);
    const sni = effective(loc, 'proxy_ssl_server_name');
    if (!sni) lines.push('proxy_ssl_server_name on;');
    if (lines.length > 0) ctx.edits.push(insertInBlock(ctx.config, loc, lines));
  }
}

function schemeEdits(ctx: Ctx, proxies: LocatedProxy[]): void {
  for (const p of proxies) {
    if (p.target.scheme !== 'https') continue;
    ctx.edits.push(replaceInArg(p.proxyPass, 0, 0, 'https'.length, 'http'));
  }
}

/**
 * The classic fixes among `ids`: diffs of the nginx config where it holds the fault and was given,
 * advice for everything (the advice says what a diff does when there is one).
 */
export function planClassic(input: FixInput, ids: Set<string>, cwd: string, reads?: ConfigReads): PlanResult {
  const wanted = CLASSIC_FIX_IDS.filter((id) => ids.has(id));
  const result: PlanResult = { files: [], warnings: [], advice: [] };
  if (wanted.length === 0) return result;
  const diffable = ['nginx-buffer-size', 'nginx-upstream-tls', 'nginx-scheme-http'].filter((id) => ids.has(id));
  const diffed = new Set<string>();
  if (input.nginxConf && diffable.length > 0 && !isFastcgi(input)) {
    // A container's copy as planNginx reads it: its absolute includes resolve under its folder.
    const config = nginxConfigFor(input, reads);
    result.warnings.push(...config.warnings.map((w) => `${displayPath(w.file, cwd)}:${w.line}: ${w.message}`));
    const proxies = proxiesOf(config, input);
    const ctx: Ctx = { config, edits: [], notes: [] };
    if (proxies.length === 0) {
      result.warnings.push(`no proxy_pass in ${displayPath(config.mainFile, cwd)} (and its includes) reaches ${input.upstreamKey}; nothing to change there.`);
    }
    for (const id of diffable) {
      const before = ctx.edits.length;
      if (id === 'nginx-buffer-size') bufferEdits(ctx, proxies, cwd);
      if (id === 'nginx-upstream-tls') tlsEdits(ctx, proxies, cwd);
      if (id === 'nginx-scheme-http') schemeEdits(ctx, proxies);
      if (ctx.edits.length > before) diffed.add(id);
    }
    result.files.push(...toFiles(ctx, cwd));
  }
  for (const id of wanted) result.advice.push(...classicAdvice(id, input, diffed.has(id)));
  return result;
}

function toFiles(ctx: Ctx, cwd: string): PlannedFile[] {
  const byFile = new Map<string, Edit[]>();
  for (const e of ctx.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const files: PlannedFile[] = [];
  for (const [file, edits] of byFile) {
    const before = ctx.config.files.get(file)!.text;
    files.push({ path: file, kind: 'nginx', diff: unifiedDiff(displayPath(file, cwd), before, applyEdits(before, edits)), notes: [] });
  }
  if (files.length > 0) files[0]!.notes.push(...ctx.notes);
  else if (ctx.notes.length > 0) files.push({ path: ctx.config.mainFile, kind: 'nginx', diff: '', notes: ctx.notes });
  return files;
}
