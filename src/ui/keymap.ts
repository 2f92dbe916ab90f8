/**
 * The one keymap: every command, the keys that trigger it and its help text. The input hook,
 * the footer and the help overlay all read this table, so they can never disagree.
 */

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

export function commandFor(input: string, key: KeyPress): UiCommand | null {
  // With Ctrl held only Ctrl-C means something (quit); it must never be read as `c`.
  if (key.ctrl) return input === 'c' ? 'quit' : null;
  for (const b of KEYMAP) if (b.matches(input, key)) return b.command;
  return null;
}

/** The footer: `↑↓ select` first, then the bindings marked for it; fits 80 columns whole. */
export function footerHelp(width: number): string {
  const parts = ['↑↓ select', ...KEYMAP.filter((b) => b.footer).map((b) => `${b.label} ${shortName(b.command)}`)];
  let out = '';
  for (const p of parts) {
    const next = out ? `${out}  ${p}` : p;
    if ([...next].length > width) break;
    out = next;
  }
  return out;
}

function shortName(c: UiCommand): string {
  const names: Partial<Record<UiCommand, string>> = { switchPane: 'pane', checklist: 'check' };
  return names[c] ?? c;
}
