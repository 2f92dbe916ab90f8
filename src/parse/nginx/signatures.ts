/**
 * The one table of nginx upstream failures (DOMAIN.md "Upstream failures and their levels"): which
 * message makes a line an upstream failure, of which kind. classify.ts reads it to classify a line;
 * the fast path takes from it, at start-up, the needles a line must hold to be worth decoding
 * (`needlesOf`) and the bytes that prove a line is not a failure (screen.ts). A new failure phrase
 * is one more row here, and nothing else.
 *
 * Rows are tried in order; the first that matches gives the kind. A row matches when
 * - its phrase stands where it says: at the message's `start`, `anywhere` in the message, or as the
 *   whole `action` (the `while …` part); an `errno` row has no phrase;
 * - `errno`, when given, holds the line's errno;
 * - `upstream` (about an upstream), when true: the line has an `upstream:` field or its action
 *   mentions an upstream. Errno-only rows need it: `(104: Connection reset by peer) while reading
 *   client request line` is the client's problem, not the backend's;
 * - `also`, when given, is in the message before the action too.
 * A row whose kind is null says the line is never a failure (the client left, nginx buffers a
 * response to disk), whatever follows. Leading ones also let the fast path count such a line
 * without reading it further (screen.ts `never`, the WebAssembly scan's plain prefixes).
 */
import type { Level, UpstreamErrorKind } from '../../model/logRecord.js';

type Where = 'start' | 'anywhere' | 'action' | 'errno';

export interface Signature {
  phrase: string;
  where: Where;
  kind: UpstreamErrorKind | null;
  errno?: readonly number[];
  upstream?: boolean;
  also?: string;
  /** The level nginx writes it at (documentation, and the generator's). */
  level?: Level;
}

export const SIGNATURES: readonly Signature[] = [
  // The client leaving is never an upstream failure, whatever else the line says.
  { phrase: 'client prematurely closed', where: 'start', kind: null, level: 'info' },
  { phrase: 'client timed out', where: 'start', kind: null, level: 'info' },
  // nginx noting a big response goes to a temp file (ngx_event_pipe.c; its message is the file's
  // path, from the config): on a busy host a tenth of the lines, each holding `upstream`.
  { phrase: 'an upstream response is buffered', where: 'start', kind: null, level: 'warn' },
  { phrase: 'no live upstreams', where: 'start', kind: 'no-live-upstreams', level: 'error' },
  { phrase: 'upstream prematurely closed', where: 'start', kind: 'premature-close', level: 'error' },
  { phrase: 'upstream timed out', where: 'start', kind: 'timeout', level: 'error' },
  { phrase: 'upstream server temporarily disabled', where: 'start', kind: 'disabled', level: 'warn' },
  // A configuration fault (buffer size), not a broken backend: its own kind, its own fix.
  { phrase: 'upstream sent too big header', where: 'start', kind: 'header-too-big', level: 'error' },
  { phrase: 'upstream sent invalid header', where: 'start', kind: 'invalid-header', level: 'error' },
  { phrase: 'upstream sent no valid HTTP/1.0 header', where: 'start', kind: 'invalid-header', level: 'error' },
  { phrase: 'upstream sent invalid chunked response', where: 'start', kind: 'invalid-header', level: 'error' },
  { phrase: 'upstream sent invalid status', where: 'start', kind: 'invalid-header', level: 'error' },
  // Start-up (emerg, nginx did not start) and run time (resolver + variable) are different faults.
  { phrase: 'host not found in upstream', where: 'anywhere', kind: 'host-not-found', level: 'emerg' },
  // A run-time resolver failure names no upstream and has no `upstream:` field: nginx has no peer yet.
  { phrase: 'could not be resolved', where: 'anywhere', kind: 'resolve', level: 'error' },
  // OpenSSL's `wrong version number`: the peer answered the ClientHello with plain HTTP.
  { phrase: 'SSL handshaking to upstream', where: 'action', also: ':wrong version number', kind: 'ssl-wrong-version', upstream: true, level: 'error' },
  { phrase: 'SSL handshaking to upstream', where: 'action', kind: 'ssl-handshake', upstream: true, level: 'error' },
  { phrase: 'upstream SSL certificate', where: 'start', kind: 'ssl-handshake', upstream: true, level: 'error' },
  // The errno decides: 13 is a permission fault on TCP and unix sockets alike, never "refused".
  { phrase: 'connect()', where: 'start', kind: 'permission', errno: [13], upstream: true, level: 'crit' },
  { phrase: 'connect() to unix:', where: 'start', kind: 'unix-socket', errno: [2, 111], upstream: true, level: 'error' },
  // The socket's listen queue is full.
  { phrase: 'connect() to unix:', where: 'start', kind: 'backlog-full', errno: [11], upstream: true, level: 'error' },
  { phrase: '', where: 'errno', kind: 'refused', errno: [111], upstream: true, level: 'error' },
  { phrase: '', where: 'errno', kind: 'timeout', errno: [110], upstream: true, level: 'error' },
  { phrase: '', where: 'errno', kind: 'reset', errno: [104], upstream: true, level: 'error' },
  // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN
  { phrase: '', where: 'errno', kind: 'no-route', errno: [113, 101, 112], upstream: true, level: 'error' },
  { phrase: '', where: 'errno', kind: 'broken-pipe', errno: [32], upstream: true, level: 'error' },
];

/** Every line about an upstream holds this (in its action or its `upstream:` field). */
export const UPSTREAM_NEEDLE = 'upstream';

/**
 * The byte strings every failure line holds at least one of: `upstream`, and each phrase of a row
 * that needs no upstream and does not hold `upstream` itself (`could not be resolved`). A line
 * with none of them is certainly not a failure and is never decoded.
 */
export function needlesOf(table: readonly Signature[]): string[] {
  const needles = [UPSTREAM_NEEDLE];
  for (const s of table) {
    if (s.kind === null || s.upstream) continue;
    if (s.where === 'errno' || s.phrase === '') throw new Error(`signature table: an errno row needs upstream: true (${s.kind})`);
    if (!s.phrase.includes(UPSTREAM_NEEDLE) && !needles.includes(s.phrase)) needles.push(s.phrase);
  }
  return needles;
}
