/**
 * The one keymap: every command, the keys that trigger it and its help text. The input hook,
 * the footer and the help overlay all read this table, so they can never disagree.
 */

import { columns } from './format.js';

/** The subset of ink's `Key` the keymap looks at (so it can be tested without ink). */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  tab?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export type UiCommand = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'switchPane' | 'filter' | 'pause' | 'checklist' | 'fix' | 'export' | 'help' | 'quit';

export interface KeyBinding {
  command: UiCommand;
  /** How the keys are written in the footer and the help screen. */
  label: string;
  help: string;
  /** Shown in the one-line footer (the rest only in the `?` screen). */
  footer: boolean;
  matches: (input: string, key: KeyPress) => boolean;
}

export const KEYMAP: readonly KeyBinding[] = [
  { command: 'up', label: '↑/k', help: 'select the previous incident (scroll up in the detail pane)', footer: false, matches: (i, k) => !!k.upArrow || i === 'k' },
  { command: 'down', label: '↓/j', help: 'select the next incident (scroll down in the detail pane)', footer: false, matches: (i, k) => !!k.downArrow || i === 'j' },
  { command: 'pageUp', label: 'PgUp', help: 'page up', footer: false, matches: (_i, k) => !!k.pageUp },
  { command: 'pageDown', label: 'PgDn', help: 'page down', footer: false, matches: (_i, k) => !!k.pageDown },
  { command: 'top', label: 'g', help: 'top of the detail pane', footer: false, matches: (i) => i === 'g' },
  { command: 'bottom', label: 'G', help: 'bottom of the detail pane (long lines wrap: nothing is cut)', footer: false, matches: (i) => i === 'G' },
  { command: 'switchPane', label: '⏎/⇥', help: 'switch between the incident list and the detail pane', footer: true, matches: (_i, k) => !!k.return || !!k.tab },
  { command: 'filter', label: '/', help: 'filter by upstream, container or any text (Esc clears)', footer: true, matches: (i) => i === '/' },
  { command: 'pause', label: 'p', help: 'pause / follow the live data', footer: true, matches: (i) => i === 'p' },
  { command: 'checklist', label: 'c', help: 're-run the checklist for the selected incident', footer: true, matches: (i) => i === 'c' },
  { command: 'fix', label: 'f', help: 'show / hide the fix diff', footer: true, matches: (i) => i === 'f' },
  { command: 'export', label: 'e', help: 'export the summary as markdown', footer: true, matches: (i) => i === 'e' },
  { command: 'help', label: '?', help: 'show / hide this help', footer: true, matches: (i) => i === '?' },
  { command: 'quit', label: 'q', help: 'quit (Ctrl-C too)', footer: true, matches: (i, k) => i === 'q' || (!!k.ctrl && i === 'c') },
];

/**
 * The keys in one input event. Ink hands over a run of plain bytes that arrived together as one
 * string (a held key, `tmux send-keys j j j`, a paste): `jjj` is three moves, `qq` quits, and a
 * run of DEL bytes is as many backspaces, never text for the filter. Escape sequences (arrows,
 * pages) come one to an event already, with their flags set: those pass as they are.
 */
export function keyPresses(input: string, key: KeyPress & { meta?: boolean }): [string, KeyPress][] {
  const flagged = key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.return || key.tab || key.escape || key.ctrl || key.backspace || key.delete || key.meta;
  const chars = [...input];
  if (flagged || chars.length <= 1) return [[input, key]];
  const out: [string, KeyPress][] = [];
  for (const c of chars) {
    if (c === '\r' || c === '\n') out.push(['', { return: true }]);
    else if (c === '\t') out.push(['', { tab: true }]);
    else if (c === '\x7f' || c === '\b') out.push(['', { backspace: true }]);
    else if (c === '\x03') out.push(['c', { ctrl: true }]);
    else if (c >= ' ') out.push([c, {}]); // other control bytes are no key
  }
  return out;
}

export function commandFor(input: string, key: KeyPress): UiCommand | null {
  // With Ctrl held only Ctrl-C means something (quit); it must never be read as `c`.
  if (key.ctrl) return input === 'c' ? 'quit' : null;
  for (const b of KEYMAP) if (b.matches(input, key)) return b.command;
  return null;
}

/**
 * The footer: `↑↓ select` first, then the bindings marked for it, fits 80 columns whole. Narrower,
 * the middle ones go first: `? help` and `q quit` always stay. `unavailable`: commands this
 * screen cannot run (a replay's checklist), left out.
 */
export function footerHelp(width: number, unavailable: ReadonlySet<UiCommand> = new Set()): string {
  const label = (b: KeyBinding) => `${b.label} ${shortName(b.command)}`;
  const shown = KEYMAP.filter((b) => b.footer && !unavailable.has(b.command));
  const kept = shown.filter((b) => b.command === 'help' || b.command === 'quit').map(label);
  const middle = ['↑↓ select', ...shown.filter((b) => b.command !== 'help' && b.command !== 'quit').map(label)];
  let out: string[] = [];
  for (const p of middle) {
    if (columns([...out, p, ...kept].join('  ')) > width) break;
    out.push(p);
  }
  out = [...out, ...kept];
  while (out.length > 0 && columns(out.join('  ')) > width) out.shift();
  return out.join('  ');
}

function shortName(c: UiCommand): string {
  const names: Partial<Record<UiCommand, string>> = { switchPane: 'pane', checklist: 'check' };
  return names[c] ?? c;
}
