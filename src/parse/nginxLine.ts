/**
 * Where a log line enters the engine. The nginx error-log parser lives in parse/nginx/, one file
 * per seam, in the order a line goes through them:
 *   signatures.ts  the one table of failure phrases and kinds (classify.ts matches it)
 *   header.ts      `YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]`, and why a line is not valid
 *   cut.ts         message, errno, action and fields as ranges into a caller-owned LineCut
 *   byteCut.ts     the same cut on a candidate line's bytes (no string), for the postmortem's fast path
 *   screen.ts      the fast paths: a line's fate without cutting it (string and bytes)
 *   bytes.ts       the byte tests both fast paths make
 *   record.ts      a cut line as a LogRecord (tests, drill)
 *   upstreamUrl.ts the `upstream:` URL and the key upstreams are grouped by
 *   reference.ts   the same parse written for clarity with regexes: what the fast paths are tested against
 */
export { hasNginxHeader, MAX_LINE_CHARS } from './nginx/header.js';
export { parseNginxLine } from './nginx/record.js';
export { parseUpstreamUrl, upstreamKey } from './nginx/upstreamUrl.js';
