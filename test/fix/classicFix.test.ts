/**
 * The proposed fix of a configuration fault, proven on real nginx: the recorded incident's
 * nginx.conf (fixtures/incidents/classic-*) serves 502 against the recorded kind of backend; the
 * diff restartdoctor proposes, applied with the real `patch`, passes `nginx -t` and serves 200.
 * Loopback only (nginx 127.0.0.1:40300, backend 127.0.0.1:40310, the ports the recording used).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../../src/session/analyze.js';
import { fixInputFor } from '../../src/session/enrich.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { proposeFix } from '../../src/fix/propose.js';
import { makeCerts, NGINX, patchAll, REPO, tempCopy } from './helpers.js';
import { requireNginx } from '../support/nginx.js';

const run = promisify(execFile);
const NGINX_PORT = 40300;
const BACKEND_PORT = 40310;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function get(p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: NGINX_PORT, path: p, agent: false, maxHeaderSize: 64 * 1024, headers: { host: 'app.example.test' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** nginx on the folder's config, serving once /__ready answers; returns its (idempotent) stop. */
async function startNginx(dir: string): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(NGINX!, ['-p', dir + '/', '-c', 'nginx.conf', '-e', 'logs/error.log', '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
  };
  cleanup.push(stop);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(path.join(dir, 'logs/error.log'), 'utf8')}`);
    if ((await get('/__ready').catch(() => 0)) === 200) return stop;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('nginx did not serve /__ready');
}

async function listen(server: http.Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(BACKEND_PORT, '127.0.0.1', () => resolve());
  });
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
}

function answer(headers: http.OutgoingHttpHeaders = {}): http.RequestListener {
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end('{"ok":true}\n');
    });
  };
}

/** The recorded folder in a temp dir, with the dirs its nginx.conf names. */
function copyOf(folder: string): string {
  const dir = tempCopy(path.join(REPO, 'fixtures/incidents', folder));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['logs', 'tmp']) mkdirSync(path.join(dir, d), { recursive: true });
  return dir;
}

async function proposal(dir: string) {
  const { incidents } = await analyze({ logs: [path.join(dir, 'error.log')], events: null, containers: null, tz: 'UTC', patterns: loadPatterns() });
  expect(incidents).toHaveLength(1);
  return proposeFix({ ...fixInputFor(incidents[0]!, { nginxConf: path.join(dir, 'nginx.conf'), compose: null, k8s: [], systemd: null, healthPath: null }), cwd: dir });
}

const CASES: { folder: string; backend: (dir: string) => http.Server }[] = [
  { folder: 'classic-too-big-header', backend: () => http.createServer(answer({ 'set-cookie': `session=${'x'.repeat(16 * 1024)}; Path=/` })) },
  { folder: 'classic-https-to-plain', backend: () => http.createServer(answer()) },
  {
    folder: 'classic-upstream-ssl-handshake',
    backend: (dir) => {
      makeCerts(dir);
      const tls = { key: readFileSync(path.join(dir, 'certs/self.key')), cert: readFileSync(path.join(dir, 'certs/self.crt')) };
      return https.createServer({ ...tls, minVersion: 'TLSv1.3' }, answer()) as unknown as http.Server;
    },
  },
];

describe('the fix of a recorded configuration fault works on real nginx', () => {
  it.each(CASES)('$folder: 502 before, the proposed diff passes nginx -t, 200 after', async ({ folder, backend }) => {
    if (!requireNginx()) return;
    const dir = copyOf(folder);
    await listen(backend(dir));
    const unfixed = await startNginx(dir);
    expect(await get('/api/orders/1')).toBe(502);
    const p = await proposal(dir);
    expect(p.files.map((f) => f.diff).join('')).not.toBe('');
    patchAll(dir, p);
    await run(NGINX!, ['-t', '-q', '-p', dir + '/', '-c', 'nginx.conf', '-e', 'logs/error.log']);
    await unfixed();
    await startNginx(dir);
    expect(await get('/api/orders/1')).toBe(200);
  });
});
