/**
 * What a person looks for on the live screen (issue 17): the failing upstream on top, one cause
 * (or an explicit disagreement), detail lines that are never cut with "…", g/G, the quiet Docker
 * stream in words. Pure selectors first, then the App at 80×24 and 160×45.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { CONCLUSIONS } from '../../src/checklist/conclusion.js';
import type { EngineSnapshot, UpstreamStat } from '../../src/model/snapshot.js';
import type { Incident } from '../../src/model/incident.js';
import { visibleUpstreams } from '../../src/ui/select.js';
import { detailLines, wrapLines } from '../../src/ui/detailLines.js';
import { verdictConflict } from '../../src/ui/verdict.js';
import { initialUiState, uiReducer } from '../../src/ui/state.js';
import { commandFor } from '../../src/ui/keymap.js';
import { sourceText } from '../../src/ui/view/Header.js';
import { burst, incident, snapshot, T0 } from './fixtures.js';
import { plain, renderScreen, waitForFrame } from './renderScreen.js';
import stringWidth from 'string-width';
import { fit, pad } from '../../src/ui/format.js';

/** A failure whose request holds CJK characters (two terminal columns each) and an emoji. */
const WIDE_RAW =
  '2024/01/15 03:12:41 [error] 31#31: *882 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.8, server: shop.example, request: "GET /商品/a中文字符中文字符中文字符中文字符中文字符中文字符中文字符🛒 HTTP/1.1", upstream: "http://127.0.0.1:3000/商品/a中文字符中文字符中文字符中文字符中文字符中文字符中文字符🛒", host: "shop.example"';

const LONG_RAW =
  '2024/01/15 03:12:41 [error] 31#31: *881 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.7, server: shop.example, request: "POST /api/orders/checkout/confirm?session=8f1c2d9a HTTP/1.1", upstream: "http://127.0.0.1:3000/api/orders/checkout/confirm?session=8f1c2d9a", host: "shop.example", referrer: "https://shop.example/cart/review/step-3"';

function stray(key: string, lastErrorAt: number): UpstreamStat {
  const perSecond = Array.from({ length: 60 }, (_, i) => (i === 59 ? 1 : 0));
  return { key, upstream: { url: `unix:${key}`, scheme: 'unix', host: key, port: null, path: '' }, total: 1, kinds: { 'unix-socket': 1 }, perSecond, lastErrorAt, container: null } as UpstreamStat;
}

/** The restart-race fixture diagnosed as a stop timeout while the checklist watched a restart race. */
function stopTimeoutWithRaceChecklist(): Incident {
  const base = incident('b1', burst('b1', { evidence: [{ source: '/var/log/nginx/error.log', line: 1042, time: T0 + 1200, raw: LONG_RAW }] }));
  return {
    ...base,
    diagnosis: { ...base.diagnosis, patternId: 'stop-timeout', title: 'Stop timeout: the app ignored SIGTERM and was SIGKILLed during a restart' },
    checklist: { ...base.checklist!, conclusion: CONCLUSIONS.restartRace },
  };
}

