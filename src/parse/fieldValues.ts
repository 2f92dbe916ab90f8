/**
 * The few values burst detection keeps of a failure line's fields — the request's method, the
 * server and host names, a hash of the client, the upstream's key — read from a range of the line,
 * as text (the string cut) or as bytes (the byte cut), with no substring per line: names seen
 * before are found again by their characters.
 *
 * Each byte reader gives what its text twin gives for the decoded line: a range holding a byte of
 * 128 or more (not ASCII, where a byte is no longer a character) is decoded and read by the twin.
 */
import { parseUpstreamUrl, upstreamKey } from './nginx/upstreamUrl.js';
import { equalsIn } from './classify.js';
import { internalized } from '../util/internalized.js';

/** Methods returned as constants (no substring per line); any other valid method is sliced. */
const COMMON_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

const FNV_A = 0x811c9dc5;
const FNV_B = 0x01000193;

/** The two 32-bit FNV-1a variants of a string (`a`, `b`) as one 53-bit number: hashRange's, whichever code hashed the bytes (lineScan.wat's cut too). */
export function joinedHash(a: number, b: number): number {
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * Two 32-bit FNV-1a variants over `text[from, to)` joined into 53 bits: for 10,000 distinct clients
 * the chance that two collide is about 1 in 10^8, so a distinct count stays exact in practice.
 */
export function hashRange(text: string, from: number, to: number): number {
  let a = FNV_A;
  let b = FNV_B;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return joinedHash(a, b);
}

/** hashRange over bytes when they are all ASCII (the same number), else -1. */
function hashAscii(buf: Buffer, from: number, to: number): number {
  let a = FNV_A;
  let b = FNV_B;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c >= 128) return -1;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return joinedHash(a, b);
}

/** hashRange of the decoded `buf[from, to)`. */
export function hashBytes(buf: Buffer, from: number, to: number): number {
  const h = hashAscii(buf, from, to);
  if (h >= 0) return h;
  const text = buf.toString('utf8', from, to);
  return hashRange(text, 0, text.length);
}

/** An ASCII string holds exactly the bytes `buf[from, to)`. */
function asciiEquals(s: string, buf: Buffer, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) !== buf[from + k]) return false;
  return true;
}

/**
 * Server and host names seen before, found again by their characters: the usual line costs no
 * substring, and a name a burst keeps is a string of its own, not a slice that holds its whole
 * log line in memory for as long as the burst lives.
 */
class NameInterner {
  private readonly byHash = new Map<number, string>();
  /** ASCII names by their length and end bytes: most lines name one seen a moment ago, found without hashing. */
  private readonly recent: (string | undefined)[] = new Array<string | undefined>(256);

  /** `text[from, to)` as an interned string; null when empty or absent (-1). */
  value(text: string, from: number, to: number): string | null {
    if (to <= from) return null;
    const h = hashRange(text, from, to) % 0x40000000; // a small integer key
    const known = this.byHash.get(h);
    if (known !== undefined && known.length === to - from && text.startsWith(known, from)) return known;
    // remember keeps V8's own copy, not this slice (a slice of 13+ characters points into its line).
    return this.remember(h, known, text.slice(from, to));
  }

  /** value() of the decoded `buf[from, to)`. */
  valueOfBytes(buf: Buffer, from: number, to: number): string | null {
    if (to <= from) return null;
    const q = ((to - from) * 7 + buf[from]! * 3 + buf[to - 1]!) & 255;
    const seen = this.recent[q];
    if (seen !== undefined && asciiEquals(seen, buf, from, to)) return seen;
    const full = hashAscii(buf, from, to);
    if (full < 0) {
      const text = buf.toString('utf8', from, to);
      return this.value(text, 0, text.length);
    }
    const h = full % 0x40000000;
    const known = this.byHash.get(h);
    // Only ASCII strings are ever compared here (an ASCII range hashes to their key only if they are).
    const name = known !== undefined && asciiEquals(known, buf, from, to) ? known : this.remember(h, known, buf.toString('latin1', from, to));
    this.recent[q] = name;
    return name;
  }

  /** `name` as V8's one copy of its characters (internalized.ts): equal names are one object, whichever line and thread made them. */
  private remember(h: number, known: string | undefined, name: string): string {
    const own = internalized(name);
    if (known === undefined) {
      if (this.byHash.size >= 4096) this.byHash.clear();
      this.byHash.set(h, own);
    }
    return own;
  }
}

/** The server and host names of every failure (one table: a name is the same string from either cut). */
export const fieldNames = new NameInterner();

