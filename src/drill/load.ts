/**
 * A bounded HTTP load generator: at most `requests` requests, none sent after `deadlineMs`, each
 * one given up after `requestTimeoutMs`. So the whole run ends by deadline + request timeout,
 * whatever the server does. Records one sample per request; never throws for a failed request.
 */
import http from 'node:http';
import https from 'node:https';

export interface LoadPlan {
  url: URL;
  /** Upper bound on requests sent. */
  requests: number;
  /** Requests per second, spread evenly (open loop: a slow answer does not slow the sender). */
  ratePerSec: number;
  /** Cycled in order: GET,POST → GET, POST, GET, POST… */
  methods: string[];
  /** Wall-clock bound from the start: no request is sent after it. */
  deadlineMs: number;
  requestTimeoutMs: number;
  /** Bound on requests waiting for an answer at once (a hung server cannot pile up sockets). */
  maxInFlight?: number;
}

export interface RequestSample {
  seq: number;
  method: string;
  /** Epoch ms when the request was sent / when its answer (or failure) arrived. */
  sentAt: number;
  doneAt: number;
  latencyMs: number;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** ECONNREFUSED, ECONNRESET, ETIMEOUT, … when no response arrived. */
  error: string | null;
  /**
   * The request went out on a keep-alive socket an earlier request had used. An ECONNRESET there
   * before any answer can be the server closing an idle connection as the request was written
   * (a race every keep-alive client has), not the backend being away: the report names it apart.
   */
  reusedSocket?: boolean;
}

export interface LoadResult {
  startedAt: number;
  endedAt: number;
  samples: RequestSample[];
  /** True when the deadline (or stop()) cut the run before all requests were sent. */
  cutShort: boolean;
}

export interface LoadRun {
  done: Promise<LoadResult>;
  /** Stop sending; requests in flight still finish (within their timeout). */
  stop(): void;
  /** Requests sent so far. */
  sent(): number;
}

const WRITE_BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function startLoad(plan: LoadPlan, now: () => number = Date.now): LoadRun {
  const client = plan.url.protocol === 'https:' ? https : http;
  // Keep-alive to the proxy like a real client; bounded sockets so a hung proxy cannot take them all.
  const agent = new client.Agent({ keepAlive: true, maxSockets: plan.maxInFlight ?? 64 });
  const maxInFlight = plan.maxInFlight ?? 64;
  const intervalMs = 1000 / plan.ratePerSec;
  const samples: RequestSample[] = [];
  let stopped = false;
  let sent = 0;
  let inFlight = 0;
  let cutShort = false;

  function one(seq: number, method: string): Promise<void> {
    const sentAt = now();
    const body = WRITE_BODY_METHODS.has(method) ? JSON.stringify({ drill: seq }) : null;
    return new Promise<void>((resolve) => {
      let finished = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (status: number | null, error: string | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const doneAt = now();
        samples.push({ seq, method, sentAt, doneAt, latencyMs: doneAt - sentAt, status, error, reusedSocket: req.reusedSocket });
        resolve();
      };
      const req = client.request(
        plan.url,
        {
          method,
          agent,
          headers: {
            'user-agent': 'restartdoctor-drill',
            ...(body !== null ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          // Drain the body: the status is what is measured, the connection goes back to the pool.
          res.on('data', () => undefined);
          res.on('end', () => finish(res.statusCode ?? null, null));
          res.on('error', (err: NodeJS.ErrnoException) => finish(res.statusCode ?? null, err.code ?? 'ERESPONSE'));
          // Closed before the end of the body: the status line arrived, so it counts.
          res.on('close', () => finish(res.statusCode ?? null, res.complete ? null : 'EINCOMPLETE'));
        },
      );
      // A hard bound on the whole exchange (req.setTimeout is only an idle timer: a server that
      // trickles a byte every few seconds would outlive it).
      timer = setTimeout(() => {
        finish(null, 'ETIMEOUT');
        req.destroy();
      }, plan.requestTimeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(null, err.code ?? 'EREQUEST'));
      if (body !== null) req.write(body);
      req.end();
    });
  }

  const startedAt = now();
  const done = (async (): Promise<LoadResult> => {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < plan.requests; i++) {
      const target = startedAt + i * intervalMs;
      if (target > startedAt + plan.deadlineMs) {
        cutShort = true;
        break;
      }
      await sleep(target - now());
      // Bounded wait for a free slot: every in-flight request ends within its timeout.
      while (inFlight >= maxInFlight && !stopped && now() < startedAt + plan.deadlineMs) await sleep(5);
      if (stopped || now() > startedAt + plan.deadlineMs) {
        cutShort = true;
        break;
      }
      const method = plan.methods[i % plan.methods.length] ?? 'GET';
      inFlight++;
      sent++;
      pending.push(one(i + 1, method).finally(() => inFlight--));
    }
    await Promise.all(pending);
    agent.destroy();
    samples.sort((a, b) => a.seq - b.seq);
    return { startedAt, endedAt: now(), samples, cutShort };
  })();

  return {
    done,
    stop: () => {
      stopped = true;
    },
    sent: () => sent,
  };
}
