/**
 * Golden corpus: for every nginx fixture, the proposed diff matches the stored one, applies with
 * the real `patch`, gives a config the real `nginx -t` accepts, and a second run proposes nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { FIXTURES, NGINX, golden, input, makeCerts, nginxT, patchAll, tempCopy } from './helpers.js';

interface Scenario {
  key: string;
  host: string;
  port: number | null;
  /** Text the diff must contain. */
  expect: string[];
  /** The original does not pass nginx -t (deliberately broken). */
  broken?: boolean;
  noChange?: boolean;
}

const LOCAL = (port = 3000) => ({ key: `127.0.0.1:${port}`, host: '127.0.0.1', port });

const SCENARIOS: Record<string, Scenario> = {
  'single-peer': { ...LOCAL(), expect: ['max_fails=3 fail_timeout=10s', '# server 127.0.0.1:3001 backup;', 'keepalive 16;', 'proxy_set_header Connection "";', 'proxy_next_upstream_timeout 12s;'] },
  'direct-address': { ...LOCAL(), expect: ['+    upstream backend_upstream {', '+            proxy_pass http://backend_upstream/api/;'] },
  'multi-peer': { ...LOCAL(), expect: ['server 127.0.0.1:3001 max_fails=3 fail_timeout=10s;', 'proxy_next_upstream_tries 3;'] },
  'includes-glob': { ...LOCAL(3001), expect: ['--- conf.d/00-upstreams.conf', '--- sites/app/site.conf'] },
  'map-websocket': { ...LOCAL(), expect: ['location /api/'] },
  ssl: { ...LOCAL(), expect: ['keepalive 16;'] },
  'multiple-servers': { ...LOCAL(), expect: ['# repeated from nginx.conf:', '+            proxy_set_header Host $host;'] },
  'unix-socket': { key: 'unix:/run/app/gunicorn.sock', host: 'unix:/run/app/gunicorn.sock', port: null, expect: ['server unix:/run/app/gunicorn.sock fail_timeout=0 max_fails=3;'] },
  'already-fixed': { ...LOCAL(), expect: [], noChange: true },
  'partially-fixed': { ...LOCAL(), expect: ['max_fails=2 fail_timeout=10s', 'proxy_http_version 1.1;'] },
  'unparseable-block': { ...LOCAL(), expect: ['keepalive 16;'], broken: true },
  'one-line-blocks': { ...LOCAL(), expect: ['keepalive 16;'] },
  'tabs-indent': { ...LOCAL(), expect: ['+\t\t\tproxy_http_version 1.1;', '+\t\tkeepalive 16;'] },
  'nested-locations': { ...LOCAL(3001), expect: ['proxy_next_upstream error timeout http_502 http_503;'] },
  'quoted-escapes': { ...LOCAL(), expect: ['proxy_http_version 1.1;'] },
  'localhost-name': { ...LOCAL(), expect: ['server localhost:3000 max_fails=3 fail_timeout=10s;'] },
  crlf: { ...LOCAL(), expect: ['keepalive 16;'] },
  'proxy-variable': { ...LOCAL(), expect: ['location / {'] },
  // The upstream group named in the error line (`upstream: "http://backend/…"`).
  'single-peer-by-group': { key: 'backend', host: 'backend', port: null, expect: ['keepalive 16;'] },
};

function fixtureDir(name: string): string {
  return path.join(FIXTURES, 'nginx', name === 'single-peer-by-group' ? 'single-peer' : name);
}

describe.skipIf(!NGINX)('nginx golden corpus', () => {
  for (const [name, s] of Object.entries(SCENARIOS)) {
    test(name, async () => {
      const dir = tempCopy(fixtureDir(name));
      if (name === 'ssl') makeCerts(dir);
      const fixInput = input({ nginxConf: path.join(dir, 'nginx.conf'), upstreamKey: s.key, upstream: { host: s.host, port: s.port }, cwd: dir });
      const before = await nginxT(dir);
      expect(before.ok, before.output).toBe(!s.broken);

      const proposal = await proposeFix(fixInput);
      const diff = proposal.files.map((f) => f.diff).join('');
      expect(diff).toBe(golden(name, diff));
      for (const e of s.expect) expect(diff).toContain(e);
      if (s.noChange) expect(diff).toBe('');
      else expect(diff).not.toBe('');

      patchAll(dir, proposal);
      if (!s.broken) {
        const after = await nginxT(dir);
        expect(after.ok, after.output).toBe(true);
      }
      // Idempotent: the patched config gets no further change.
      const again = await proposeFix(fixInput);
      expect(again.files.map((f) => f.diff).join('')).toBe('');
    });
  }
});

test('the unparseable block is skipped and reported with file:line, the rest is fixed', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/unparseable-block'));
  const proposal = await proposeFix(input({ nginxConf: path.join(dir, 'nginx.conf'), cwd: dir }));
  expect(proposal.warnings.join('\n')).toMatch(/nginx\.conf:\d+: skipped the "location \/broken\/" block: "proxy_pass" is not terminated by ";"/);
  const diff = proposal.files[0]!.diff;
  expect(diff).toContain('proxy_next_upstream error timeout http_502 http_503;');
  expect(readFileSync(path.join(dir, 'nginx.conf'), 'utf8')).toContain('location /broken/');
});

test('single-peer note, sizing note and the non_idempotent warning with the count', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
  const proposal = await proposeFix(input({ nginxConf: path.join(dir, 'nginx.conf'), cwd: dir, notRetriedLost: 7, writesLost: 9 }));
  const notes = proposal.files.flatMap((f) => f.notes).join('\n');
  expect(notes).toContain('has a single server (127.0.0.1:3000)');
  expect(notes).toContain('second peer or a `backup` server');
  expect(notes).toContain('measured time to ready 8s');
  const warnings = proposal.warnings.join('\n');
  expect(warnings).toContain('7 POST/PATCH/LOCK requests got a 502');
  expect(warnings).toContain('9 writes in all');
  expect(warnings).toContain('NOT added');
  expect(proposal.files[0]!.diff).not.toContain('non_idempotent');
});

test('a host name upstream is found through the compose service name', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
  const conf = path.join(dir, 'nginx.conf');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('server 127.0.0.1:3000;', 'server backend:3000;').replace('upstream backend', 'upstream app'));
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('http://backend', 'http://app'));
  const proposal = await proposeFix(
    input({ nginxConf: conf, cwd: dir, upstreamKey: '172.18.0.5:3000', upstream: { host: '172.18.0.5', port: 3000 }, service: 'backend' }),
  );
  expect(proposal.files[0]!.diff).toContain('server backend:3000 max_fails=3 fail_timeout=10s;');
  expect(proposal.files[0]!.diff).toContain('# server backend-2:3000 backup;');
});

test('no matching upstream: a warning, no file', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
  const proposal = await proposeFix(input({ nginxConf: path.join(dir, 'nginx.conf'), cwd: dir, upstreamKey: '10.0.0.9:9999', upstream: { host: '10.0.0.9', port: 9999 } }));
  expect(proposal.files).toHaveLength(0);
  expect(proposal.warnings.join('\n')).toContain('reaches 10.0.0.9:9999');
});
