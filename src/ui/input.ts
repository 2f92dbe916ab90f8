/**
 * The one input listener: maps keys through the keymap to reducer actions or to the callbacks
 * (checklist, export, quit). Inactive when raw mode is unsupported (stdin is not a TTY and no
 * /dev/tty was found): ink would throw, and keys cannot be read anyway.
 */
import { useInput, useStdin } from 'ink';
import type { Dispatch } from 'react';
import { commandFor, keyPresses, type KeyPress, type UiCommand } from './keymap.js';
import type { UiAction, UiState } from './state.js';

export interface InputContext {
  /** The current UI state, including actions dispatched since the last render. */
  state: () => UiState;
  dispatch: Dispatch<UiAction>;
  /** Visible incident ids, newest first. */
  ids: readonly string[];
  pageRows: number;
  /** The detail pane's last scroll position (its wrapped rows − its height). */
  maxScroll: number;
  run: (command: Extract<UiCommand, 'checklist' | 'export' | 'quit'>) => void;
}

export function useUiInput(ctx: InputContext): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      for (const [one, press] of keyPresses(input, key)) if (onKey(one, press, ctx) === 'quit') return;
    },
    { isActive: isRawModeSupported === true },
  );
}

/** One key: what it does in the current state (`quit` when it ended the screen: the keys after it are dropped). */
function onKey(input: string, key: KeyPress & { meta?: boolean }, ctx: InputContext): UiCommand | null {
  const { dispatch } = ctx;
  const state = ctx.state();
  // A message (an export's path, an error) stays until the next key, which then shows what it does.
  if (state.message !== null) dispatch({ type: 'dismiss-message' });
  if (state.filterDraft !== null) {
    if (key.return) dispatch({ type: 'filter-commit' });
    else if (key.escape) dispatch({ type: 'filter-cancel' });
    else if (key.backspace || key.delete) dispatch({ type: 'filter-backspace' });
    else if (key.ctrl && input === 'c') {
      ctx.run('quit');
      return 'quit';
    } else if (input && !key.ctrl && !key.meta) dispatch({ type: 'filter-input', text: input });
    return null;
  }
  if (key.escape) {
    if (state.help) dispatch({ type: 'toggle-help' });
    else dispatch({ type: 'filter-cancel' });
    return null;
  }
  const command = commandFor(input, key);
  if (command) handle(command, ctx);
  return command;
}

function handle(command: UiCommand, ctx: InputContext): void {
  const { dispatch, ids, maxScroll } = ctx;
  switch (command) {
    case 'up':
      return dispatch({ type: 'move', delta: -1, ids, maxScroll });
    case 'down':
      return dispatch({ type: 'move', delta: 1, ids, maxScroll });
    case 'pageUp':
      return dispatch({ type: 'move', delta: -Math.max(1, ctx.pageRows - 1), ids, maxScroll });
    case 'pageDown':
      return dispatch({ type: 'move', delta: Math.max(1, ctx.pageRows - 1), ids, maxScroll });
    case 'top':
    case 'bottom':
      return dispatch({ type: 'detail-edge', edge: command, maxScroll });
    case 'switchPane':
      return dispatch({ type: 'switch-pane' });
    case 'filter':
      return dispatch({ type: 'filter-start' });
    case 'pause':
      return dispatch({ type: 'toggle-pause' });
    case 'fix':
      return dispatch({ type: 'toggle-fix' });
    case 'help':
      return dispatch({ type: 'toggle-help' });
    case 'checklist':
    case 'export':
    case 'quit':
      return ctx.run(command);
  }
}
