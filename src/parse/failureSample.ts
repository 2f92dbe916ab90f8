/**
 * What burst detection needs of one upstream-failure line. Filled in place, either from the line
 * cutLine accepted (the engine's path: one object reused for every failure of a postmortem,
 * no record and no substring beyond the few values a burst keeps) or from a LogRecord.
 */
import { REQUEST_SENT_ACTIONS, type LogRecord, type UpstreamAddress, type UpstreamErrorKind } from '../model/logRecord.js';
import { equalsIn } from './classify.js';
import { F_CLIENT, F_HOST, F_REQUEST, F_SERVER, F_UPSTREAM, type LineCut } from './nginx/cut.js';
import { parseUpstreamUrl, upstreamKey } from './nginx/upstreamUrl.js';

const SENT_ACTIONS: readonly string[] = [...REQUEST_SENT_ACTIONS];
/** Methods returned as constants (no substring per line); any other valid method is sliced. */
const COMMON_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

export class FailureSample {
  source = '';
  /** 1-based line number within the source. */
  line = 0;
  time = 0;
  /** The line's text once decoded (`null`: still only the bytes below, see fromWire). */
  private text: string | null = '';
  /**
   * A line handed over as bytes (fromWire): decoded only if a burst keeps it as evidence or needs
   * its address. The bytes are the reader's batch memory, valid until the batch is released.
   */
  private bytes: Buffer | null = null;
  private bytesAt = 0;
  private bytesEnd = 0;
  kind: UpstreamErrorKind = 'refused';
  errno: number | null = null;
  /** The request's method when the request line is valid. */
  method: string | null = null;
  /** The failure came after nginx began sending the request (its `while …` action): it does not retry a POST then. */
  requestSent = false;
  /** Non-empty field values, else null. Interned: a value held by a burst does not keep its line alive. */
  server: string | null = null;
  host: string | null = null;
  /** hashRange of the non-empty client address, else -1: bursts count distinct clients by it. */
  clientHash = -1;
  /** upstreamKey of the address. */
  key = '';
  private upstream: UpstreamAddress | null = null;
  private urlAt = 0;
  private urlEnd = 0;

  /** The whole line, for evidence (decoded now when it came as bytes). */
  get raw(): string {
    return (this.text ??= this.bytes!.toString('utf8', this.bytesAt, this.bytesEnd));
  }

  /** The bytes the line is still only held as (null once decoded): a burst may keep these until the batch ends. */
  get undecoded(): Buffer | null {
    return this.text === null ? this.bytes : null;
  }

  get undecodedAt(): number {
    return this.bytesAt;
  }

  get undecodedEnd(): number {
    return this.bytesEnd;
  }

  /** The upstream's address, parsed when asked (a new burst or upstream): most lines need only the key. */
  address(): UpstreamAddress {
    return (this.upstream ??= parseUpstreamUrl(this.raw.slice(this.urlAt, this.urlEnd)));
  }

  /** From the line `cut` holds (cutLine accepted it, its kind is not null). */
  fromCut(cut: LineCut, text: string, source: string, lineNo: number): this {
    const f = cut.fields;
    this.source = source;
    this.line = lineNo;
    this.time = cut.time;
    this.text = text;
    this.bytes = null;
    this.kind = cut.kind!;
    this.errno = cut.errno;
    this.method = methodAt(text, f[2 * F_REQUEST]!, f[2 * F_REQUEST + 1]!);
    this.requestSent = cut.actionAt >= 0 && isRequestSentAction(text, cut.actionAt, cut.msgEnd);
    this.server = fieldNames.value(text, f[2 * F_SERVER]!, f[2 * F_SERVER + 1]!);
    this.host = fieldNames.value(text, f[2 * F_HOST]!, f[2 * F_HOST + 1]!);
    const clientAt = f[2 * F_CLIENT]!;
    const clientEnd = f[2 * F_CLIENT + 1]!;
    this.clientHash = clientEnd > clientAt ? hashRange(text, clientAt, clientEnd) : -1;
    const urlAt = f[2 * F_UPSTREAM]!;
    const urlEnd = f[2 * F_UPSTREAM + 1]!;
    if (urlEnd > urlAt) {
      this.upstream = null;
      this.urlAt = urlAt;
      this.urlEnd = urlEnd;
      this.key = upstreamKeyAt(text, urlAt, urlEnd);
    } else {
      this.upstream = upstreamFromMessage(text.slice(cut.msgAt, cut.msgEnd));
      this.key = upstreamKey(this.upstream);
    }
    return this;
  }

  /**
   * From what a reader thread derived from the line (its fromCut, as numbers and interned names:
   * scan/wire.ts); the line itself stays bytes, `buf[at, end)`, until `raw` or `address()` is asked.
   * `urlAt`/`urlEnd`: the `upstream:` value's range in the decoded line (every such line has one).
   */
  fromWire(source: string, lineNo: number, time: number, kind: UpstreamErrorKind, errno: number | null, method: string | null, requestSent: boolean, server: string | null, host: string | null, clientHash: number, key: string, buf: Buffer, at: number, end: number, urlAt: number, urlEnd: number): this {
    this.source = source;
    this.line = lineNo;
    this.time = time;
    this.text = null;
    this.bytes = buf;
    this.bytesAt = at;
    this.bytesEnd = end;
    this.kind = kind;
    this.errno = errno;
    this.method = method;
    this.requestSent = requestSent;
    this.server = server;
    this.host = host;
    this.clientHash = clientHash;
    this.upstream = null;
    this.urlAt = urlAt;
    this.urlEnd = urlEnd;
    this.key = key;
    return this;
  }

