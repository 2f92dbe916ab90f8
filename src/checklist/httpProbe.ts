/**
 * The health probe: one HTTP GET with Node's own client (no curl), a connect timeout separate
 * from the total one, and the errno named and explained, because "refused", "timed out" and
 * "no route" point at different causes (app down vs. packets dropped vs. stale IP).
 */
import http from 'node:http';
import net from 'node:net';

const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 5_000;
/** Enough of the body to quote as evidence; the rest is drained and dropped. */
const BODY_SNIPPET_BYTES = 200;

/** Our own codes for the two timeouts, so the connect phase and the response phase are told apart. */
export const CONNECT_TIMEOUT = 'ETIMEDOUT';
export const RESPONSE_TIMEOUT = 'ERESPONSETIMEOUT';

const ERROR_MEANINGS: Record<string, string> = {
  ECONNREFUSED:
    'nothing listens on that port (the kernel answered with a reset): the app is down, restarting or not yet listening',
  [CONNECT_TIMEOUT]:
    'no answer to the connection attempt: packets are dropped (firewall), the host is down, or the listen backlog is full',
  [RESPONSE_TIMEOUT]:
    'the port accepted the connection but the app did not answer in time: listening but stuck, overloaded or still booting',
  EHOSTUNREACH:
    'no route to that host: the IP belongs to no live machine or container (a stale container IP after a recreate)',
  ENETUNREACH: 'the network of that address is unreachable from here: wrong IP or a missing network attachment',
  ECONNRESET:
    'the connection was accepted then reset: the app closed or crashed mid-request, or is shutting down',
  EPIPE: 'the peer closed the connection while the request was being sent: the app is going away',
  ENOTFOUND: 'the host name does not resolve from here: a wrong name or a service that no longer exists',
  EAI_AGAIN: 'name resolution failed temporarily: the resolver (Docker DNS or /etc/resolv.conf) did not answer',
  EADDRNOTAVAIL: 'that address cannot be used from this machine: a wrong or foreign IP',
  HPE_INVALID_CONSTANT: 'the port answered, but not with HTTP: a different protocol (TLS, a database) listens there',
};

/** One sentence for an error code; HTTP parser errors share one meaning. */
export function errorMeaning(code: string): string {
  if (ERROR_MEANINGS[code]) return ERROR_MEANINGS[code];
  if (code.startsWith('HPE_')) return 'the port answered with something that is not valid HTTP';
  return `the request failed (${code})`;
}

export interface HttpProbeOptions {
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  now?: () => number;
}

export interface HttpProbeResult {
  url: string;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** 2xx. */
  ok: boolean;
  /** Start → end of the response (or the failure), in ms. */
  latencyMs: number;
  /** Start → TCP connected, when it connected. */
  connectMs: number | null;
  /** ECONNREFUSED, ETIMEDOUT, ERESPONSETIMEOUT, EHOSTUNREACH, ECONNRESET, … or null on a response. */
  code: string | null;
  /** Numeric errno when the OS gave one (111 for ECONNREFUSED). */
  errno: number | null;
  /** The first bytes of the body, for evidence. */
  bodySnippet: string;
  /** One sentence: what this answer means. */
  meaning: string;
}

/** `host:port` with brackets for IPv6, as in a URL. */
export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function healthUrl(host: string, port: number, path: string): string {
  return `http://${formatHostPort(host, port)}${path.startsWith('/') ? path : `/${path}`}`;
}

function statusMeaning(status: number): string {
  if (status >= 200 && status < 300) return 'the app answers';
  if (status === 404) return 'the app answers but has no such health path: the path is wrong, not the app';
  if (status >= 500) return 'the app is up but reports itself unhealthy (or a dependency is failing)';
  return `the app answers with HTTP ${status}, which is not a healthy 2xx`;
}

/** GET `url`; never throws: every failure becomes a result with a code and a meaning. */
export function probeHttp(url: string, options: HttpProbeOptions = {}): Promise<HttpProbeResult> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const now = options.now ?? (() => performance.now());
  const started = now();

  return new Promise((resolve) => {
    let connectMs: number | null = null;
    let settled = false;
    let timeoutCode: string | null = null;
    const timers: NodeJS.Timeout[] = [];

    const finish = (partial: Pick<HttpProbeResult, 'status' | 'code' | 'errno' | 'bodySnippet' | 'meaning'>): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      const status = partial.status;
      resolve({
        url,
        ...partial,
        ok: status !== null && status >= 200 && status < 300,
        latencyMs: Math.round(now() - started),
        connectMs,
      });
    };
    const fail = (code: string, errno: number | null): void =>
      finish({ status: null, code, errno, bodySnippet: '', meaning: errorMeaning(code) });

    let req: http.ClientRequest;
    try {
      // agent:false: a fresh connection every time, so a pooled socket never hides a refused port.
      req = http.get(url, { agent: false, headers: { 'user-agent': 'restartdoctor-check' } });
    } catch (err) {
      fail((err as NodeJS.ErrnoException).code ?? 'EINVAL', null);
      return;
    }
    const abort = (code: string): void => {
      timeoutCode = code;
      req.destroy();
    };
    timers.push(setTimeout(() => abort(RESPONSE_TIMEOUT), totalTimeoutMs));
    req.on('socket', (socket) => {
      const connectTimer = setTimeout(() => abort(CONNECT_TIMEOUT), connectTimeoutMs);
      timers.push(connectTimer);
      socket.once('connect', () => {
        connectMs = Math.round(now() - started);
        clearTimeout(connectTimer);
      });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_SNIPPET_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).subarray(0, BODY_SNIPPET_BYTES).toString('utf8');
        finish({ status, code: null, errno: null, bodySnippet: body, meaning: statusMeaning(status) });
      });
      res.on('error', () => undefined); // 'close' on the request reports the failure
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (timeoutCode) {
        // A timeout in the connect phase is ETIMEDOUT (110); after connecting it is our response timeout.
        fail(timeoutCode, timeoutCode === CONNECT_TIMEOUT ? 110 : null);
        return;
      }
      const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : null;
      fail(err.code ?? 'EIO', errno);
    });
    req.on('close', () => {
      if (!settled) fail(timeoutCode ?? 'ECONNRESET', null);
    });
  });
}
