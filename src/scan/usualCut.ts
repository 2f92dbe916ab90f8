/**
 * The usual failure line cut in one WebAssembly call (sources/lineScan.ts WasmLineCut, lineScan.wat
 * `cut`): what ByteCut.cut and FailureSample.fromBytes give for it, without their dozen JS
 * functions a line. The module finds the fields and hashes the client; the message, the server
 * and host names, the method and the URL's `scheme://authority` come back as ids of their bytes,
 * and the value of each id is read here once, by the JS code itself (ByteCut.factsOf, fieldValues.ts)
 * from the bytes, so that a value is what the reference gives for those bytes. In an outage's log
 * nearly every line is such a failure.
 *
 * A line of another shape (lineScan.wat says which) is DECLINED, and CandidateCut (below) cuts
 * it with the byte cut as before. test/perf/usualCut.test.ts holds both to the same samples.
 */
import type { ByteCut, ByteFacts } from '../parse/nginx/byteCut.js';
import { F_CLIENT, F_HOST, F_REQUEST, F_SERVER, F_UPSTREAM } from '../parse/nginx/cut.js';
import type { FieldMarks } from '../parse/nginx/fieldMarks.js';
import { fieldNames, joinedHash, methodOfBytes, upstreamKeyOfBytes } from '../parse/fieldValues.js';
import type { FailureSample } from '../parse/failureSample.js';
import type { WasmLineCut } from '../sources/lineScan.js';

/** UsualCut.cut's answers. */
export const DECLINED = -1;
export const NOT_A_FAILURE = 0;
export const A_FAILURE = 1;

/** The answer's i32s (lineScan.wat cut): first each field's start and end, in cut.ts FIELD_KEYS order. */
const CLIENT = 2 * F_CLIENT;
const SERVER = 2 * F_SERVER;
const REQUEST = 2 * F_REQUEST;
const UPSTREAM = 2 * F_UPSTREAM;
const HOST = 2 * F_HOST;
const MSG_AT = 14;
const MSG_END = 15;
const MSG_ID = 16;
const SERVER_ID = 17;
const HOST_ID = 18;
const METHOD_END = 19;
const METHOD_ID = 20;
const AUTHORITY_END = 21;
const AUTHORITY_ID = 22;
const CLIENT_A = 23;
const CLIENT_B = 24;

export class UsualCut {
  /** The last failure's `upstream:` value, in its line's buffer. */
  urlAt = 0;
  urlEnd = 0;
  /** Each table's values by id (undefined: not read yet); emptied when the module empties the table. */
  private facts: (ByteFacts | undefined)[] = [];
  private names: (string | null | undefined)[] = [];
  private methods: (string | null | undefined)[] = [];
  private keys: (string | undefined)[] = [];

  /** `messages`: the byte cut whose string code reads a message seen for the first time. */
  constructor(
    private readonly wasm: WasmLineCut,
    private readonly messages: ByteCut,
  ) {}

  /**
   * The CANDIDATE line `buf[start, end)` at `time`, whose `PID#TID: ` ends `afterIds` bytes in:
   * A_FAILURE (filled into `sample`, its line left as bytes), NOT_A_FAILURE, or DECLINED.
   */
  cut(buf: Buffer, start: number, end: number, afterIds: number, time: number, source: string, lineNo: number, sample: FailureSample): number {
    const status = this.wasm.cut(buf, start, end, afterIds);
    if (status === 0) return DECLINED;
    if (status > 1) this.forget(status);
    const a = this.wasm.answer;
    // buf.byteOffset, read once per buffer by the module's cut (a getter V8 does not inline).
    const base = this.wasm.base;
    const msgId = a[MSG_ID]!;
    const facts = this.facts[msgId] ?? (this.facts[msgId] = this.messages.factsOf(buf, a[MSG_AT]! - base, a[MSG_END]! - base));
    // Every line the module takes has an `upstream:` value: its kind is the one with it.
    const kind = facts.kindWith;
    if (kind === null) return NOT_A_FAILURE;
    const urlAt = (this.urlAt = a[UPSTREAM]! - base);
    this.urlEnd = a[UPSTREAM + 1]! - base;
    sample.fromWire(
      source,
      lineNo,
      kind,
      facts.errno,
      this.method(buf, a, base),
      facts.requestSent,
      this.name(buf, a[SERVER_ID]!, a[SERVER]! - base, a[SERVER + 1]! - base),
      this.name(buf, a[HOST_ID]!, a[HOST]! - base, a[HOST + 1]! - base),
      this.keys[a[AUTHORITY_ID]!] ?? (this.keys[a[AUTHORITY_ID]!] = upstreamKeyOfBytes(buf, urlAt, a[AUTHORITY_END]! - base, end)),
      buf,
      start,
      end,
      urlAt,
      this.urlEnd,
    );
    sample.time = time;
    sample.clientHash = a[CLIENT + 1]! > a[CLIENT]! ? joinedHash(a[CLIENT_A]!, a[CLIENT_B]!) : -1;
    return A_FAILURE;
  }

