/**
 * Reports from a real engine run: text, JSON (schemaVersion 1) and the markdown export. Log text
 * is attacker-controlled (nginx copies request lines and referrers verbatim), so a line carrying
 * ESC sequences, an OSC 8 hyperlink, pipes, backticks, `<script>` and a fence-closing ``` must come
 * out inert in every format.
 */
import { describe, expect, it } from 'vitest';
import { incidentJson, jsonReport, jsonReportParts } from '../../src/report/jsonReport.js';
import { reportedFacts } from '../../src/diagnose/findings.js';
import { escapeJsonText, jsonError } from '../../src/report/jsonText.js';
import { markdownReport, markdownReportParts } from '../../src/report/markdownReport.js';
import type { ReportContext } from '../../src/report/reportContext.js';
import { escapeCodeBlock, escapeMarkdown, sanitizeForTerminal } from '../../src/util/sanitize.js';
import { textReport, textReportParts } from '../../src/report/textReport.js';
import { incidentTimeline } from '../../src/report/timeline.js';
import { BACKEND, failLines, inspect, nginxLine, runScenario, seq, T0, type Scenario } from './helpers.js';
import { countsBiggestFirst, formatCount } from '../../src/util/count.js';

const HOSTILE_REQUEST = 'GET /a|b`c`<script>alert(1)</script>```\n~~~ HTTP/1.1'.replace('\n', '');
const HOSTILE_REFERRER = '\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\ \x1b[2J\x1b[31mred\x1b[0m \x1bP1$qm\x1b\\ \x9b6n \x1b]0;pwned\x1b\\';

function hostileLine(time: number): string {
  return nginxLine({
    time,
    msg: 'connect() failed (111: Connection refused) while connecting to upstream',
    request: HOSTILE_REQUEST,
    upstream: 'http://172.18.0.5:3000/a',
    host: 'shop.example.com',
    referrer: HOSTILE_REFERRER,
  });
}

