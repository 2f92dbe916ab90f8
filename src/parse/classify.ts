/**
 * Which upstream failure a message is (DOMAIN.md "Upstream failures and their levels").
 * Errno-only matches (104, 110, 32) count only when the line is about an upstream: the same
 * errno `while reading client request line` is the client's problem, not the backend's.
 *
 * The message and the action are ranges of the line (no substring per line: this runs on every
 * line that mentions an upstream, the hot path of a postmortem).
 */
import type { UpstreamErrorKind } from '../model/logRecord.js';

const ERRNO_KIND: Record<number, UpstreamErrorKind> = {
  111: 'refused',
  110: 'timeout',
  104: 'reset',
  113: 'no-route',
  101: 'no-route', // ENETUNREACH
  112: 'no-route', // EHOSTDOWN
  32: 'broken-pipe',
};

const INVALID_HEADER = [
  'upstream sent invalid header',
  'upstream sent no valid HTTP/1.0 header',
  'upstream sent invalid chunked response',
  'upstream sent invalid status',
];

/** `text[from, to)` starts with `s`. */
function startsIn(text: string, s: string, from: number, to: number): boolean {
  return from + s.length <= to && text.startsWith(s, from);
}

/** `text[from, to)` contains `s`. */
export function includesIn(text: string, s: string, from: number, to: number): boolean {
  const at = text.indexOf(s, from);
  return at >= 0 && at + s.length <= to;
}

/** `text[from, to)` is exactly `s`. */
export function equalsIn(text: string, s: string, from: number, to: number): boolean {
  return to - from === s.length && text.startsWith(s, from);
}

/**
 * The message is `text[msgAt, msgEnd)`; the `while …` action `text[actionAt, actionEnd)`, or
 * actionAt -1 when there is none.
 */
export function classifyUpstreamFailure(
  text: string,
  msgAt: number,
  msgEnd: number,
  errno: number | null,
  actionAt: number,
  actionEnd: number,
  hasUpstreamField: boolean,
): UpstreamErrorKind | null {
  // The client leaving is never an upstream failure, whatever else the line says.
  if (startsIn(text, 'client prematurely closed', msgAt, msgEnd) || startsIn(text, 'client timed out', msgAt, msgEnd)) return null;
  if (startsIn(text, 'no live upstreams', msgAt, msgEnd)) return 'no-live-upstreams';
  if (startsIn(text, 'upstream prematurely closed', msgAt, msgEnd)) return 'premature-close';
  if (startsIn(text, 'upstream timed out', msgAt, msgEnd)) return 'timeout';
  if (startsIn(text, 'upstream server temporarily disabled', msgAt, msgEnd)) return 'disabled';
  if (startsIn(text, 'upstream sent ', msgAt, msgEnd)) {
    // A configuration fault (buffer size), not a broken backend: its own kind, its own fix.
    if (startsIn(text, 'upstream sent too big header', msgAt, msgEnd)) return 'header-too-big';
    for (const s of INVALID_HEADER) if (startsIn(text, s, msgAt, msgEnd)) return 'invalid-header';
  }
  // Start-up (emerg, nginx did not start) and run time (resolver + variable) are different faults.
  if (includesIn(text, 'host not found in upstream', msgAt, msgEnd)) return 'host-not-found';
  if (includesIn(text, 'could not be resolved', msgAt, msgEnd)) return 'resolve';

  const aboutUpstream = hasUpstreamField || (actionAt >= 0 && includesIn(text, 'upstream', actionAt, actionEnd));
  if (!aboutUpstream) return null;
  if (actionAt >= 0 && equalsIn(text, 'SSL handshaking to upstream', actionAt, actionEnd)) {
    // OpenSSL's `wrong version number`: the peer answered the ClientHello with plain HTTP.
    return includesIn(text, ':wrong version number', msgAt, actionAt) ? 'ssl-wrong-version' : 'ssl-handshake';
  }
  if (startsIn(text, 'upstream SSL certificate', msgAt, msgEnd)) return 'ssl-handshake';
  // The errno decides: 13 is a permission fault on TCP and unix sockets alike, never "refused".
  if (errno === 13 && startsIn(text, 'connect()', msgAt, msgEnd)) return 'permission';
  if (startsIn(text, 'connect() to unix:', msgAt, msgEnd)) {
    if (errno === 2 || errno === 111) return 'unix-socket';
    if (errno === 11) return 'backlog-full';
  }
  if (errno !== null && ERRNO_KIND[errno]) return ERRNO_KIND[errno]!;
  return null;
}
