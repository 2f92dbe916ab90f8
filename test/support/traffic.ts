/**
 * Test traffic through a local nginx: GET/POST mix at a fixed rate, bounded by count AND time,
 * 127.0.0.1 only. Reuses the drill's load generator (the measurement under test is nginx's access
 * log, which is the ground truth; these samples are what the client saw).
 */
import { startLoad, type LoadResult, type LoadRun } from '../../src/drill/load.js';

export type { LoadResult, LoadRun };

export interface TrafficOptions {
  /** http://127.0.0.1:PORT/path — anything else is refused. */
  url: string;
  count: number;
  ratePerSec: number;
  /** Cycled: ['GET', 'POST'] alternates. */
  methods?: string[];
  /** Hard bound on sending; defaults to the planned duration plus 50 %. */
  maxDurationMs?: number;
  requestTimeoutMs?: number;
}

export function startTraffic(opts: TrafficOptions): LoadRun {
  const url = new URL(opts.url);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
    throw new Error(`test traffic goes to http://127.0.0.1 only, not ${opts.url}`);
  }
  if (!(opts.count > 0 && opts.count <= 10_000)) throw new Error(`traffic count out of range: ${opts.count}`);
  if (!(opts.ratePerSec > 0 && opts.ratePerSec <= 500)) throw new Error(`traffic rate out of range: ${opts.ratePerSec}`);
  const planned = (opts.count / opts.ratePerSec) * 1000;
  return startLoad({
    url,
    requests: opts.count,
    ratePerSec: opts.ratePerSec,
    methods: opts.methods ?? ['GET', 'POST'],
    deadlineMs: opts.maxDurationMs ?? Math.ceil(planned * 1.5) + 1000,
    requestTimeoutMs: opts.requestTimeoutMs ?? 5000,
    maxInFlight: 32,
  });
}