describe('what matters on the screen (selectors)', () => {
  it('puts the failing upstream above stray single errors that are more recent', () => {
    const s = snapshot();
    // Three stray errors in the last second on other upstreams, newer than the incident's errors.
    const upstreams = [stray('/run/gunicorn/docs.sock', T0 + 24_900), stray('/run/php/a.sock', T0 + 24_950), stray('/run/php/b.sock', T0 + 24_990), ...s.upstreams];
    const order = visibleUpstreams({ ...s, upstreams }, '').map((u) => u.key);
    expect(order.slice(0, 2)).toEqual(['127.0.0.1:3000', '127.0.0.1:4000']); // both have incidents: most errors in the last minute first
  });

  it('names a checklist that disagrees with the diagnosis in one line, and stays quiet when they agree', () => {
    const i = stopTimeoutWithRaceChecklist();
    expect(verdictConflict(i)).toBe('checklist: app not yet listening → restart race; diagnosis from events: stop timeout');
    const text = detailLines(i, 'summary', 'UTC').map((l) => l.text);
    expect(text[1]).toBe('! checklist: app not yet listening → restart race; diagnosis from events: stop timeout');
    expect(text).toContain('Checklist — app not yet listening → restart race (disagrees with the diagnosis above)');
    const agreeing = { ...i, diagnosis: { ...i.diagnosis, patternId: 'restart-race', title: 'Restart race: nginx sent traffic before the app listened' } };
    expect(verdictConflict(agreeing)).toBeNull();
    expect(detailLines(agreeing, 'summary', 'UTC').map((l) => l.text)).toContain('Checklist — app not yet listening → restart race');
    // A conclusion that names no cause contradicts nothing.
    expect(verdictConflict({ ...i, checklist: { ...i.checklist!, conclusion: CONCLUSIONS.healthyTransient } })).toBeNull();
  });

  it('wraps long lines at spaces under their indent, keeping every character', () => {
    const lines = [{ text: `  · ${LONG_RAW}`, tone: 'dim' as const }, { text: 'short', tone: 'plain' as const }];
    for (const width of [20, 57, 80, 160]) {
      const rows = wrapLines(lines, width);
      for (const r of rows) expect([...r.text].length).toBeLessThanOrEqual(width);
      expect(rows.map((r) => r.text).join('').replace(/\s+/g, '')).toBe(`·${LONG_RAW}short`.replace(/\s+/g, ''));
      expect(rows.slice(1, -1).every((r) => r.text.startsWith('    '))).toBe(true); // continuation under the text, after the mark
    }
  });

  it('wraps and cuts by terminal columns: CJK and emoji take two, every character kept', () => {
    const lines = [{ text: `  · ${WIDE_RAW}`, tone: 'dim' as const }];
    for (const width of [1, 2, 3, 20, 57, 80]) {
      const rows = wrapLines(lines, width);
      for (const r of rows) expect(stringWidth(r.text), r.text).toBeLessThanOrEqual(Math.max(width, 2));
      expect(rows.map((r) => r.text).join('').replace(/\s+/g, '')).toBe(`·${WIDE_RAW}`.replace(/\s+/g, ''));
    }
    // A two-column character on the edge goes to the next row whole (a row of 80 code points was 100+ columns).
    expect(wrapLines([{ text: `a${'中'.repeat(50)}`, tone: 'plain' }], 10).map((r) => r.text)).toEqual(['a中中中中', ...Array(9).fill('中中中中中'), '中']);
    for (const width of [1, 2, 5, 6, 12]) {
      expect(stringWidth(pad('a中文字符', width))).toBe(width);
      expect(stringWidth(fit('a中文字符', width))).toBeLessThanOrEqual(width);
    }
    expect(fit('a中文字符', 4)).toBe('a中…');
    expect(pad('中文', 6)).toBe('中文  ');
  });

  it('g / G go to the top / bottom of the detail pane; scrolling stops at the last page', () => {
    expect(commandFor('g', {})).toBe('top');
    expect(commandFor('G', {})).toBe('bottom');
    let s = uiReducer(initialUiState, { type: 'detail-edge', edge: 'bottom', maxScroll: 12 });
    expect(s.detailScroll).toBe(12);
    s = uiReducer({ ...s, pane: 'detail' }, { type: 'move', delta: 5, ids: [], maxScroll: 12 });
    expect(s.detailScroll).toBe(12);
    s = uiReducer(s, { type: 'move', delta: -1, ids: [], maxScroll: 12 });
    expect(s.detailScroll).toBe(11); // one up from the bottom is one row up, not lost past the end
    expect(uiReducer(s, { type: 'detail-edge', edge: 'top', maxScroll: 12 }).detailScroll).toBe(0);
  });

  it('says "no events since HH:MM:SS" for a connected but quiet Docker stream, not a lag', () => {
    const docker = { id: 'docker', kind: 'docker' as const, label: 'docker /var/run/docker.sock', state: 'ok' as const, detail: null, itemsRead: 58, lagMs: 11 * 60_000 };
    const now = Date.UTC(2024, 0, 15, 3, 23, 40);
    expect(sourceText(docker, now, 'UTC')).toBe('docker ok 58 events, no events since 03:12:40');
    expect(sourceText(docker, now, 'UTC')).not.toContain('lag');
  });
});