function context(s: Partial<Scenario> = {}): ReportContext {
  // 20 POSTs refused at connect (before sending), 10 cut while reading the response (after sending).
  const lines = [
    hostileLine(T0 + 1000),
    ...failLines(T0 + 1000, 20, 200, { method: 'POST' }),
    ...failLines(T0 + 1100, 10, 400, { method: 'POST', msg: 'recv() failed (104: Connection reset by peer) while reading response header from upstream' }),
  ].sort();
  const { engine, incidents } = runScenario({
    lines,
    events: seq.dockerRestart(BACKEND, T0),
    containers: inspect({ c: BACKEND, ip: '172.18.0.5' }),
    ...s,
  });
  return {
    tool: { name: 'restartdoctor', version: '0.1.0' },
    generatedAt: Date.UTC(2024, 0, 15, 9, 0, 0),
    tz: 'UTC',
    inputs: { logs: ['error.log'], events: 'docker-events.jsonl', containers: 'inspect.json' },
    window: { since: null, until: null },
    counters: engine.counts(),
    incidents,
    notes: ['checklist not run: a postmortem probes nothing unless --probe is given'],
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('sanitizeForTerminal', () => {
  it.each([
    ['CSI colour and clear-screen', 'a\x1b[31mred\x1b[0m\x1b[2Jb', 'aredb'],
    ['OSC 8 hyperlink closed by BEL', '\x1b]8;;http://evil/\x07click\x1b]8;;\x07', 'click'],
    ['OSC 8 hyperlink closed by ST', '\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['OSC window title', 'x\x1b]0;pwned\x07y', 'xy'],
    ['DCS (DECRQSS) closed by ST', 'x\x1bP1$qm\x1b\\y', 'xy'],
    ['APC / PM / SOS strings', 'x\x1b_payload\x1b\\y\x1b^pm\x1b\\z\x1bXsos\x1b\\', 'xyz'],
    ['C1 CSI (0x9b) device status report', 'x\x9b6ny', 'xy'],
    ['C1 OSC (0x9d) closed by C1 ST', 'x\x9d0;title\x9cy', 'xy'],
    ['C1 DCS (0x90)', 'x\x90payload\x9cy', 'xy'],
    ['two-byte ESC (RIS reset)', 'x\x1bcy', 'xy'],
    ['other controls become U+FFFD', 'a\tb\x00c\x7fd', 'a\uFFFDb\uFFFDc\uFFFDd'],
  ])('strips %s', (_name, input, output) => {
    expect(sanitizeForTerminal(input)).toBe(output);
  });

  it('keeps normal text, unicode and punctuation untouched', () => {
    const text = '2024/01/15 03:12:41 [error] 813#813: *1 connect() failed (111: Connection refused) — Grüße ✓ 日本 "q" [x] {y} | `z`';
    expect(sanitizeForTerminal(text)).toBe(text);
  });

  it('an unterminated OSC cannot swallow the terminal: the rest of the line is dropped, nothing raw remains', () => {
    const out = sanitizeForTerminal('ok \x1b]8;;http://evil/ never closed');
    expect(out.startsWith('ok ')).toBe(true);
    expect(out).not.toMatch(CONTROL);
  });
});

describe('escapeMarkdown and escapeCodeBlock', () => {
  it('escapes markdown syntax and HTML so it renders as the literal text, and nothing else', () => {
    expect(escapeMarkdown('a|b `c` <script>*d*</script> [l](http://x)')).toBe('a\\|b \\`c\\` \\<script>\\*d\\*\\</script> \\[l\\](http\\://x)');
    expect(escapeMarkdown('nc-api on 127.0.0.1:8080 (max_fails=3)')).toBe('nc-api on 127.0.0.1:8080 (max_fails=3)');
    expect(escapeMarkdown('line1\nline2')).toBe('line1 line2');
  });

  it('cannot close a fence', () => {
    expect(escapeCodeBlock('x ``` y ```` z')).not.toMatch(/```/);
    expect(escapeCodeBlock('\x1b[31mred')).toBe('red');
  });
});

describe('text report', () => {
  it('names the diagnosis, container, upstream, impact and zone, and draws no escape sequence', () => {
    const out = textReport(context());
    expect(out).toMatch(/^restartdoctor 0\.1\.0 — 1 incident found in error\.log \(log times read as UTC\)/);
    expect(out).toContain('INCIDENT 1');
    expect(out).toMatch(/diagnosis\s+restart-race — high confidence \(0\.90\)/);
    expect(out).toContain('container   shop-backend-1 (compose service backend), matched by container-ip');
    expect(out).toContain('upstream    172.18.0.5:3000 (http)');
    expect(out).toMatch(/impact\s+31 failed requests \(connection refused \(111\) ×21, connection reset \(104\) ×10\), 30 writes \(POST\/PUT\/PATCH\/DELETE\), 10 POST\/PATCH/);
    expect(out).toMatch(/03:12:40(\.\d)?\s+kill\s+shop-backend-1\s+signal 15/);
    expect(out).toContain('note: checklist not run');
    expect(out).toContain('click me');
    expect(out).not.toMatch(CONTROL);
  });

  it('says so when no incident is found and when no events were given', () => {
    const ctx = { ...context({ lines: [] }), inputs: { logs: ['-'], events: null, containers: null } };
    const out = textReport(ctx);
    expect(out).toMatch(/no incident found in -/);
    expect(out).toContain('no Docker events given (--events)');
  });
});

describe('JSON report', () => {
  it('is schemaVersion 1 with every documented top-level field and incident fields', () => {
    const text = jsonReport(context());
    expect(text).not.toMatch(/\x1b/);
    const doc = JSON.parse(text) as Record<string, any>;
    expect(doc.schemaVersion).toBe(1);
    expect(Object.keys(doc).sort()).toEqual(['counters', 'generatedAt', 'incidents', 'inputs', 'notes', 'schemaVersion', 'tool', 'tz', 'window'].sort());
    expect(doc.tool).toEqual({ name: 'restartdoctor', version: '0.1.0' });
    expect(doc.generatedAt).toBe('2024-01-15T09:00:00.000Z');
    expect(doc.window).toEqual({ since: null, until: null });
    expect(doc.counters).toMatchObject({ linesRead: 31, upstreamErrors: 31, dockerEvents: 5, invalidEvents: 0, isolatedErrors: 0 });
    expect(doc.incidents).toHaveLength(1);
    const i = doc.incidents[0];
    expect(Object.keys(i).sort()).toEqual(['burst', 'checklist', 'coverage', 'diagnosis', 'facts', 'fix', 'id', 'match', 'workload'].sort());
    expect(i.burst).toMatchObject({ upstreamKey: '172.18.0.5:3000', count: 31, writes: 30, notRetried: 10, firstIso: '2024-01-15T03:12:41.000Z' });
    expect(i.diagnosis).toMatchObject({ patternId: 'restart-race', confidence: 0.9, confidenceLabel: 'high' });
    expect(i.match).toMatchObject({ name: 'shop-backend-1', method: 'container-ip' });
    // The raw line survives for machines (JSON-escaped), so nothing is lost.
    expect(i.burst.evidence.some((e: { raw: string }) => e.raw.includes('\x1b]8;;'))).toBe(true);
  });

  it("gives every field of the incident and its burst, in the incident's own order (the burst without its timeline, with ISO times)", () => {
    const { incidents } = context();
    const i = incidents[0]!;
    expect(i.workload).toBeTruthy();
    expect(i.coverage).toBeTruthy();
    const doc = incidentJson(i);
    expect(Object.keys(doc)).toEqual(Object.keys(i));
    expect(Object.keys(doc.burst)).toEqual([...Object.keys(i.burst).filter((k) => k !== 'timeline'), 'firstIso', 'lastIso']);
    expect(i.burst.timeline).toBeTruthy();
    // The burst's own values, the errnos Map as an object (errnos ascending).
    for (const k of Object.keys(doc.burst) as (keyof typeof doc.burst)[]) if (k !== 'firstIso' && k !== 'lastIso' && k !== 'errnos') expect(doc.burst[k]).toBe(i.burst[k]);
    expect(i.burst.errnos.size).toBeGreaterThan(0);
    expect(doc.burst.errnos).toEqual(Object.fromEntries(i.burst.errnos));
    expect(Object.keys(doc.burst.errnos).map(Number)).toEqual([...i.burst.errnos.keys()].sort((a, b) => a - b));
    expect(doc.facts).toEqual(reportedFacts(i.facts));
  });

  it('comes in parts, one per incident, that join to exactly what JSON.stringify(doc, null, 2) prints', () => {
    const base = context();
    for (const incidents of [[], base.incidents, [...base.incidents, ...base.incidents, ...base.incidents]]) {
      const parts = [...jsonReportParts({ ...base, incidents })];
      expect(parts).toHaveLength(incidents.length === 0 ? 1 : incidents.length + 2);
      const text = parts.join('');
      // Re-printing the parsed document gives the same bytes: indentation and separators are JSON.stringify's own.
      expect(text).toBe(`${escapeJsonText(JSON.stringify(JSON.parse(text), null, 2))}\n`);
      expect((JSON.parse(text) as { incidents: unknown[] }).incidents).toHaveLength(incidents.length);
    }
  });

  it('escapes C0, DEL, C1, U+2028/2029 and bidi controls as \\u00XX, and parses back to the same strings', () => {
    const nasty = 'a\x07b\x1bc\x7fd\x85e\x9b6n\x9cf\u2028g\u2029h\u202eevil\u202ci\u2066j\u2069k\u200el\u200fm\u061cn';
    const line = nginxLine({
      time: T0 + 1000,
      msg: 'connect() failed (111: Connection refused) while connecting to upstream',
      request: 'GET / HTTP/1.1',
      upstream: 'http://172.18.0.5:3000/',
      host: 'shop.example.com',
      referrer: nasty,
    });
    const base = context();
    const { incidents } = runScenario({ lines: [line, ...failLines(T0 + 1000, 5, 200)], events: seq.dockerRestart(BACKEND, T0), containers: inspect({ c: BACKEND, ip: '172.18.0.5' }) });
    const text = jsonReport({ ...base, incidents });
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\n/g, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    for (const esc of ['\\u0007', '\\u001b', '\\u007f', '\\u0085', '\\u009b', '\\u009c', '\\u2028', '\\u2029', '\\u202e', '\\u202c', '\\u2066', '\\u2069', '\\u200e', '\\u200f', '\\u061c']) {
      expect(text).toContain(esc);
    }
    const raws = (JSON.parse(text) as { incidents: { burst: { evidence: { raw: string }[] } }[] }).incidents.flatMap((i) => i.burst.evidence.map((e) => e.raw));
    expect(raws.some((r) => r.includes(nasty))).toBe(true);
    expect(JSON.parse(jsonError(`bad ${nasty}`, null, 2)).error.message).toBe(`bad ${nasty}`);
    expect(jsonError(`bad ${nasty}`, null, 2)).not.toMatch(/[\x7f-\x9f\u202e]/);
  });

  it('an error is one JSON line with the same schema version', () => {
    const line = jsonError('no such file', 'check the path', 2);
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).toEqual({ schemaVersion: 1, error: { message: 'no such file', hint: 'check the path', exitCode: 2 } });
  });
});

/** Markdown outside fenced code blocks (a fence is 3 or more backticks, closed by the same run). */
function outsideFences(md: string): string {
  return md.replace(/^(`{3,})[a-z]*$[\s\S]*?^\1$/gm, '\n');
}

/** Unescaped `|` in a line (GFM splits cells on them, even inside code spans). */
function cellPipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

describe('markdown export', () => {
  const md = markdownReport(context());

  it('has title, impact, timeline, why, fix and evidence sections', () => {
    expect(md).toMatch(/^# Incident: Restart race/);
    for (const h of ['## Impact', '### Impact', '### Timeline', '### Why', '### Proposed fix', '### Evidence']) expect(md).toContain(h);
    expect(md).toContain('| Failed requests | 31 (connection refused (111) ×21, connection reset (104) ×10) |');
    expect(md).toMatch(/^\| Writes at risk[^|\n]*\| 30 \|$/m);
    expect(md).toMatch(/^\| [^|\n]*retr[^|\n]*\| 10 \|$/m);
    expect(md).toContain('**Diagnosis:** `restart-race`, high confidence (0.90).');
    expect(md).toContain('Log times are read in **UTC**');
  });

  it('contains no control character at all (ESC, BEL, C1)', () => {
    expect(md).not.toMatch(CONTROL);
    expect(md).not.toContain('https://evil.example/');
  });

  it('keeps the hostile line inside the evidence fence, verbatim, with the fence unbreakable', () => {
    const evidence = md.slice(md.indexOf('### Evidence'));
    const [, fence = '', block = ''] = /^(`{3,})text\n([\s\S]*?)\n\1$/m.exec(evidence) ?? [];
    expect(block).toContain('<script>alert(1)</script>```~~~'); // literal text inside code: inert
    expect(block).toContain('click me');
    // No run of backticks inside as long as the fence: nothing can close it early.
    expect(fence.length).toBeGreaterThan(3);
    expect(block).not.toContain(fence);
    expect(block.split('\n').every((l) => /^error\.log:\d+ {2}/.test(l))).toBe(true);
  });

  it('outside code, HTML and markup are escaped', () => {
    const prose = outsideFences(md);
    expect(prose).not.toMatch(/<script/i);
    expect(prose).not.toContain('\x1b');
  });

  it('every table row has exactly its column count of cell separators', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(10);
    const timeline = md.slice(md.indexOf('### Timeline'), md.indexOf('### Why')).split('\n').filter((l) => l.startsWith('|'));
    for (const r of timeline) expect(cellPipes(r)).toBe(5);
    const impact = md.slice(md.indexOf('### Impact'), md.indexOf('### Timeline')).split('\n').filter((l) => l.startsWith('|'));
    for (const r of impact) expect(cellPipes(r)).toBe(3);
  });

  it('an upstream name with a pipe or backtick cannot break the impact table', () => {
    const lines = failLines(T0, 5, 200, { msg: 'no live upstreams while connecting to upstream', upstream: 'http://back|e`nd' });
    const doc = markdownReport(context({ lines, events: [], containers: [] }));
    const impact = doc.slice(doc.indexOf('### Impact'), doc.indexOf('### Timeline')).split('\n').filter((l) => l.startsWith('|'));
    for (const r of impact) expect(cellPipes(r)).toBe(3);
    const timeline = doc.slice(doc.indexOf('### Timeline'), doc.indexOf('### Why')).split('\n').filter((l) => l.startsWith('|'));
    for (const r of timeline) expect(cellPipes(r)).toBe(5);
  });

  it('with no incident, says so', () => {
    const doc = markdownReport(context({ lines: [] }));
    expect(doc).toMatch(/^# No upstream incident found/);
    expect(doc).toContain('No burst of upstream errors reached the incident threshold.');
  });
});

describe('reports in parts', () => {
  it('text and markdown: a head, then one part per incident, each ending a line', () => {
    const base = context();
    const incidents = [...base.incidents, ...base.incidents];
    for (const parts of [[...textReportParts({ ...base, incidents })], [...markdownReportParts({ ...base, incidents })]]) {
      expect(parts).toHaveLength(3);
      for (const p of parts) expect(p.endsWith('\n')).toBe(true);
    }
    expect([...textReportParts({ ...base, incidents })][1]).toMatch(/^\nINCIDENT 1 /);
    expect([...markdownReportParts({ ...base, incidents })][2]).toMatch(/^## 2\. /);
  });
});

describe('timeline', () => {
  it('merges container events and the first/last error in time order, Docker first on a tie', () => {
    const ctx = context();
    const rows = incidentTimeline(ctx.incidents[0]!);
    expect(rows.map((r) => r.what)).toEqual(['kill', 'die', 'stop', 'start', 'restart', 'first error', 'last error']);
    const times = rows.map((r) => r.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rows.find((r) => r.what === 'die')!.detail).toBe('exit code 143 (SIGTERM)');
  });
});

describe('counts in reports', () => {
  it('formatCount groups digits exactly as toLocaleString("en-US") does', () => {
    for (const n of [0, 7, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 1_573_111, 400_000_000, 2 ** 53 - 1, -1, -1234, -1_000_000, 1.5, 1234.25])
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });

  it('a record of counts reads the biggest first, whatever order its keys came in (one thread and two fold them differently)', () => {
    const want = '6,602 not-nginx, 1,300 bad-time, 12 binary, 12 empty';
    expect(countsBiggestFirst({ binary: 12, empty: 12, 'not-nginx': 6602, 'bad-time': 1300 })).toBe(want);
    expect(countsBiggestFirst({ 'bad-time': 1300, 'not-nginx': 6602, empty: 12, binary: 12, 'too-long': 0 })).toBe(want);
    expect(countsBiggestFirst({})).toBe('');
  });
});

describe('counter lines', () => {
  it('group every count in thousands, unparsed reasons and events included', async () => {
    const { countersLine, eventsLine } = await import('../../src/report/format.js');
    const c = {
      linesRead: 1_573_111,
      otherLines: 1_452_075,
      upstreamErrors: 114_667,
      unparsed: { binary: 260_912, 'not-nginx': 11_475 },
      outsideWindow: 12_345,
      dockerEvents: 1_045,
      ignoredEvents: 44_655,
      invalidEvents: 0,
      isolatedErrors: 20_085,
    };
    expect(countersLine(c)).toBe(
      '1,573,111 lines read, 114,667 upstream errors, 1,452,075 other, 272,387 unparsed (260,912 binary, 11,475 not-nginx), 12,345 outside --since/--until, 20,085 isolated errors below the burst minimum',
    );
    expect(eventsLine(c)).toBe('1,045 container lifecycle events used, 44,655 other events ignored (exec, network, image…), 0 invalid');
  });
});
