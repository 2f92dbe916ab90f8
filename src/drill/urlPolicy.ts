/**
 * The drill sends real traffic, so it only goes where the user owns the target: loopback, or a
 * host named with --allow-host. A typo'd or pasted production URL is refused before anything runs.
 */
import { isIP } from 'node:net';
import { UsageError } from '../util/errors.js';

/** 127.0.0.0/8, ::1, localhost (and *.localhost, which resolvers must map to loopback: RFC 6761). */
function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export function checkTargetUrl(text: string, allowHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${text}" is not a URL (e.g. http://127.0.0.1:8080/health)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url: only http and https are supported, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw new UsageError('--url: credentials in the URL are not sent by the drill; remove them');
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!isLoopbackHost(host) && !allowHosts.includes(host)) {
    throw new UsageError(
      `--url: refusing to send drill traffic to ${host}: only loopback hosts are allowed by default`,
      `if you own ${host}, add --allow-host ${host}`,
    );
  }
  return url;
}