describe('what matters on the screen (App)', () => {
  const shown: ReturnType<typeof renderScreen>[] = [];
  afterEach(() => {
    for (const s of shown.splice(0)) s.unmount();
  });
  const feed = (s: EngineSnapshot) => ({ subscribe: () => () => {}, getSnapshot: () => s });

  for (const [cols, rows] of [
    [80, 24],
    [160, 45],
  ] as const) {
    it(`at ${cols}×${rows}: no detail row ends in "…", the whole evidence line is reachable with G, one cause`, async () => {
      const i = stopTimeoutWithRaceChecklist();
      const s = snapshot({ incidents: [i], openBursts: [] });
      const screen = renderScreen(<App feed={feed(s)} color={false} />, { cols, rows });
      shown.push(screen);
      const top = await waitForFrame(screen.lastFrame, (f) => f.includes('— incident b1'), 'the detail pane');
      const detailOf = (f: string) => f.split('\n').slice(f.split('\n').findIndex((l) => l.includes('— incident b1')) + 1, -2);
      const flat = (rowsOf: string[]) => rowsOf.map((r) => r.trim()).join(' ');
      expect(flat(detailOf(top))).toContain('Stop timeout');
      expect(flat(detailOf(top))).toContain('! checklist: app not yet listening → restart race; diagnosis from events: stop timeout');
      const seen: string[] = [];
      seen.push(...detailOf(top));
      screen.press('\t'); // the detail pane takes the keys
      for (let n = 0; n < 40; n++) {
        screen.press('j');
        await new Promise((r) => setImmediate(r));
        seen.push(...detailOf(plain(screen.lastFrame())));
      }
      screen.press('G');
      const bottom = await waitForFrame(screen.lastFrame, (f) => !/Detail \[[^\]]*↓/.test(f), 'the last page');
      seen.push(...detailOf(bottom));
      for (const row of seen) expect(row.trimEnd().endsWith('…'), row).toBe(false);
      // The long evidence line, wrapped, is all there.
      expect(flat(seen).replace(/\s+/g, '')).toContain('referrer:"https://shop.example/cart/review/step-3"');
      screen.press('g');
      await waitForFrame(screen.lastFrame, (f) => !/Detail \[/.test(f) || /Detail \[1-/.test(f), 'back to the top');
    });

    it(`at ${cols}×${rows}: a log line of CJK characters wraps inside the pane, the header stays, nothing is cut`, async () => {
      const i = incident('b1', burst('b1', { evidence: [{ source: '/var/log/nginx/error.log', line: 7, time: T0 + 1200, raw: WIDE_RAW }] }));
      const s = snapshot({ incidents: [i], openBursts: [] });
      const screen = renderScreen(<App feed={feed(s)} color={false} />, { cols, rows });
      shown.push(screen);
      const seen: string[] = [];
      const look = (f: string) => {
        const all = f.split('\n');
        expect(all.length).toBe(rows - 1);
        expect(all[0]).toMatch(/^(restartdoctor )?LIVE /); // the header is not pushed off the top
        for (const r of all) expect(stringWidth(r), r).toBeLessThanOrEqual(cols);
        seen.push(...all.slice(all.findIndex((l) => l.includes('— incident b1')) + 1, -2));
      };
      look(await waitForFrame(screen.lastFrame, (f) => f.includes('— incident b1'), 'the detail pane'));
      screen.press('\t');
      for (let n = 0; n < 40; n++) {
        screen.press('j');
        await new Promise((r) => setImmediate(r));
        look(plain(screen.lastFrame()));
      }
      for (const row of seen) expect(row.trimEnd().endsWith('…'), row).toBe(false);
      expect(seen.map((r) => r.trim()).join('').replace(/\s+/g, '')).toContain('中文字符中文字符中文字符中文字符中文字符中文字符中文字符🛒');
    });
  }
});
