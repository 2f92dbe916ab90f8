/**
 * The classic non-restart causes (issue 13, item 6 and 8): every line recorded for real by
 * scripts/record-classic.mjs gets its own kind (the errno decides), each kind lands on its own
 * pattern even when a restart happens around it, the words of a diagnosis come from the kinds seen
 * (a 13 is never "nothing listens" or "refused"), and the fix of a configuration fault proposes
 * no restart, retry or healthcheck, and fits the upstream's kind (no resolver or IP for a socket).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { fixInputFor } from '../../src/session/enrich.js';
import type { Incident } from '../../src/model/incident.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { parseNginxLine, parseUpstreamUrl, upstreamKey } from '../../src/parse/nginxLine.js';
import { BACKEND, inspect, REPO, runScenario, seq, T0, stamp } from './helpers.js';

const clock = new LocalClock('UTC');
const FIX = path.join(REPO, 'fixtures/incidents');

/** The first line of a recorded fixture that contains `needle`. */
function recorded(folder: string, needle: string): string {
  const line = readFileSync(path.join(FIX, folder, 'error.log'), 'utf8')
    .split('\n')
    .find((l) => l.includes(needle));
  if (!line) throw new Error(`no line with ${needle} in ${folder}`);
  return line;
}

function kindOf(line: string): string | null {
  const r = parseNginxLine(line, 'error.log', 1, clock);
  if (!r.ok) throw new Error(`unparsed: ${line}`);
  return r.record.kind;
}

const RECORDED: { folder: string; needle: string; kind: string }[] = [
  { folder: 'classic-tcp-permission', needle: '(13: Permission denied)', kind: 'permission' },
  { folder: 'classic-unix-socket-permission', needle: '(13: Permission denied)', kind: 'permission' },
  { folder: 'classic-unix-socket-backlog', needle: '(11: Resource temporarily unavailable)', kind: 'backlog-full' },
  { folder: 'classic-too-big-header', needle: 'too big header', kind: 'header-too-big' },
  { folder: 'classic-https-to-plain', needle: 'wrong version number', kind: 'ssl-wrong-version' },
  { folder: 'classic-upstream-ssl-handshake', needle: 'protocol version', kind: 'ssl-handshake' },
  { folder: 'classic-host-not-found', needle: '[emerg]', kind: 'host-not-found' },
  { folder: 'classic-not-resolved', needle: 'could not be resolved', kind: 'resolve' },
  { folder: 'classic-unix-socket-missing', needle: '(2: No such file', kind: 'unix-socket' },
  { folder: 'classic-no-route', needle: '(113: No route to host)', kind: 'no-route' },
  { folder: 'classic-http-to-tls', needle: 'prematurely closed', kind: 'premature-close' },
];

describe('classifier: each recorded classic line has its own kind', () => {
  it.each(RECORDED)('$folder: $needle → $kind', ({ folder, needle, kind }) => {
    expect(kindOf(recorded(folder, needle))).toBe(kind);
  });

  it('a client-side TLS `wrong version number` (no "to upstream") is not an upstream failure', () => {
    expect(kindOf('2026/12/02 06:00:48 [info] 7#7: *5 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: 10.0.0.9, server: 0.0.0.0:443')).toBeNull();
  });

  it('a 13 that is not a connect (a temp file nginx cannot write) is not a permission failure of the upstream', () => {
    expect(
      kindOf('2026/12/02 06:00:48 [crit] 7#7: *5 open() "/var/lib/nginx/proxy/1/00/0000000001" failed (13: Permission denied) while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"'),
    ).toBeNull();
  });

  // Seen for real in classic-unix-socket-backlog: once connected, nginx writes the socket without the `:`.
  it('a unix upstream written with and without the `:` before the uri keys to the same socket', () => {
    const sock = 'unix:/tmp/rd-classic/unix-socket-backlog/run/php-fpm.sock';
    expect(upstreamKey(parseUpstreamUrl(`http://${sock}:/api/orders/2`))).toBe(sock);
    expect(upstreamKey(parseUpstreamUrl(`http://${sock}/api/orders/0`))).toBe(sock);
    expect(parseUpstreamUrl(`http://${sock}/api/orders/0`).path).toBe('/api/orders/0');
  });
});

