/**
 * What burst detection needs of one upstream-failure line. Filled in place — from the line the
 * string cut accepted (cut.ts), from the bytes the byte cut accepted (byteCut.ts), from what a
 * reader thread derived (fromWire), or from a LogRecord — one object reused for every failure of a
 * postmortem: no record and no substring beyond the few values a burst keeps (fieldValues.ts).
 */
import { REQUEST_SENT_ACTIONS, type LogRecord, type UpstreamAddress, type UpstreamErrorKind } from '../model/logRecord.js';
import { fieldNames, hashBytes, hashRange, methodAt, methodOfBytes, upstreamKeyAt, upstreamKeyOfBytes } from './fieldValues.js';
import type { ByteCut } from './nginx/byteCut.js';
import { F_CLIENT, F_HOST, F_REQUEST, F_SERVER, F_UPSTREAM, isRequestSentAction, type LineCut } from './nginx/cut.js';
import { parseUpstreamUrl, upstreamKey } from './nginx/upstreamUrl.js';

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
  /** The `upstream:` value: a range of `bytes` when the line came as bytes, else of `text`. */
  private urlAt = 0;
  private urlEnd = 0;
  private urlInBytes = false;

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
    return (this.upstream ??= parseUpstreamUrl(this.urlInBytes ? this.bytes!.toString('utf8', this.urlAt, this.urlEnd) : this.raw.slice(this.urlAt, this.urlEnd)));
  }

  /** From the line `cut` holds (cutLine accepted it, its kind is not null). */
  fromCut(cut: LineCut, text: string, source: string, lineNo: number): this {
    const f = cut.fields;
    this.source = source;
    this.line = lineNo;
    this.time = cut.time;
    this.text = text;
    this.bytes = null;
    this.urlInBytes = false;
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
   * From what a reader thread derived from the line (its fromBytes, as numbers and interned names:
   * scan/failureWire.ts); the line itself stays bytes, `buf[at, end)`, until `raw` or `address()` is
   * asked. `urlAt`/`urlEnd`: the `upstream:` value's range in `buf` (every such line has one).
   * The caller sets `time` and `clientHash` itself: a double passed as an argument to a call V8
   * does not inline is boxed, a heap number per failure.
   */
  fromWire(source: string, lineNo: number, kind: UpstreamErrorKind, errno: number | null, method: string | null, requestSent: boolean, server: string | null, host: string | null, key: string, buf: Buffer, at: number, end: number, urlAt: number, urlEnd: number): this {
    this.holdBytes(source, lineNo, buf, at, end, urlAt, urlEnd);
    this.kind = kind;
    this.errno = errno;
    this.method = method;
    this.requestSent = requestSent;
    this.server = server;
    this.host = host;
    this.key = key;
    return this;
  }

  /**
   * From the line `buf[at, end)` the byte cut accepted (its kind is not null, it has an `upstream:`
   * field): what fromCut gives for the decoded line, with the line left as bytes like fromWire.
   */
  fromBytes(cut: ByteCut, buf: Buffer, at: number, end: number, source: string, lineNo: number): this {
    const f = cut.fields;
    const urlAt = f[2 * F_UPSTREAM]!;
    const urlEnd = f[2 * F_UPSTREAM + 1]!;
    this.holdBytes(source, lineNo, buf, at, end, urlAt, urlEnd);
    this.time = cut.time;
    this.kind = cut.kind!;
    this.errno = cut.errno;
    this.method = methodOfBytes(buf, f[2 * F_REQUEST]!, f[2 * F_REQUEST + 1]!);
    this.requestSent = cut.requestSent;
    this.server = fieldNames.valueOfBytes(buf, f[2 * F_SERVER]!, f[2 * F_SERVER + 1]!);
    this.host = fieldNames.valueOfBytes(buf, f[2 * F_HOST]!, f[2 * F_HOST + 1]!);
    const clientAt = f[2 * F_CLIENT]!;
    const clientEnd = f[2 * F_CLIENT + 1]!;
    this.clientHash = clientEnd > clientAt ? hashBytes(buf, clientAt, clientEnd) : -1;
    this.key = upstreamKeyOfBytes(buf, urlAt, urlEnd, end);
    return this;
  }

  /** The line is `buf[at, end)`, left as bytes (fromWire, fromBytes), its `upstream:` value `buf[urlAt, urlEnd)`. */
  private holdBytes(source: string, lineNo: number, buf: Buffer, at: number, end: number, urlAt: number, urlEnd: number): void {
    this.source = source;
    this.line = lineNo;
    this.text = null;
    this.bytes = buf;
    this.bytesAt = at;
    this.bytesEnd = end;
    this.upstream = null;
    this.urlAt = urlAt;
    this.urlEnd = urlEnd;
    this.urlInBytes = true;
  }

  /** A copy that holds nothing of a reused line or batch (the caller refills this one). */
  detached(): FailureSample {
    this.address();
    const copy = Object.assign(Object.create(FailureSample.prototype) as FailureSample, this);
    copy.text = this.raw;
    copy.bytes = null;
    copy.urlInBytes = false;
    return copy;
  }

  /** From a parsed record whose kind is not null (the straightforward path, tests). */
  fromRecord(r: LogRecord): this {
    this.source = r.source;
    this.line = r.line;
    this.time = r.time;
    this.text = r.raw;
    this.bytes = null;
    this.urlInBytes = false;
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
