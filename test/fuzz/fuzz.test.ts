/**
 * Seeded fuzzing of everything that reads attacker- or accident-shaped input: nginx error lines
 * (bit flips, truncation, control bytes, escape sequences, bidi controls, NUL, huge fields,
 * splices of real fixture lines), Docker events (wrong types, missing fields, huge numbers,
 * nesting, broken JSON text) and `docker inspect` objects, through the parsers, the engine (line
 * by line and through the real file reader, analyze()) and the three report writers.
 *
 * Asserted for every case: nothing throws (the inspect decoder may refuse with its one-line
 * message, never crash); every output line is free of raw control characters (newline aside)
 * and bidi controls; the JSON report parses; the counters account for every line read
 * (read = upstream errors + other lines + unparsed by reason + outside the window) and every
 * event (fed = used + ignored + invalid).
 *
 * Same seed, same cases: RD_FUZZ_SEED=N reruns one; a failure names its seed and round.
 * Bounded to well under a minute in all (counts fixed, not time-based, so a seed replays exactly).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/gen.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { analyze, feedEventsFile } from '../../src/session/analyze.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import type { ContainerInfo } from '../../src/model/container.js';
import { decodeContainerInspect } from '../../src/parse/containerInspect.js';
import { isIgnoredEventLine } from '../../src/parse/dockerEventLine.js';
import { jsonReport } from '../../src/report/jsonReport.js';
import { markdownReport } from '../../src/report/markdownReport.js';
import type { ReportContext } from '../../src/report/reportContext.js';
import { textReport } from '../../src/report/textReport.js';

const SEED = Number(process.env.RD_FUZZ_SEED ?? 20_261_202);
const ROUNDS = 400; // each: 300 lines, 40 events, an inspect snapshot, three reports
const FILE_ROUNDS = 60; // each: a 400-line log and a 40-event file through analyze()
const INSPECT_CASES = 20_000;

const FIXTURES = path.resolve('fixtures/incidents');
const fixtureDirs = readdirSync(FIXTURES).sort();
// Every fixture has a log; the classic-cause folders (nginx alone, no Docker) have no events or inspect.
const fixtureFiles = (name: string): string[] => fixtureDirs.map((d) => path.join(FIXTURES, d, name)).filter((f) => existsSync(f));
const logLines = fixtureFiles('error.log').flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
const eventLines = fixtureFiles('docker-events.jsonl').flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
const inspectObjects = fixtureFiles('inspect.json').flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown[]);
const patterns = loadPatterns();
const work = mkdtempSync(path.join(tmpdir(), 'rd-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Raw C0 (newline aside), DEL, C1 and the bidi controls: none may reach a report.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const ESCAPES = ['\x1b[2J', '\x1b[31m', '\x1b]0;pwned\x07', '\x1b]8;;http://evil/\x1b\\', '\x1b]0;never ends', '\x1bP1$qm', '\x1bPq\x1b\\', '\x9b6n', '\x9d0;t', '\x1bc', '\x1b', '\x1b[', '\x1b[12;'];
const BIDI = ['\u202e', '\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029'];

class Fuzzer {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  control(): string {
    const r = this.int(3);
    if (r === 0) return String.fromCharCode(this.int(32));
    if (r === 1) return '\x7f';
    return String.fromCharCode(0x80 + this.int(32));
  }
  insert(s: string, what: string): string {
    const at = this.int(s.length + 1);
    return s.slice(0, at) + what + s.slice(at);
  }

  /** A real line, mutated one to three times. */
  line(): string {
    let s = this.pick(logLines);
    for (let k = 1 + this.int(3); k > 0; k--) s = this.mutateLine(s);
    return s.replace(/\n/g, ' '); // a line never holds a newline once split
  }

  mutateLine(s: string): string {
    switch (this.int(10)) {
      case 0: {
        // bit flip in the UTF-8 bytes, decoded back as a reader would (invalid sequences → U+FFFD)
        const b = Buffer.from(s, 'utf8');
        if (b.length) b[this.int(b.length)]! ^= 1 << this.int(8);
        return b.toString('utf8');
      }
      case 1:
        return s.slice(0, this.int(s.length + 1));
      case 2:
        return this.insert(s, Array.from({ length: 1 + this.int(4) }, () => this.control()).join(''));
      case 3:
        return this.insert(s, this.pick(ESCAPES));
      case 4:
        return this.insert(s, this.pick(BIDI));
      case 5:
        return this.insert(s, '\0'.repeat(1 + this.int(3)));
      case 6: {
        // a huge field: a host, upstream or request blown up (a few over the 1 MiB line bound)
        const size = this.chance(0.05) ? 1_100_000 : 1000 + this.int(60_000);
        const field = this.pick(['upstream: "http://', 'host: "', 'request: "GET /', 'client: ', 'server: ']);
        const at = s.indexOf(field);
        const filler = this.pick(['a', '9', '.', '%', 'é', '\u202e']).repeat(size);
        return at === -1 ? s + filler : s.slice(0, at + field.length) + filler + s.slice(at + field.length);
      }
      case 7: {
        // splice: the head of one real line, the tail of another
        const other = this.pick(logLines);
        return s.slice(0, this.int(s.length + 1)) + other.slice(this.int(other.length + 1));
      }
      case 8:
        return s + '\r';
      default: {
        // a field repeated (two upstreams, two hosts)
        const m = /(upstream|host|request): "[^"]*"/.exec(s);
        return m ? `${s}, ${m[0]}` : s;
      }
    }
  }

  /** A mutated value of another type (or an odd one of the same). */
  oddValue(depth = 0): unknown {
    switch (this.int(12)) {
      case 0:
        return null;
      case 1:
        return this.pick([1e308, -1, 0, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, -0, 1.5]);
      case 2:
        return this.pick(['', 'x'.repeat(10_000), '\x1b]0;t\x07', '\u202eevil', '99999999999999999999999999']);
      case 3:
        return this.chance(0.5);
      case 4:
        return [];
      case 5:
        return {};
      case 6:
        return depth < 3 ? [this.oddValue(depth + 1), this.oddValue(depth + 1)] : 'deep';
      case 7: {
        // nesting within a sane bound (a hard depth cap is the decoder's business)
        let v: unknown = 'leaf';
        for (let d = 1 + this.int(60); d > 0; d--) v = this.chance(0.5) ? { a: v } : [v];
        return v;
      }
      case 8:
        return NaN;
      case 9:
        return '1705287617502015059';
      case 10:
        return { toString: 'not a function' };
      default:
        return -1e21;
    }
  }

  /** Mutate a JSON-like value in place at one to four random paths: retype, delete, huge, nest. */
  mutateObject(root: unknown): unknown {
    for (let k = 1 + this.int(4); k > 0; k--) {
      let node = root;
      // walk down a few levels
      for (let d = this.int(4); d > 0; d--) {
        if (node === null || typeof node !== 'object') break;
        const keys = Object.keys(node);
        if (!keys.length) break;
        const child = (node as Record<string, unknown>)[this.pick(keys)];
        if (child === null || typeof child !== 'object') break;
        node = child;
      }
      if (node === null || typeof node !== 'object') continue;
      const obj = node as Record<string, unknown>;
      const keys = Object.keys(obj);
      const key = keys.length && this.chance(0.8) ? this.pick(keys) : this.pick(['time', 'timeNano', 'Action', 'Type', 'Actor', 'State', 'Name', 'Config', 'NetworkSettings', '__proto__', 'constructor']);
      if (this.chance(0.3)) delete obj[key];
      else obj[key] = this.oddValue();
    }
    return root;
  }

  event(): { text: string | null; raw: unknown } {
    const base = this.pick(eventLines);
    if (this.chance(0.25)) {
      // text-level damage: what a torn or corrupted events file gives the reader
      let t = base;
      const r = this.int(4);
      if (r === 0) t = t.slice(0, this.int(t.length));
      else if (r === 1) t = this.insert(t, this.control());
      else if (r === 2) t = this.mutateLine(t);
      else t = t.replace(/"time":\d+/, `"time":${this.pick(['1e400', '-1', '"x"', 'null', '99999999999999999999'])}`);
      return { text: t.replace(/\n/g, ' '), raw: null };
    }
    return { text: null, raw: this.mutateObject(JSON.parse(base)) };
  }

  inspect(): unknown {
    return this.mutateObject(structuredClone(this.pick(inspectObjects)));
  }
}