  /** fieldNames.valueOfBytes of a server or host name (id 0: empty or absent). */
  private name(buf: Buffer, id: number, from: number, to: number): string | null {
    if (id === 0) return null;
    const known = this.names[id];
    return known !== undefined ? known : (this.names[id] = fieldNames.valueOfBytes(buf, from, to));
  }

  /** methodOfBytes of the request: its token up to the first space is what decides it. */
  private method(buf: Buffer, a: Int32Array, base: number): string | null {
    const id = a[METHOD_ID]!;
    if (id === 0) return null;
    const known = this.methods[id];
    return known !== undefined ? known : (this.methods[id] = methodOfBytes(buf, a[REQUEST]! - base, a[METHOD_END]! - base + 1));
  }

  /** The module emptied the tables whose bits are set (2 << table): their ids are void. */
  private forget(status: number): void {
    if (status & 2) this.facts = [];
    if (status & 4) this.names = [];
    if (status & 8) this.methods = [];
    if (status & 16) this.keys = [];
  }
}

/** Where a candidate's field markers come from when the byte cut takes it (LineScreen.fieldMarksOf). */
export interface MarksSource {
  fieldMarksOf(buf: Buffer, start: number, end: number, afterIds: number): FieldMarks | null;
}

/**
 * A CANDIDATE line cut on its bytes, in the one order both threads cut in: in one WebAssembly call
 * when it has the usual shape (`usual`, set where the lines lie in the module's memory), else by
 * the byte cut. DECLINED here means neither took it: the line is for the string path.
 */
export class CandidateCut {
  /** Set when the lines lie in a WebAssembly memory (LineIntake.useCutMemory, a reader thread). */
  usual: UsualCut | null = null;
  /** The last failure's `upstream:` value, in its line's buffer. */
  urlAt = 0;
  urlEnd = 0;

  constructor(
    readonly bytes: ByteCut,
    private readonly marks: MarksSource,
  ) {}

  /** The CANDIDATE line `buf[start, end)` (see UsualCut.cut): A_FAILURE (filled into `sample`), NOT_A_FAILURE, or DECLINED. */
  cut(buf: Buffer, start: number, end: number, afterIds: number, time: number, source: string, lineNo: number, sample: FailureSample): number {
    const usual = this.usual;
    const answer = usual === null ? DECLINED : usual.cut(buf, start, end, afterIds, time, source, lineNo, sample);
    if (answer !== DECLINED) {
      if (answer === A_FAILURE) {
        this.urlAt = usual!.urlAt;
        this.urlEnd = usual!.urlEnd;
      }
      return answer;
    }
    const bytes = this.bytes;
    if (!bytes.cut(buf, start, end, start + afterIds, time, this.marks.fieldMarksOf(buf, start, end, afterIds))) return DECLINED;
    if (bytes.kind === null) return NOT_A_FAILURE;
    sample.fromBytes(bytes, buf, start, end, source, lineNo);
    this.urlAt = bytes.fields[2 * F_UPSTREAM]!;
    this.urlEnd = bytes.fields[2 * F_UPSTREAM + 1]!;
    return A_FAILURE;
  }
}