/** `n` lines of `msg` on `upstream`, a second apart, starting at T0 + `at`. */
function burst(msg: string, upstream: string, at = 0, n = 6, level = 'error'): string[] {
  return Array.from({ length: n }, (_, i) => {
    const t = T0 + at + i * 1000;
    return `${stamp(t)} [${level}] 813#813: *${100 + i} ${msg}, client: 203.0.113.7, server: shop.example.com, request: "GET /api/x HTTP/1.1", upstream: "${upstream}/api/x", host: "shop.example.com"`;
  });
}

function only(lines: string[], extra: Parameters<typeof runScenario>[0] = { lines: [] }): Incident {
  const { incidents } = runScenario({ ...extra, lines });
  expect(incidents).toHaveLength(1);
  return incidents[0]!;
}

const TCP13 = 'connect() to 172.18.0.5:3000 failed (13: Permission denied) while connecting to upstream';
const UNIX13 = 'connect() to unix:/run/app/app.sock failed (13: Permission denied) while connecting to upstream';

describe('the errno decides the diagnosis', () => {
  it('a 13 on TCP is a permission fault (SELinux), never "nothing listens" or "refused"', () => {
    const i = only(burst(TCP13, 'http://172.18.0.5:3000', 0, 6, 'crit'));
    expect(i.diagnosis.patternId).toBe('upstream-permission-denied');
    const text = [i.diagnosis.title, i.diagnosis.summary, i.diagnosis.explanation, ...i.diagnosis.reasons].join(' ');
    expect(text).not.toMatch(/nothing listens|refused|not listening/i);
    expect(text).toContain('permission denied (13)');
  });

  it('a 13 on TCP during a restart of the matched container is still the permission fault', () => {
    const ctr = { ...BACKEND };
    const lines = burst(TCP13, 'http://172.18.0.5:3000', 0, 8, 'crit');
    const i = only(lines, {
      lines,
      containers: inspect({ c: ctr, ip: '172.18.0.5', expose: [3000] }),
      events: seq.dockerRestart(ctr, T0 - 500),
    });
    expect(i.match?.name).toBe(BACKEND.name);
    expect(i.diagnosis.patternId).toBe('upstream-permission-denied');
    expect(i.diagnosis.fixIds).toEqual(['selinux-network-connect']);
  });

  it('a 13 on a unix socket is the socket file permissions', () => {
    const i = only(burst(UNIX13, 'http://unix:/run/app/app.sock:', 0, 6, 'crit'));
    expect(i.diagnosis.patternId).toBe('unix-socket-permission');
    expect(i.burst.upstreamKey).toBe('unix:/run/app/app.sock');
  });

  it('summaries name the kinds seen: a mixed burst lists each kind with its count', () => {
    const lines = [
      ...burst('connect() failed (111: Connection refused) while connecting to upstream', 'http://172.18.0.9:3000', 0, 3),
      ...burst('recv() failed (104: Connection reset by peer) while reading response header from upstream', 'http://172.18.0.9:3000', 3000, 4),
    ];
    // Log goes on after the burst: recovered, no Docker evidence → transient, worded from the kinds.
    lines.push(`${stamp(T0 + 60_000)} [notice] 813#813: signal process started`);
    const i = only(lines);
    expect(i.diagnosis.patternId).toBe('transient-refused');
    expect(i.diagnosis.summary).toContain('connection reset (104) ×4, connection refused (111) ×3');
    expect(i.diagnosis.summary).not.toMatch(/refused 7 requests/);
  });
});

const RESTART_OR_RETRY = ['compose-healthcheck', 'compose-depends-on-healthy', 'compose-restart-policy', 'nginx-retry', 'nginx-backup-peer', 'nginx-keepalive', 'k8s-probes', 'supervisor-grace'];

