/**
 * The live screen. Renders the latest EngineSnapshot from the store (never calls the engine),
 * keeps UI state in a reducer, and sends checklist / export / quit to callbacks so the wiring
 * (engine, probes, files) stays outside the view.
 */
import { useMemo, useReducer, useRef, useSyncExternalStore } from 'react';
import { Box, useApp } from 'ink';
import type { EngineSnapshot } from '../model/snapshot.js';
import { oneLine } from '../util/errors.js';
import { computeLayout, HEADER_ROWS } from './layout.js';
import { initialUiState, uiReducer, type UiAction, type UiState } from './state.js';
import { isOpen, sameWorkload, visibleContainers, visibleIncidents, visibleUpstreams } from './select.js';
import { useUiInput } from './input.js';
import type { UiCommand } from './keymap.js';
import { useTerminalSize } from './useTerminalSize.js';
import { makeTheme, ThemeProvider } from './theme.js';
import { clean } from './format.js';
import { Header } from './view/Header.js';
import { UpstreamPanel } from './view/UpstreamPanel.js';
import { ContainerPanel } from './view/ContainerPanel.js';
import { IncidentList } from './view/IncidentList.js';
import { DetailPane } from './view/DetailPane.js';
import { detailLines, wrapLines } from './detailLines.js';
import { Footer } from './view/Footer.js';
import { HelpScreen } from './view/HelpScreen.js';

export interface SnapshotFeed {
  subscribe: (listener: () => void) => () => void;
  getSnapshot: () => EngineSnapshot;
}

export interface AppActions {
  /** Re-runs the checklist for an incident; resolves with a one-line outcome once attached. */
  rerunChecklist?: (incidentId: string) => Promise<string | void>;
  /** Writes the markdown summary; resolves with the path written. */
  exportMarkdown?: (snapshot: EngineSnapshot, selectedId: string | null) => Promise<string>;
  /** Called once when the user quits (after ink has been told to exit). */
  quit?: () => void;
}

export interface AppProps {
  feed: SnapshotFeed;
  actions?: AppActions;
  color?: boolean;
  initialState?: Partial<UiState>;
}

export function App({ feed, actions = {}, color = true, initialState }: AppProps) {
  const theme = useMemo(() => makeTheme(color), [color]);
  return (
    <ThemeProvider theme={theme}>
      <Screen feed={feed} actions={actions} initialState={initialState} />
    </ThemeProvider>
  );
}

