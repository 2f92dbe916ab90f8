/**
 * How the terminal's rows and columns are shared between the panels. Pure: the screen is
 * readable at 80×24 (everything stacked, short lists) and spreads out when there is room.
 * One row is left unused on purpose: ink clears the whole terminal on every frame whose
 * height reaches the terminal's, which would flicker under a stream.
 */

export const HEADER_ROWS = 2;
export const FOOTER_ROWS = 2;
const MIN_DETAIL_ROWS = 6;

export interface Layout {
  cols: number;
  rows: number;
  /** Upstream and container panels side by side. */
  topSideBySide: boolean;
  /** Incident list and detail pane side by side. */
  bottomSideBySide: boolean;
  upstreamRows: number;
  containerRows: number;
  listRows: number;
  detailRows: number;
  /** Widths when side by side (else both are `cols`). */
  leftCols: number;
  rightCols: number;
}

export interface LayoutCounts {
  upstreams: number;
  containers: number;
  incidents: number;
  /** The detail pane has the keys or shows the fix diff: on a small screen it takes the room. */
  focusDetail?: boolean;
}

/** Rows are each panel's height including its one title row. */
export function computeLayout(cols: number, rows: number, n: LayoutCounts): Layout {
  const c = Math.max(40, cols);
  const r = Math.max(12, rows);
  const body = r - 1 - HEADER_ROWS - FOOTER_ROWS;
  const topSideBySide = c >= 120;
  const bottomSideBySide = c >= 120 && r >= 30;
  let cap = r >= 50 ? 10 : r >= 36 ? 6 : r >= 28 ? 4 : 3;
  if (n.focusDetail && !bottomSideBySide && r < 36) cap = 1;
  for (;;) {
    const up = 1 + Math.min(Math.max(1, n.upstreams), cap);
    const ct = 1 + Math.min(Math.max(1, n.containers), cap);
    const top = topSideBySide ? Math.max(up, ct) : up + ct;
    const list = bottomSideBySide ? 0 : 1 + Math.min(Math.max(1, n.incidents), cap);
    const rest = body - top - list;
    if (rest >= MIN_DETAIL_ROWS || cap === 1) {
      const leftCols = bottomSideBySide || topSideBySide ? Math.floor(c * 0.45) : c;
      return {
        cols: c,
        rows: r,
        topSideBySide,
        bottomSideBySide,
        upstreamRows: topSideBySide ? top : up,
        containerRows: topSideBySide ? top : ct,
        listRows: bottomSideBySide ? Math.max(2, rest) : list,
        detailRows: Math.max(2, rest),
        leftCols,
        rightCols: topSideBySide || bottomSideBySide ? c - leftCols - 1 : c,
      };
    }
    cap--;
  }
}