function failWith(seed: number, where: string, err: unknown): never {
  const msg = err instanceof Error ? err.stack ?? err.message : String(err);
  throw new Error(`fuzz seed ${seed}, ${where} (rerun: RD_FUZZ_SEED=${seed}): ${msg}`);
}

function checkOutputs(ctx: ReportContext): void {
  const text = textReport(ctx);
  const md = markdownReport(ctx);
  const json = jsonReport(ctx);
  for (const [name, out] of [['text', text], ['markdown', md], ['json', json]] as const) {
    const bad = out.split('\n').find((l) => RAW_CONTROL.test(l));
    expect(bad, `${name} report line with a raw control character`).toBeUndefined();
  }
  const doc = JSON.parse(json) as { incidents: unknown[] };
  expect(doc.incidents.length).toBe(ctx.incidents.length);
}

function accounted(engine: IncidentEngine): { read: number; sum: number } {
  const c = engine.counts();
  const unparsed = Object.values(c.unparsed).reduce((a: number, b) => a + (b ?? 0), 0);
  // Access-log and untimed lines are counted on their own (src/scan/foreignLine.ts).
  return { read: c.linesRead, sum: c.upstreamErrors + c.otherLines + unparsed + c.outsideWindow + (c.accessLines ?? 0) + (c.untimed ?? 0) };
}

