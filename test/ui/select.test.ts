import { describe, expect, it } from 'vitest';
import { visibleContainers, visibleIncidents, visibleUpstreams } from '../../src/ui/select.js';
import { incidentTimeline } from '../../src/report/timeline.js';
import { sparkline } from '../../src/ui/sparkline.js';
import { detailLines } from '../../src/ui/detailLines.js';
import { event, snapshot, T0 } from './fixtures.js';

describe('selectors', () => {
  it('lists incidents newest first and filters by upstream, container, title or evidence text', () => {
    const s = snapshot();
    expect(visibleIncidents(s, '').map((i) => i.id)).toEqual(['b2', 'b1']);
    expect(visibleIncidents(s, 'API').map((i) => i.id)).toEqual(['b1']);
    expect(visibleIncidents(s, ':4000').map((i) => i.id)).toEqual(['b2']);
    expect(visibleIncidents(s, 'GET /jobs').map((i) => i.id)).toEqual(['b2']); // evidence text
    expect(visibleIncidents(s, 'nothing-like-this')).toEqual([]);
    expect(visibleUpstreams(s, 'api').map((u) => u.key)).toEqual(['127.0.0.1:3000']);
    expect(visibleContainers(s, '').map((c) => c.name)).toEqual(['worker', 'api', 'db']);
  });

  it("the detail pane's timeline is the report's: same rows, same order", () => {
    const i = snapshot().incidents[0]!;
    const pane = detailLines(i, 'summary', 'UTC').map((l) => l.text);
    const rows = pane.slice(pane.indexOf('Timeline') + 1, pane.findIndex((l) => l.startsWith('Evidence')));
    expect(rows.map((l) => l.trim().split(/\s{2,}/)[2])).toEqual(incidentTimeline(i).map((r) => r.what));
    expect(rows.map((l) => l.trim().split(/\s{2,}/)[2])).toEqual(['kill', 'die', 'stop', 'start', 'restart', 'first error', 'health: healthy', 'last error']);
  });

  it('a die within the second nginx stamped its first error comes first, on the screen as in the report', () => {
    // nginx stamps whole seconds: the refusals logged at :41 follow a die at :41.020 (the die caused them).
    const base = snapshot().incidents[0]!;
    const second = T0 + 1000;
    const b = { ...base.burst, first: second, last: second + 3000, evidence: base.burst.evidence.map((e) => ({ ...e, time: second })) };
    const events = [event('kill', 1010, { signal: '15' }), event('die', 1020, { exitCode: 143 }), event('start', 1800)];
    const i = { ...base, burst: b, facts: { ...base.facts, events } };
    const pane = detailLines(i, 'summary', 'UTC').map((l) => l.text);
    const shown = pane.slice(pane.indexOf('Timeline') + 1, pane.findIndex((l) => l.startsWith('Evidence'))).map((l) => l.trim().split(/\s{2,}/)[2]);
    expect(shown).toEqual(['kill', 'die', 'first error', 'start', 'last error']);
    // The rows the text and markdown reports draw.
    expect(incidentTimeline(i).map((r) => r.what)).toEqual(shown);
  });

  it('draws a sparkline: blank for zero, lowest bar for any error, right-aligned', () => {
    expect(sparkline([0, 1, 8, 4], 4)).toBe(' ▁█▄');
    expect(sparkline([0, 0], 2)).toBe('  ');
    expect(sparkline([5], 3)).toBe('  █');
    expect(sparkline([1, 2, 3], 2)).toBe('▆█');
  });

  it('builds the detail lines and the fix diff with tones', () => {
    const i = snapshot().incidents[0]!;
    const summary = detailLines(i, 'summary', 'UTC').map((l) => l.text);
    expect(summary[0]).toBe('Restart race: nginx sent traffic before the app listened — confidence high (86%)');
    expect(summary).toContain('  03:12:41.100   -100 ms  start            api  image shop/api:1.4');
    expect(summary.some((l) => l.startsWith('Checklist — the app is up now'))).toBe(true);
    expect(summary).toContain('  ✘ Healthcheck defined: none in image or compose');
    const fix = detailLines(i, 'fix', 'UTC');
    expect(fix.find((l) => l.text === '+    server 127.0.0.1:3001 backup;')?.tone).toBe('ok');
  });
});
