import { describe, expect, it } from 'vitest';
import { initialUiState, uiReducer, type UiAction, type UiState } from '../../src/ui/state.js';

const run = (actions: UiAction[], from: UiState = initialUiState) => actions.reduce(uiReducer, from);
const ids = ['c', 'b', 'a']; // newest first

describe('uiReducer', () => {
  it('follows the newest incident until the user moves, and again when back on top', () => {
    let s = run([{ type: 'sync', ids }]);
    expect(s.selectedId).toBe('c');
    s = run([{ type: 'move', delta: 1, ids }], s);
    expect(s).toMatchObject({ selectedId: 'b', follow: false });
    s = run([{ type: 'sync', ids: ['d', ...ids] }], s);
    expect(s.selectedId).toBe('b'); // not following: stays
    s = run([{ type: 'move', delta: -1, ids: ['d', ...ids] }, { type: 'move', delta: -1, ids: ['d', ...ids] }], s);
    expect(s).toMatchObject({ selectedId: 'd', follow: true });
    s = run([{ type: 'sync', ids: ['e', 'd', ...ids] }], s);
    expect(s.selectedId).toBe('e');
  });

  it('clamps moves and pages at the ends, and ignores moves on an empty list', () => {
    let s = run([{ type: 'sync', ids }, { type: 'move', delta: 10, ids }]);
    expect(s.selectedId).toBe('a');
    s = run([{ type: 'move', delta: -10, ids }], s);
    expect(s.selectedId).toBe('c');
    const same = uiReducer(initialUiState, { type: 'move', delta: 1, ids: [] });
    expect(same).toBe(initialUiState);
  });

  it('reselects when the selected incident disappears (filtered or dropped)', () => {
    let s = run([{ type: 'sync', ids }, { type: 'move', delta: 2, ids }]);
    s = run([{ type: 'sync', ids: ['c', 'b'] }], s);
    expect(s.selectedId).toBe('c');
  });

  it('returns the same state object when a sync changes nothing', () => {
    const s = run([{ type: 'sync', ids }]);
    expect(uiReducer(s, { type: 'sync', ids })).toBe(s);
  });

  it('scrolls the detail pane instead of moving the selection when it has the keys', () => {
    let s = run([{ type: 'sync', ids }, { type: 'switch-pane' }, { type: 'move', delta: 3, ids }]);
    expect(s).toMatchObject({ pane: 'detail', selectedId: 'c', detailScroll: 3 });
    s = run([{ type: 'move', delta: -10, ids }], s);
    expect(s.detailScroll).toBe(0);
    s = run([{ type: 'switch-pane' }], s);
    expect(s.pane).toBe('list');
  });

  it('edits, applies, cancels and clears the filter', () => {
    let s = run([{ type: 'filter-start' }, { type: 'filter-input', text: 'ap' }, { type: 'filter-input', text: 'ix' }, { type: 'filter-backspace' }]);
    expect(s.filterDraft).toBe('api');
    s = run([{ type: 'filter-commit' }], s);
    expect(s).toMatchObject({ filter: 'api', filterDraft: null });
    s = run([{ type: 'filter-start' }, { type: 'filter-input', text: 'zzz' }, { type: 'filter-cancel' }], s);
    expect(s).toMatchObject({ filter: 'api', filterDraft: null });
    s = run([{ type: 'filter-cancel' }], s);
    expect(s.filter).toBe('');
    expect(run([{ type: 'filter-input', text: 'x' }])).toBe(initialUiState);
  });

  it('bounds the filter length', () => {
    const s = run([{ type: 'filter-start' }, { type: 'filter-input', text: 'x'.repeat(500) }]);
    expect(s.filterDraft).toHaveLength(200);
  });

  it('toggles pause, help and the fix view, and keeps the last message', () => {
    const s = run([
      { type: 'toggle-pause' },
      { type: 'toggle-help' },
      { type: 'toggle-fix' },
      { type: 'message', text: 'exported to /tmp/x.md', level: 'info' },
    ]);
    expect(s).toMatchObject({ paused: true, help: true, detailMode: 'fix', message: { text: 'exported to /tmp/x.md', level: 'info' } });
    expect(run([{ type: 'toggle-pause' }, { type: 'toggle-fix' }], s)).toMatchObject({ paused: false, detailMode: 'summary' });
  });
});