/** parseRequestLine(text[from, to))?.method, without the substrings. */
export function methodAt(text: string, from: number, to: number): string | null {
  if (from < 0 || to <= from) return null;
  const sp = text.indexOf(' ', from);
  if (sp <= from || sp >= to) return null;
  // /^[A-Z][A-Z_-]{0,19}$/
  if (sp - from > 20) return null;
  for (let k = from; k < sp; k++) {
    const c = text.charCodeAt(k);
    const upper = c >= 65 && c <= 90;
    if (!(upper || (k > from && (c === 95 || c === 45)))) return null;
  }
  for (const m of COMMON_METHODS) if (equalsIn(text, m, from, sp)) return m;
  return text.slice(from, sp);
}

/** methodAt of the decoded `buf[from, to)` (a method is ASCII: a byte of 128 or more is no method). */
export function methodOfBytes(buf: Buffer, from: number, to: number): string | null {
  if (from < 0 || to <= from) return null;
  let sp = from;
  while (sp < to && buf[sp] !== 32) sp++;
  if (sp === from || sp >= to || sp - from > 20) return null;
  for (let k = from; k < sp; k++) {
    const c = buf[k]!;
    const upper = c >= 65 && c <= 90;
    if (!(upper || (k > from && (c === 95 || c === 45)))) return null;
  }
  for (let m = 0; m < COMMON_METHODS.length; m++) if (asciiEquals(COMMON_METHODS[m]!, buf, from, sp)) return COMMON_METHODS[m]!;
  return buf.toString('latin1', from, sp);
}

/** Keys of `scheme://authority` prefixes (by the prefix's hash): the key depends on nothing else of the URL. */
const keyCache = new Map<number, { prefix: string; key: string }>();
/** ASCII prefixes by their length and a few bytes (upstreamKeyOfBytes): found again without hashing. */
const recentKeys: ({ prefix: string; key: string } | undefined)[] = new Array<{ prefix: string; key: string } | undefined>(256);

function cachedKey(h: number, prefix: string): string {
  // V8's one copy (internalized.ts): a key is looked up in Maps once per failure.
  const key = internalized(upstreamKey(parseUpstreamUrl(prefix)));
  if (keyCache.size >= 1024) keyCache.clear();
  keyCache.set(h, { prefix, key });
  return key;
}

/** upstreamKey(parseUpstreamUrl(text[from, to))), from a cache for the usual `scheme://authority/…` URL. */
export function upstreamKeyAt(text: string, from: number, to: number): string {
  const schemeEnd = text.indexOf('://', from);
  // A unix socket's path holds slashes: those URLs (and scheme-less ones) are parsed whole.
  if (schemeEnd > from && schemeEnd + 3 <= to && !text.startsWith('unix:', schemeEnd + 3)) {
    let slash = text.indexOf('/', schemeEnd + 3);
    if (slash < 0 || slash > to) slash = to;
    // Found again by its characters: no substring per line.
    const h = hashRange(text, from, slash) % 0x40000000;
    const known = keyCache.get(h);
    if (known !== undefined && known.prefix.length === slash - from && text.startsWith(known.prefix, from)) return known.key;
    return cachedKey(h, text.slice(from, slash));
  }
  return upstreamKey(parseUpstreamUrl(text.slice(from, to)));
}

/** upstreamKeyAt of the decoded `buf[from, to)`; `end`: where the line ends (the URL may be its last value). */
export function upstreamKeyOfBytes(buf: Buffer, from: number, to: number, end: number): string {
  let schemeEnd = from;
  while (schemeEnd + 3 <= to && !(buf[schemeEnd] === 58 /* : */ && buf[schemeEnd + 1] === 47 && buf[schemeEnd + 2] === 47)) schemeEnd++;
  const hostAt = schemeEnd + 3;
  const unix = hostAt + 5 <= end && buf[hostAt] === 117 /* u */ && buf.toString('latin1', hostAt, hostAt + 5) === 'unix:';
  if (schemeEnd > from && hostAt <= to && !unix) {
    let slash = hostAt;
    while (slash < to && buf[slash] !== 47 /* / */) slash++;
    const q = ((slash - from) * 7 + buf[slash - 1]! * 3 + buf[hostAt]!) & 255;
    const seen = recentKeys[q];
    if (seen !== undefined && asciiEquals(seen.prefix, buf, from, slash)) return seen.key;
    const full = hashAscii(buf, from, slash);
    if (full >= 0) {
      const h = full % 0x40000000;
      let known = keyCache.get(h);
      if (known === undefined || !asciiEquals(known.prefix, buf, from, slash)) {
        const prefix = buf.toString('latin1', from, slash);
        known = { prefix, key: cachedKey(h, prefix) };
      }
      recentKeys[q] = known;
      return known.key;
    }
  }
  const url = buf.toString('utf8', from, to);
  return upstreamKeyAt(url, 0, url.length);
}
