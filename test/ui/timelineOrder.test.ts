/**
 * One TimelineRow view model (report/timeline.ts) for the text report, the markdown export and the
 * live screen's detail pane: the same rows in the same order in all three. Two restarts of one
 * compose service 40 s apart (each incident's correlation window holds its neighbour's restart):
 * the reports leave the neighbour's events out of each timeline, and so must the screen.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import type { Incident } from '../../src/model/incident.js';
import type { EngineSnapshot } from '../../src/model/snapshot.js';
import { byWorkload, workloadKey } from '../../src/report/incidentGroups.js';
import { markdownReport } from '../../src/report/markdownReport.js';
import { reportContext } from '../../src/report/reportContext.js';
import { textReport } from '../../src/report/textReport.js';
import { incidentTimeline, type TimelineRow } from '../../src/report/timeline.js';
import { analyze } from '../../src/session/analyze.js';
import { detailLines } from '../../src/ui/detailLines.js';
import { sameWorkload } from '../../src/ui/select.js';
import { restartTwice, type TwoRestarts } from '../core/restartTwice.js';

let twice: TwoRestarts;
let incidents: Incident[];
let snapshot: EngineSnapshot;
let text: string;
let markdown: string;

beforeAll(async () => {
  twice = restartTwice(40);
  const { engine } = await analyze({ logs: [twice.log], events: twice.events, containers: twice.containers, tz: 'UTC', patterns: loadPatterns(), screenTallies: true });
  incidents = engine.incidents();
  snapshot = engine.snapshot();
  const ctx = reportContext({ engine, version: 'test', generatedAt: 0, tz: 'UTC', inputs: { logs: [twice.log], events: twice.events, containers: twice.containers }, window: { since: null, until: null }, incidents, notes: [] });
  text = textReport(ctx);
  markdown = markdownReport(ctx);
});

afterAll(() => {
  if (twice) rmSync(twice.dir, { recursive: true, force: true });
});

/** The `n`th incident's timeline rows as a renderer drew them: the lines between its start and end markers. */
function section(all: string, n: number, start: (l: string) => boolean, end: (l: string) => boolean): string[] {
  const lines = all.split('\n');
  const begin = lines.findIndex((l, at) => start(l) && lines.slice(0, at).filter(start).length === n);
  const rest = lines.slice(begin + 1);
  return rest.slice(0, rest.findIndex(end));
}

/** Each drawn row holds its TimelineRow's event and subject, row for row. */
function expectRows(drawn: string[], rows: TimelineRow[]): void {
  expect(drawn).toHaveLength(rows.length);
  rows.forEach((r, k) => {
    expect(drawn[k]).toContain(` ${r.what} `);
    expect(drawn[k]).toContain(r.subject);
  });
}

describe('the timeline: one view model, the same rows in the same order on the screen and in both reports', () => {
  it('two incidents of one workload whose windows hold each other’s restart', () => {
    expect(incidents).toHaveLength(2);
    expect(workloadKey(incidents[0]!)).toBe(workloadKey(incidents[1]!));
  });

  it('each incident: text report, markdown export and the detail pane draw incidentTimeline’s rows, in its order', () => {
    const groups = byWorkload(incidents);
    let leftOut = 0;
    incidents.forEach((i, n) => {
      const rows = incidentTimeline(i, groups.get(workloadKey(i)) ?? []);
      // The neighbour's restart is left out (the second incident's window reaches back to the first's).
      leftOut += incidentTimeline(i).length - rows.length;
      expect(rows.map((r) => r.what)).toContain('first error');

      expectRows(section(text, n, (l) => l === '  timeline', (l) => !l.startsWith('    ')), rows);
      const md = section(markdown, n, (l) => l.startsWith('| Time | Event |'), (l) => l === '').filter((l) => !l.startsWith('|---'));
      expectRows(md.map((l) => l.replace(/\|/g, ' ')), rows);

      const shown = snapshot.incidents.find((x) => x.id === i.id)!;
      const pane = detailLines(shown, 'summary', 'UTC', sameWorkload(snapshot, shown)).map((l) => l.text);
      expectRows(pane.slice(pane.indexOf('Timeline') + 1, pane.findIndex((l) => l.startsWith('Evidence'))), rows);
    });
    expect(leftOut).toBeGreaterThan(0);
  });
});
