import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMeaning, formatHostPort, healthUrl, probeHttp } from '../../src/checklist/httpProbe.js';

const servers: net.Server[] = [];
const accepted: net.Socket[] = [];
function serve(server: net.Server, port: number, host: string): Promise<void> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => accepted.push(socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

beforeAll(async () => {
  await serve(
    http.createServer((req, res) => {
      if (req.url === '/health') res.end('ok\n');
      else if (req.url === '/boom') {
        res.statusCode = 503;
        res.end('db down');
      } else {
        res.statusCode = 404;
        res.end();
      }
    }),
    39240,
    '127.0.0.1',
  );
  await serve(http.createServer((_req, res) => res.end('v6')), 39241, '::1');
  await serve(net.createServer((socket) => socket.resetAndDestroy()), 39242, '127.0.0.1'); // accept, then RST
  await serve(net.createServer(() => undefined), 39243, '127.0.0.1'); // accept, never answer
});
afterAll(async () => {
  for (const s of accepted) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('probeHttp with Node http against real sockets', () => {
  it('reports status, latency and the body of a healthy answer', async () => {
    const r = await probeHttp('http://127.0.0.1:39240/health');
    expect(r).toMatchObject({ status: 200, ok: true, code: null, errno: null, bodySnippet: 'ok\n', meaning: 'the app answers' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeLessThan(2000);
    expect(r.connectMs).not.toBeNull();
  });

  it('reaches an IPv6 loopback server through a bracketed URL', async () => {
    expect(healthUrl('::1', 39241, 'health')).toBe('http://[::1]:39241/health');
    const r = await probeHttp(healthUrl('::1', 39241, '/health'));
    expect(r.status).toBe(200);
    expect(r.bodySnippet).toBe('v6');
  });

  it('tells a wrong path (404) and an unhealthy app (503) apart from a dead one', async () => {
    const notFound = await probeHttp('http://127.0.0.1:39240/nope');
    expect(notFound).toMatchObject({ status: 404, ok: false });
    expect(notFound.meaning).toMatch(/path is wrong/);
    const unhealthy = await probeHttp('http://127.0.0.1:39240/boom');
    expect(unhealthy).toMatchObject({ status: 503, ok: false, bodySnippet: 'db down' });
  });

  it('ECONNREFUSED with errno 111 when nothing listens', async () => {
    const r = await probeHttp('http://127.0.0.1:39249/health');
    expect(r).toMatchObject({ status: null, ok: false, code: 'ECONNREFUSED', errno: 111, connectMs: null });
    expect(r.meaning).toBe(errorMeaning('ECONNREFUSED'));
  });

  it('ECONNRESET when the peer accepts and resets', async () => {
    const r = await probeHttp('http://127.0.0.1:39242/health');
    expect(r.code).toBe('ECONNRESET');
    expect(r.meaning).toMatch(/accepted then reset/);
  });

  it('a response timeout when the app accepts but never answers', async () => {
    const r = await probeHttp('http://127.0.0.1:39243/health', { totalTimeoutMs: 300 });
    expect(r.code).toBe('ERESPONSETIMEOUT');
    expect(r.connectMs).not.toBeNull();
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(r.latencyMs).toBeLessThan(1500);
    expect(r.meaning).toMatch(/listening but stuck/);
  });

  describe('connect timeout', () => {
    // A listener whose process never accepts (its event loop is blocked): once the kernel's backlog is
    // full, further SYNs are dropped and a connect hangs, as with a firewall that drops packets.
    let child: ChildProcess;
    const fillers: net.Socket[] = [];
    beforeAll(async () => {
      child = spawn(
        process.execPath,
        ['-e', "require('net').createServer().listen({port:39244,host:'127.0.0.1',backlog:1},()=>{console.log('up');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})"],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      for (let i = 0; i < 3; i++) {
        const s = net.connect(39244, '127.0.0.1');
        s.on('error', () => undefined);
        fillers.push(s);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    afterAll(() => {
      fillers.forEach((s) => s.destroy());
      child.kill('SIGKILL');
    });

    it('ETIMEDOUT (110) after the connect timeout, well before the total timeout', async () => {
      const r = await probeHttp('http://127.0.0.1:39244/health', { connectTimeoutMs: 300, totalTimeoutMs: 5000 });
      expect(r).toMatchObject({ code: 'ETIMEDOUT', errno: 110, connectMs: null, status: null });
      expect(r.latencyMs).toBeGreaterThanOrEqual(290);
      expect(r.latencyMs).toBeLessThan(2000);
      expect(r.meaning).toMatch(/packets are dropped/);
    });
  });

  it('has one sentence for each errno that means something different', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'ENETUNREACH', 'ENOTFOUND']) {
      const m = errorMeaning(code);
      expect(m).not.toContain('\n');
      expect(m.length).toBeGreaterThan(20);
    }
    expect(new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].map(errorMeaning)).size).toBe(4);
    expect(errorMeaning('HPE_INVALID_HEADER_TOKEN')).toMatch(/not valid HTTP/);
    expect(formatHostPort('::1', 80)).toBe('[::1]:80');
  });

  it('never throws on a malformed URL', async () => {
    const r = await probeHttp('http://exa mple:99999/');
    expect(r.ok).toBe(false);
    expect(r.code).toBeTruthy();
  });
});
