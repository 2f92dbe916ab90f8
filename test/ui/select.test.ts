import { describe, expect, it } from 'vitest';
import { timelineOf, visibleContainers, visibleIncidents, visibleUpstreams } from '../../src/ui/select.js';
import { sparkline } from '../../src/ui/sparkline.js';
import { detailLines } from '../../src/ui/detailLines.js';
import { snapshot, T0 } from './fixtures.js';

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

  it('merges the burst and the container events into one timeline, in time order', () => {
    const i = snapshot().incidents[0]!;
    const t = timelineOf(i);
    expect(t.map((x) => x.time)).toEqual([...t.map((x) => x.time)].sort((a, b) => a - b));
    expect(t.map((x) => x.text)).toEqual([
      'api kill (signal 15)',
      'api died (exit 143)',
      'api stop',
      'api start',
      'api restart',
      'first error on 127.0.0.1:3000 (refused)',
      'last error — 142 in 6.2 s',
      'api health: healthy',
    ]);
    expect(t[0]!.time).toBe(T0);
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
    expect(summary).toContain('  03:12:41.100   -100 ms  api start');
    expect(summary.some((l) => l.startsWith('Checklist — the app is up now'))).toBe(true);
    expect(summary).toContain('  ✘ Healthcheck defined: none in image or compose');
    const fix = detailLines(i, 'fix', 'UTC');
    expect(fix.find((l) => l.text === '+    server 127.0.0.1:3001 backup;')?.tone).toBe('ok');
  });
});
