/**
 * UI state (what is selected, which pane has the keys, the filter, paused, help, the message
 * line) as a pure reducer over a discriminated union of actions. No engine data lives here:
 * the screen derives everything else from the current EngineSnapshot.
 */

type Pane = 'list' | 'detail';
export type DetailMode = 'summary' | 'fix';
type MessageLevel = 'info' | 'error';

export interface UiState {
  pane: Pane;
  /** Selected incident id; null when there is none. */
  selectedId: string | null;
  /** Keep the newest incident selected as new ones arrive (until the user moves away). */
  follow: boolean;
  detailScroll: number;
  detailMode: DetailMode;
  /** The applied filter ('' = none). */
  filter: string;
  /** Non-null while the filter is being typed. */
  filterDraft: string | null;
  paused: boolean;
  help: boolean;
  message: { text: string; level: MessageLevel } | null;
}

export const initialUiState: UiState = {
  pane: 'list',
  selectedId: null,
  follow: true,
  detailScroll: 0,
  detailMode: 'summary',
  filter: '',
  filterDraft: null,
  paused: false,
  help: false,
  message: null,
};

export type UiAction =
  /** ↑/↓ (delta ±1) or a page (±n): moves the selection in the list pane, scrolls in the detail pane. */
  | { type: 'move'; delta: number; ids: readonly string[]; /** Last scroll position of the detail pane (its rows − its height). */ maxScroll?: number }
  /** g / G: the detail pane's first or last page, whichever pane has the keys. */
  | { type: 'detail-edge'; edge: 'top' | 'bottom'; maxScroll: number }
  | { type: 'switch-pane' }
  | { type: 'filter-start' }
  | { type: 'filter-input'; text: string }
  | { type: 'filter-backspace' }
  | { type: 'filter-commit' }
  | { type: 'filter-cancel' }
  | { type: 'toggle-pause' }
  | { type: 'toggle-help' }
  | { type: 'toggle-fix' }
  | { type: 'message'; text: string; level: MessageLevel }
  | { type: 'dismiss-message' }
  /** A new snapshot arrived: keep the selection on a visible incident (newest first in `ids`). */
  | { type: 'sync'; ids: readonly string[] };

const MAX_FILTER = 200;

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'move': {
      if (state.pane === 'detail') {
        const detailScroll = Math.max(0, Math.min(action.maxScroll ?? Infinity, state.detailScroll + action.delta));
        return detailScroll === state.detailScroll ? state : { ...state, detailScroll };
      }
      const { ids } = action;
      if (ids.length === 0) return state;
      const at = state.selectedId === null ? -1 : ids.indexOf(state.selectedId);
      const next = Math.min(ids.length - 1, Math.max(0, at === -1 ? 0 : at + action.delta));
      const selectedId = ids[next] ?? null;
      // Back on the newest incident: follow new ones again.
      return { ...state, selectedId, follow: next === 0, detailScroll: selectedId === state.selectedId ? state.detailScroll : 0 };
    }
    case 'detail-edge': {
      const detailScroll = action.edge === 'top' ? 0 : Math.max(0, action.maxScroll);
      return detailScroll === state.detailScroll ? state : { ...state, detailScroll };
    }
    case 'switch-pane':
      return { ...state, pane: state.pane === 'list' ? 'detail' : 'list' };
    case 'filter-start':
      return { ...state, filterDraft: state.filter, help: false };
    case 'filter-input':
      if (state.filterDraft === null) return state;
      // A paste may carry control characters: they are never part of a filter.
      return { ...state, filterDraft: (state.filterDraft + action.text.replace(/\p{Cc}/gu, '')).slice(0, MAX_FILTER) };
    case 'filter-backspace':
      if (state.filterDraft === null) return state;
      return { ...state, filterDraft: [...state.filterDraft].slice(0, -1).join('') };
    case 'filter-commit':
      if (state.filterDraft === null) return state;
      return { ...state, filter: state.filterDraft.trim(), filterDraft: null, follow: true, detailScroll: 0 };
    case 'filter-cancel':
      // Esc while typing drops the draft; Esc on an applied filter clears it.
      return state.filterDraft !== null ? { ...state, filterDraft: null } : { ...state, filter: '' };
    case 'toggle-pause':
      return { ...state, paused: !state.paused };
    case 'toggle-help':
      return { ...state, help: !state.help };
    case 'toggle-fix':
      return { ...state, detailMode: state.detailMode === 'fix' ? 'summary' : 'fix', detailScroll: 0 };
    case 'message':
      return { ...state, message: { text: action.text, level: action.level } };
    case 'dismiss-message':
      return state.message === null ? state : { ...state, message: null };
    case 'sync': {
      const { ids } = action;
      const selectedId =
        state.follow || state.selectedId === null || !ids.includes(state.selectedId) ? (ids[0] ?? null) : state.selectedId;
      if (selectedId === state.selectedId) return state;
      return { ...state, selectedId, detailScroll: 0 };
    }
  }
}
