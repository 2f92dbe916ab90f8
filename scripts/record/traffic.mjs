/**
 * The recordings' client: bounded HTTP traffic through nginx on 127.0.0.1 (scripts/record/lib.mjs
 * re-exports it).
 */
import http from 'node:http';

/**
 * Bounded traffic to 127.0.0.1 only: `rate` req/s alternating GET and POST over `paths`, one
 * connection per request unless `keepAlive`. `abortAfterMs` makes a share of clients hang up.
 * Stops on stop() or after maxMs, whichever first. Returns counts by status.
 */
export function startTraffic({ base, rate = 20, paths = ['/api/orders'], maxMs = 60_000, keepAlive = false, abortEvery = 0, abortAfterMs = 200 }) {
  const u = new URL(base);
  if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') throw new Error(`traffic goes to http://127.0.0.1 only, not ${base}`);
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 4 }) : false;
  const stats = { sent: 0, byStatus: {}, errors: 0, aborted: 0 };
  let n = 0;
  let inflight = 0;
  const started = Date.now();
  let stopping = false;
  let timer;
  const done = new Promise((resolve) => {
    const tick = () => {
      if (stopping || Date.now() - started > maxMs) {
        clearInterval(timer);
        const poll = setInterval(() => {
          if (inflight === 0) {
            clearInterval(poll);
            if (agent) agent.destroy();
            resolve(stats);
          }
        }, 50);
        return;
      }
      const i = n++;
      const method = i % 2 === 0 ? 'GET' : 'POST';
      const p = paths[i % paths.length];
      const body = method === 'POST' ? JSON.stringify({ order: i, qty: (i % 5) + 1 }) : null;
      const abort = abortEvery > 0 && i % abortEvery === abortEvery - 1;
      inflight++;
      stats.sent++;
      const req = http.request(
        { host: '127.0.0.1', port: u.port, path: `${p}${p.includes('?') ? '&' : '?'}n=${i}`, method, agent, timeout: 5000,
          headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
        (res) => {
          res.resume();
          res.on('end', () => {
            stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
            inflight--;
          });
        },
      );
      let settled = false;
      const fail = (kind) => {
        if (settled) return;
        settled = true;
        stats[kind]++;
        inflight--;
      };
      req.on('error', () => fail(abort ? 'aborted' : 'errors'));
      req.on('timeout', () => req.destroy());
      req.on('response', () => (settled = true));
      if (abort) setTimeout(() => { if (!settled) req.destroy(); }, abortAfterMs);
      if (body) req.write(body);
      req.end();
    };
    timer = setInterval(tick, 1000 / rate);
  });
  return { stop: () => { stopping = true; return done; }, done };
}