function Screen({ feed, actions, initialState }: { feed: SnapshotFeed; actions: AppActions; initialState?: Partial<UiState> }) {
  const { exit } = useApp();
  const live = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
  const [state, dispatchToReact] = useReducer(uiReducer, { ...initialUiState, ...initialState });
  // Keys can arrive faster than renders (typing, pasting a filter): the input handler reads this
  // mirror, kept current by running the same reducer on every dispatch, never a stale render's state.
  const latest = useRef<UiState>(state);
  const dispatch = (a: UiAction): void => {
    latest.current = uiReducer(latest.current, a);
    dispatchToReact(a);
  };
  // Paused: keep drawing the snapshot taken when `p` was pressed; the engine keeps ingesting.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed only when pause toggles, on purpose
  const frozen = useMemo(() => live, [state.paused]);
  const snapshot = state.paused ? frozen : live;
  const { cols, rows } = useTerminalSize();

  const incidents = useMemo(() => visibleIncidents(snapshot, state.filter), [snapshot, state.filter]);
  const upstreams = useMemo(() => visibleUpstreams(snapshot, state.filter), [snapshot, state.filter]);
  const containers = useMemo(() => visibleContainers(snapshot, state.filter), [snapshot, state.filter]);
  const ids = useMemo(() => incidents.map((i) => i.id), [incidents]);
  const openIds = useMemo(() => new Set(incidents.filter((i) => isOpen(snapshot, i)).map((i) => i.id)), [incidents, snapshot]);

  // Keep the selection valid (and on the newest incident while following). The reducer returns
  // the same state when nothing changes, so this costs no extra render.
  const synced = uiReducer(state, { type: 'sync', ids });
  if (synced !== state) dispatch({ type: 'sync', ids });
  const view = synced;

  const layout = computeLayout(cols, rows, {
    upstreams: upstreams.length,
    containers: containers.length,
    incidents: incidents.length,
    focusDetail: view.pane === 'detail' || view.detailMode === 'fix',
  });
  const selected = incidents.find((i) => i.id === view.selectedId) ?? null;
  const detailWidth = layout.bottomSideBySide ? layout.rightCols : layout.cols;
  // What this screen cannot do (a replay probes nothing): neither offered in the footer nor promised in the detail.
  const unavailable = useMemo(
    () => new Set<UiCommand>([...(actions.rerunChecklist ? [] : ['checklist' as const]), ...(actions.exportMarkdown ? [] : ['export' as const])]),
    [actions.rerunChecklist, actions.exportMarkdown],
  );
  const canCheck = !unavailable.has('checklist');
  const detailRows = useMemo(
    () => (selected ? wrapLines(detailLines(selected, view.detailMode, snapshot.tz, sameWorkload(snapshot, selected), canCheck), detailWidth) : []),
    [selected, view.detailMode, snapshot, detailWidth, canCheck], // snapshot: its tz and the same-workload incidents
  );
  const maxScroll = Math.max(0, detailRows.length - (layout.detailRows - 1));

  const run = (command: 'checklist' | 'export' | 'quit'): void => {
    if (command === 'quit') {
      exit();
      actions.quit?.();
      return;
    }
    if (command === 'checklist') {
      if (!selected) return dispatch({ type: 'message', text: 'no incident selected', level: 'error' });
      if (!actions.rerunChecklist) return dispatch({ type: 'message', text: 'the checklist cannot run here (no live target)', level: 'error' });
      dispatch({ type: 'message', text: `running the checklist for ${clean(selected.burst.upstreamKey)}…`, level: 'info' });
      actions.rerunChecklist(selected.id).then(
        (outcome) => dispatch({ type: 'message', text: outcome ? `checklist: ${outcome}` : 'checklist updated', level: 'info' }),
        (err: unknown) => dispatch({ type: 'message', text: `checklist failed: ${oneLine(err)}`, level: 'error' }),
      );
      return;
    }
    if (!actions.exportMarkdown) return dispatch({ type: 'message', text: 'export is not available here', level: 'error' });
    dispatch({ type: 'message', text: 'exporting…', level: 'info' });
    actions.exportMarkdown(snapshot, view.selectedId).then(
      (file) => dispatch({ type: 'message', text: `exported to ${file}`, level: 'info' }),
      (err: unknown) => dispatch({ type: 'message', text: `export failed: ${oneLine(err)}`, level: 'error' }),
    );
  };

  useUiInput({ state: () => latest.current, dispatch, ids, pageRows: view.pane === 'list' ? layout.listRows - 1 : layout.detailRows - 1, maxScroll, run });

  const body = layout.rows - 1 - HEADER_ROWS - 2;
  return (
    <Box flexDirection="column" width={layout.cols} height={layout.rows - 1}>
      <Header snapshot={snapshot} paused={view.paused} width={layout.cols} />
      {view.help ? (
        <HelpScreen width={layout.cols} height={body} unavailable={unavailable} />
      ) : (
        <Box flexDirection="column" height={body}>
          <Box flexDirection={layout.topSideBySide ? 'row' : 'column'}>
            <UpstreamPanel upstreams={upstreams} width={layout.topSideBySide ? layout.leftCols : layout.cols} height={layout.upstreamRows} />
            {layout.topSideBySide ? <Box width={1} /> : null}
            <ContainerPanel containers={containers} width={layout.topSideBySide ? layout.rightCols : layout.cols} height={layout.containerRows} />
          </Box>
          <Box flexDirection={layout.bottomSideBySide ? 'row' : 'column'}>
            <IncidentList
              incidents={incidents}
              openIds={openIds}
              selectedId={view.selectedId}
              focused={view.pane === 'list'}
              tz={snapshot.tz}
              width={layout.bottomSideBySide ? layout.leftCols : layout.cols}
              height={layout.listRows}
              filter={view.filter}
            />
            {layout.bottomSideBySide ? <Box width={1} /> : null}
            <DetailPane
              incident={selected}
              rows={detailRows}
              mode={view.detailMode}
              scroll={view.detailScroll}
              focused={view.pane === 'detail'}
              width={detailWidth}
              height={layout.detailRows}
            />
          </Box>
        </Box>
      )}
      <Footer state={view} width={layout.cols} unavailable={unavailable} />
    </Box>
  );
}
