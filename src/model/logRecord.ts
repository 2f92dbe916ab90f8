/**
 * What one nginx error-log line becomes. Produced by `parse/nginxLine.ts`, consumed by
 * burst detection, reports and the UI. Plain data: no methods, safe to structured-clone.
 */

export const LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * Upstream failure classes. `null` on a record means "a valid nginx line that is not an
 * upstream failure" (client closed, access forbidden, start-up notices, …).
 */
export const UPSTREAM_ERROR_KINDS = [
  'refused', // (111: Connection refused) — nothing listening on the peer's port
  'timeout', // (110: Connection timed out) / upstream timed out
  'reset', // (104: Connection reset by peer)
  'no-route', // (113: No route to host), ENETUNREACH, EHOSTDOWN
  'broken-pipe', // (32: Broken pipe) on send/writev to upstream
  'no-live-upstreams', // every peer of the group is marked failed
  'premature-close', // upstream prematurely closed connection
  'invalid-header', // sent invalid header / no valid HTTP/1.0 header / invalid chunked
  'ssl-handshake', // SSL_do_handshake() failed … while SSL handshaking to upstream
  'unix-socket', // connect() to unix:… failed (2: No such file) / (111: refused: a stale socket file)
  'resolve', // X could not be resolved (N: …): a run-time lookup (resolver + variable) failed
  'disabled', // upstream server temporarily disabled (warn, max_fails reached)
  'permission', // (13: Permission denied) on connect: SELinux/policy (TCP) or the socket file's mode (unix)
  'backlog-full', // connect() to unix:… failed (11: Resource temporarily unavailable): its listen queue is full
  'header-too-big', // upstream sent too big header: the response header outgrew proxy_buffer_size
  'ssl-wrong-version', // SSL handshake to upstream got `wrong version number`: https:// to a plain-HTTP port
  'host-not-found', // [emerg] host not found in upstream "x": nginx could not start
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

export interface UpstreamAddress {
  /** As nginx wrote it: `http://127.0.0.1:3000/api/orders`. */
  url: string;
  scheme: string;
  /** IP, host name, upstream group name, or `unix:/path` for unix sockets. */
  host: string;
  /** Explicit port or the scheme's default; null for unix sockets and port-less group names. */
  port: number | null;
  path: string;
}

export interface RequestLine {
  method: string;
  path: string;
  protocol: string;
}

export interface LogRecord {
  /** File path or `-` for stdin. */
  source: string;
  /** 1-based line number within the source. */
  line: number;
  /** Epoch milliseconds, resolved from the local time with the configured time zone. */
  time: number;
  /** The timestamp as written in the log (`2024/01/15 03:12:44`), local time, no zone. */
  localTime: string;
  level: Level;
  pid: number;
  tid: number;
  /** `*CONN` connection number; absent on start-up and signal lines. */
  conn: number | null;
  /** Message text before the first `, client:` style field (errno and `while …` included). */
  message: string;
  errno: number | null;
  strerror: string | null;
  /** The `while …` action, e.g. `connecting to upstream`. */
  action: string | null;
  kind: UpstreamErrorKind | null;
  client: string | null;
  server: string | null;
  request: RequestLine | null;
  upstream: UpstreamAddress | null;
  host: string | null;
  referrer: string | null;
  /** The line as read (CR stripped, not sanitised: sanitise at the edge that draws it). */
  raw: string;
}

export type UnparsedReason = 'not-nginx' | 'binary' | 'too-long' | 'bad-time' | 'empty';

/** A line that could not be read as an nginx error-log line: counted, never silently dropped. */
export interface UnparsedLine {
  source: string;
  line: number;
  reason: UnparsedReason;
  /** At most 200 characters of the line, for evidence. */
  excerpt: string;
}

export type ParsedLine = { ok: true; record: LogRecord } | { ok: false; unparsed: UnparsedLine };

/**
 * Methods nginx never passes to the next upstream once the request was sent, unless
 * `proxy_next_upstream non_idempotent` is set (ngx_http_upstream_next tests
 * `u->request_sent && method & (POST|LOCK|PATCH)`). PUT and DELETE are idempotent to nginx.
 */
export const NOT_RETRIED_METHODS: ReadonlySet<string> = new Set(['POST', 'LOCK', 'PATCH']);

/**
 * `while …` actions after nginx began sending the request (u->request_sent). A failure while
 * connecting or SSL handshaking happened before: nginx retries even a POST then, since the
 * backend never saw it.
 */
export const REQUEST_SENT_ACTIONS: ReadonlySet<string> = new Set([
  'sending request to upstream',
  'reading response header from upstream',
  'reading upstream',
  'proxying upgraded connection',
]);

/** State-changing requests: a 502 on one of these may mean a lost write the client must repeat. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
