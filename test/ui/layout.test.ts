import { describe, expect, it } from 'vitest';
import { computeLayout, FOOTER_ROWS, HEADER_ROWS } from '../../src/ui/layout.js';

const total = (l: ReturnType<typeof computeLayout>) =>
  (l.topSideBySide ? l.upstreamRows : l.upstreamRows + l.containerRows) + (l.bottomSideBySide ? l.detailRows : l.listRows + l.detailRows);

describe('computeLayout', () => {
  it('stacks everything at 80×24 and leaves the detail pane room', () => {
    const l = computeLayout(80, 24, { upstreams: 5, containers: 9, incidents: 12 });
    expect(l.topSideBySide).toBe(false);
    expect(l.bottomSideBySide).toBe(false);
    expect(total(l)).toBe(24 - 1 - HEADER_ROWS - FOOTER_ROWS);
    expect(l.detailRows).toBeGreaterThanOrEqual(6);
    expect(l.upstreamRows).toBeLessThanOrEqual(4);
  });

  it('uses the room of a large terminal: panels side by side, longer lists', () => {
    const l = computeLayout(200, 60, { upstreams: 8, containers: 9, incidents: 30 });
    expect(l.topSideBySide && l.bottomSideBySide).toBe(true);
    expect(l.upstreamRows).toBeGreaterThan(4);
    expect(total(l)).toBe(60 - 1 - HEADER_ROWS - FOOTER_ROWS);
    expect(l.leftCols + 1 + l.rightCols).toBe(200);
  });

  it('never goes below a usable minimum on a tiny terminal', () => {
    const l = computeLayout(20, 5, { upstreams: 3, containers: 3, incidents: 3 });
    expect(l.cols).toBe(40);
    expect(l.detailRows).toBeGreaterThanOrEqual(2);
  });
});

describe('computeLayout with the detail pane in focus', () => {
  it('gives the detail pane the room on a small terminal', () => {
    const n = { upstreams: 5, containers: 9, incidents: 12 };
    const normal = computeLayout(80, 24, n);
    const focused = computeLayout(80, 24, { ...n, focusDetail: true });
    expect(focused.detailRows).toBeGreaterThan(normal.detailRows + 4);
    expect(total(focused)).toBe(total(normal));
  });
});