describe('fixes of configuration faults', () => {
  const CASES = [
    { folder: 'classic-too-big-header', pattern: 'header-too-big', diff: /\+\s+proxy_buffer_size 32k;\n\+\s+proxy_buffers 8 32k;/ },
    { folder: 'classic-https-to-plain', pattern: 'scheme-https-to-plain', diff: /-\s+proxy_pass https:\/\/127\.0\.0\.1:40310;\n\+\s+proxy_pass http:\/\/127\.0\.0\.1:40310;/ },
    { folder: 'classic-upstream-ssl-handshake', pattern: 'upstream-ssl-handshake', diff: /\+\s+proxy_ssl_protocols TLSv1\.2 TLSv1\.3;\n\+\s+proxy_ssl_server_name on;/ },
  ];

  it.each(CASES)('$pattern: a diff of the recorded nginx.conf, and no restart, retry or healthcheck advice', async ({ folder, pattern, diff }) => {
    const lines = readFileSync(path.join(FIX, folder, 'error.log'), 'utf8').split('\n').filter(Boolean);
    const i = only(lines);
    expect(i.diagnosis.patternId).toBe(pattern);
    expect(i.diagnosis.fixIds.filter((id) => RESTART_OR_RETRY.includes(id))).toEqual([]);
    const proposal = await proposeFix(fixInputFor(i, { nginxConf: path.join(FIX, folder, 'nginx.conf'), compose: null, k8s: [], systemd: null, healthPath: null }));
    expect(proposal.files).toHaveLength(1);
    expect(proposal.files[0]!.diff).toMatch(diff);
    const all = [...proposal.advice, ...(proposal.otherPlatformAdvice ?? []), ...proposal.warnings, ...proposal.files.flatMap((f) => [f.diff, ...f.notes])].join('\n');
    expect(all).not.toMatch(/healthcheck|restart|proxy_next_upstream|max_fails|backup|startupProbe/i);
  });

  it('every pattern of a configuration fault lists no restart, retry or healthcheck fix', () => {
    for (const id of ['header-too-big', 'scheme-https-to-plain', 'scheme-http-to-tls', 'upstream-ssl-handshake', 'upstream-permission-denied', 'unix-socket-permission', 'unix-socket-backlog']) {
      const p = JSON.parse(readFileSync(path.join(REPO, 'patterns', `${id}.json`), 'utf8')) as { fixes: string[] };
      expect({ id, bad: p.fixes.filter((f) => RESTART_OR_RETRY.includes(f)) }).toEqual({ id, bad: [] });
    }
  });

  it('unix-socket fixes speak of the socket file, never of a resolver, an IP or DNS', async () => {
    for (const folder of ['classic-unix-socket-permission', 'classic-unix-socket-missing', 'classic-unix-socket-backlog']) {
      const lines = readFileSync(path.join(FIX, folder, 'error.log'), 'utf8').split('\n').filter(Boolean);
      const i = only(lines);
      const proposal = await proposeFix(fixInputFor(i, { nginxConf: null, compose: null, k8s: [], systemd: null, healthPath: null }));
      const text = [i.diagnosis.explanation, ...proposal.advice].join('\n');
      expect(proposal.advice.length).toBeGreaterThan(0);
      expect(text).toContain(i.burst.upstreamKey.replace(/^unix:/, ''));
      expect(text).not.toMatch(/resolver|new IP|\bIP\b|nslookup|127\.0\.0\.11/);
    }
  });

  it('resolver advice is never given for a unix socket, even when a rule asks for it', async () => {
    const base = { upstream: { host: 'unix:/run/app/app.sock', port: null }, upstreamKey: 'unix:/run/app/app.sock', service: null, container: null, image: null, timeToReadyMs: null, notRetriedLost: 0, writesLost: 0 };
    const unix = await proposeFix({ ...base, fixIds: ['nginx-resolve'] });
    expect(unix.advice.join('\n')).not.toMatch(/resolver|new IP/);
    const tcp = await proposeFix({ ...base, fixIds: ['nginx-resolve'], upstream: { host: 'backend', port: 3000 }, upstreamKey: 'backend:3000' });
    expect(tcp.advice.join('\n')).toMatch(/resolver 127\.0\.0\.11/);
  });

  it('a single `[emerg] host not found in upstream` line is an incident: nginx did not start', () => {
    const i = only([`${stamp(T0)} [emerg] 40#40: host not found in upstream "backend:3000" in /etc/nginx/conf.d/default.conf:12`]);
    expect(i.diagnosis.patternId).toBe('host-not-found');
    expect(i.burst.upstreamKey).toBe('backend:3000');
    expect(i.diagnosis.fixIds).toEqual(['startup-dependency']);
  });
});
