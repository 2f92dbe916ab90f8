/**
 * Which upstream failure a message is (DOMAIN.md "Upstream failures and their levels").
 * Errno-only matches (104, 110, 32) count only when the line is about an upstream: the same
 * errno `while reading client request line` is the client's problem, not the backend's.
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

export function classifyUpstreamFailure(
  message: string,
  errno: number | null,
  action: string | null,
  hasUpstreamField: boolean,
): UpstreamErrorKind | null {
  // The client leaving is never an upstream failure, whatever else the line says.
  if (message.startsWith('client prematurely closed') || message.startsWith('client timed out')) return null;
  if (message.startsWith('no live upstreams')) return 'no-live-upstreams';
  if (message.startsWith('upstream prematurely closed')) return 'premature-close';
  if (message.startsWith('upstream timed out')) return 'timeout';
  if (message.startsWith('upstream server temporarily disabled')) return 'disabled';
  if (
    message.startsWith('upstream sent invalid header') ||
    message.startsWith('upstream sent no valid HTTP/1.0 header') ||
    message.startsWith('upstream sent invalid chunked response') ||
    message.startsWith('upstream sent too big header') ||
    message.startsWith('upstream sent invalid status')
  ) {
    return 'invalid-header';
  }
  if (message.includes('host not found in upstream') || message.includes('could not be resolved')) return 'resolve';

  const aboutUpstream = hasUpstreamField || (action !== null && action.includes('upstream'));
  if (!aboutUpstream) return null;
  if (action === 'SSL handshaking to upstream' || message.startsWith('upstream SSL certificate')) return 'ssl-handshake';
  if (message.startsWith('connect() to unix:') && (errno === 2 || errno === 13 || errno === 111)) return 'unix-socket';
  if (errno !== null && ERRNO_KIND[errno]) return ERRNO_KIND[errno]!;
  return null;
}