function contextOf(engine: IncidentEngine): ReportContext {
  return {
    tool: { name: 'restartdoctor', version: '0.0.0-fuzz' },
    generatedAt: Date.UTC(2024, 0, 15),
    tz: engine.tz,
    inputs: { logs: ['error.log'], events: 'events.jsonl', containers: 'inspect.json' },
    window: { since: null, until: null },
    counters: engine.counts(),
    incidents: engine.incidents(),
    notes: [],
  };
}

describe(`fuzz (seed ${SEED})`, () => {
  it('inspect objects: decoded or refused with a one-line message, never a crash', () => {
    const f = new Fuzzer(rng(SEED));
    for (let n = 0; n < INSPECT_CASES; n++) {
      const raw = f.inspect();
      try {
        const info = decodeContainerInspect(raw, 'inspect.json: item 1');
        expect(typeof info.name).toBe('string');
      } catch (err) {
        if (!(err instanceof Error) || err.constructor !== Error || err.message.includes('\n') || !err.message.startsWith('inspect.json: item 1: ')) failWith(SEED, `inspect case ${n}`, err);
      }
    }
  });

  it('log lines and events through the engine and every report writer', () => {
    const f = new Fuzzer(rng(SEED + 1));
    for (let round = 0; round < ROUNDS; round++) {
      try {
        const engine = new IncidentEngine({ tz: f.pick(['UTC', 'Europe/Berlin', 'America/New_York']), patterns });
        const containers: ContainerInfo[] = [];
        for (let k = 0; k < 4; k++) {
          try {
            containers.push(decodeContainerInspect(f.inspect()));
          } catch {
            // refused: covered by the inspect case
          }
        }
        engine.setContainers(containers);
        let events = 0;
        for (let k = 0; k < 40; k++) {
          const e = f.event();
          events++;
          if (e.text === null) {
            engine.ingestEvent(e.raw);
            continue;
          }
          // As feedEventsFile reads an events file's line.
          const t = e.text.trim();
          if (t === '') {
            events--;
            continue;
          }
          if (isIgnoredEventLine(t)) engine.countIgnoredEvent();
          else {
            let raw: unknown;
            try {
              raw = JSON.parse(t);
            } catch {
              engine.countInvalidEvent();
              continue;
            }
            engine.ingestEvent(raw);
          }
        }
        const lines = 300;
        for (let k = 0; k < lines; k++) lineIntakeOf(engine).ingestLine('error.log', k + 1, f.chance(0.3) ? f.pick(logLines) : f.line());
        engine.finish();
        const c = engine.counts();
        expect(c.linesRead).toBe(lines);
        const { read, sum } = accounted(engine);
        expect(sum, 'lines read = upstream errors + other + unparsed + outside window').toBe(read);
        expect(c.dockerEvents + c.ignoredEvents + c.invalidEvents, 'events fed = used + ignored + invalid').toBe(events);
        checkOutputs(contextOf(engine));
      } catch (err) {
        failWith(SEED, `engine round ${round}`, err);
      }
    }
  }, 120_000);

  it('log and events files through the real reader (analyze) and every report writer', async () => {
    const f = new Fuzzer(rng(SEED + 2));
    for (let round = 0; round < FILE_ROUNDS; round++) {
      try {
        const log = path.join(work, `error-${round}.log`);
        const events = path.join(work, `events-${round}.jsonl`);
        const lines = Array.from({ length: 400 }, () => (f.chance(0.3) ? f.pick(logLines) : f.line()));
        // Mixed line ends, and sometimes no final newline.
        writeFileSync(log, lines.map((l) => l + (f.chance(0.1) ? '\r\n' : '\n')).join('') + (f.chance(0.5) ? f.line() : ''));
        writeFileSync(events, Array.from({ length: 40 }, () => { const e = f.event(); return e.text ?? JSON.stringify(e.raw) ?? 'null'; }).join('\n') + '\n');
        const { engine } = await analyze({ logs: [log], events, tz: 'UTC', patterns });
        const { read, sum } = accounted(engine);
        expect(read).toBeGreaterThanOrEqual(lines.length);
        expect(sum, 'lines read = upstream errors + other + unparsed + outside window').toBe(read);
        checkOutputs(contextOf(engine));
        // The events file alone, read again: every non-blank line is counted once.
        const again = new IncidentEngine({ tz: 'UTC', patterns });
        await feedEventsFile(events, again);
        const ec = again.counts();
        const nonBlank = readFileSync(events, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
        expect(ec.dockerEvents + ec.ignoredEvents + ec.invalidEvents).toBe(nonBlank);
      } catch (err) {
        failWith(SEED, `file round ${round}`, err);
      }
    }
  }, 120_000);
});