  /** A copy that holds nothing of a reused line or batch (the caller refills this one). */
  detached(): FailureSample {
    this.address();
    const copy = Object.assign(Object.create(FailureSample.prototype) as FailureSample, this);
    copy.text = this.raw;
    copy.bytes = null;
    return copy;
  }

  /** From a parsed record whose kind is not null (the straightforward path, tests). */
  fromRecord(r: LogRecord): this {
    this.source = r.source;
    this.line = r.line;
    this.time = r.time;
    this.text = r.raw;
    this.bytes = null;
    this.kind = r.kind!;
    this.errno = r.errno;
    this.method = r.request?.method ?? null;
    this.requestSent = r.action !== null && REQUEST_SENT_ACTIONS.has(r.action);
    this.server = r.server ? fieldNames.value(r.server, 0, r.server.length) : null;
    this.host = r.host ? fieldNames.value(r.host, 0, r.host.length) : null;
    this.clientHash = r.client ? hashRange(r.client, 0, r.client.length) : -1;
    this.upstream = upstreamOf(r);
    this.key = upstreamKey(this.upstream);
    return this;
  }
}

/** Where a failure line points: its `upstream:` field, else the name in its message. */
export function upstreamOf(record: LogRecord): UpstreamAddress {
  return record.upstream ?? upstreamFromMessage(record.message);
}

/** Where a failure line without an `upstream:` field points (start-up `host not found in upstream "x"`, a resolver failure). */
function upstreamFromMessage(message: string): UpstreamAddress {
  const quoted = /upstream "([^"]+)"/.exec(message)?.[1] ?? /^(\S+) could not be resolved/.exec(message)?.[1];
  const name = quoted ?? 'unknown';
  const c = name.lastIndexOf(':');
  const port = c > 0 ? Number(name.slice(c + 1)) : NaN;
  return Number.isInteger(port)
    ? { url: name, scheme: '', host: name.slice(0, c), port, path: '' }
    : { url: name, scheme: '', host: name, port: null, path: '' };
}

/**
 * Two 32-bit FNV-1a variants over `text[from, to)` joined into 53 bits: for 10,000 distinct clients
 * the chance that two collide is about 1 in 10^8, so a distinct count stays exact in practice.
 */
function hashRange(text: string, from: number, to: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * Server and host names seen before, found again by their characters: the usual line costs no
 * substring, and a name a burst keeps is a string of its own, not a slice that holds its whole
 * log line in memory for as long as the burst lives.
 */
class NameInterner {
  private readonly byHash = new Map<number, string>();

  /** `text[from, to)` as an interned string; null when empty or absent (-1). */
  value(text: string, from: number, to: number): string | null {
    if (to <= from) return null;
    const h = hashRange(text, from, to) % 0x40000000; // a small integer key
    const known = this.byHash.get(h);
    if (known !== undefined && known.length === to - from && text.startsWith(known, from)) return known;
    // A copy, not a slice of the line (a slice of 13+ characters points into its parent).
    const own = JSON.parse(JSON.stringify(text.slice(from, to))) as string;
    if (known === undefined) {
      if (this.byHash.size >= 4096) this.byHash.clear();
      this.byHash.set(h, own);
    }
    return own;
  }
}

const fieldNames = new NameInterner();

function isRequestSentAction(text: string, from: number, to: number): boolean {
  for (const a of SENT_ACTIONS) if (equalsIn(text, a, from, to)) return true;
  return false;
}

/** parseRequestLine(text[from, to))?.method, without the substrings. */
function methodAt(text: string, from: number, to: number): string | null {
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

/** Keys of `scheme://authority` prefixes (by the prefix's hash): the key depends on nothing else of the URL. */
const keyCache = new Map<number, { prefix: string; key: string }>();

/** upstreamKey(parseUpstreamUrl(text[from, to))), from a cache for the usual `scheme://authority/…` URL. */
function upstreamKeyAt(text: string, from: number, to: number): string {
  const schemeEnd = text.indexOf('://', from);
  // A unix socket's path holds slashes: those URLs (and scheme-less ones) are parsed whole.
  if (schemeEnd > from && schemeEnd + 3 <= to && !text.startsWith('unix:', schemeEnd + 3)) {
    let slash = text.indexOf('/', schemeEnd + 3);
    if (slash < 0 || slash > to) slash = to;
    // Found again by its characters: no substring per line.
    const h = hashRange(text, from, slash) % 0x40000000;
    const known = keyCache.get(h);
    if (known !== undefined && known.prefix.length === slash - from && text.startsWith(known.prefix, from)) return known.key;
    const prefix = text.slice(from, slash);
    const key = upstreamKey(parseUpstreamUrl(prefix));
    if (keyCache.size >= 1024) keyCache.clear();
    keyCache.set(h, { prefix, key });
    return key;
  }
  return upstreamKey(parseUpstreamUrl(text.slice(from, to)));
}
