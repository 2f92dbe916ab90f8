/**
 * A proposed fix's unified diff as report lines: split first, then made terminal-safe line by line
 * (sanitizing the whole diff would turn every newline into `�`), and coloured for a terminal the
 * way `git diff` does when the CLI decided colour is on (MainOptions.color).
 */
import type { FixFile } from '../model/incident.js';
import { sanitizeForTerminal } from '../util/sanitize.js';

/**
 * How a report heads a fix's file: as its diff's header names it, so the two always agree (a
 * container's config is renamed in both: session/enrich.ts containerFix), else — the file already
 * holds the fix — by its display path. Never FixFile.path, the absolute path `--apply` writes.
 */
export function fixFileName(file: Pick<FixFile, 'diff' | 'displayPath'>): string {
  return /^\+\+\+ ([^\t\n]+)/m.exec(file.diff)?.[1] ?? file.displayPath;
}

type DiffLineKind = 'header' | 'hunk' | 'add' | 'del' | 'context';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/** The diff's lines, each terminal-safe, without the empty line after the final newline. */
export function diffLines(diff: string): DiffLine[] {
  const raw = diff.split(/\r?\n/);
  if (raw[raw.length - 1] === '') raw.pop();
  let inHunk = false;
  return raw.map((line) => {
    const text = sanitizeForTerminal(line);
    // Everything before the first hunk is the file header (`---`/`+++`); inside a hunk, `--- x`
    // is a removed line `-- x`. A FixFile's diff is one file's.
    if (line.startsWith('@@')) {
      inHunk = true;
      return { kind: 'hunk', text };
    }
    if (!inHunk) return { kind: 'header', text };
    if (line.startsWith('+')) return { kind: 'add', text };
    if (line.startsWith('-')) return { kind: 'del', text };
    return { kind: 'context', text };
  });
}

// SGR foreground colours; 39 resets the foreground only.
const SGR: Record<DiffLineKind, string | null> = { add: '\x1b[32m', del: '\x1b[31m', hunk: '\x1b[36m', header: null, context: null };

/** The diff as lines for a terminal: `+` green, `-` red, `@@` cyan when `color`, plain otherwise. */
export function diffForTerminal(diff: string, color: boolean): string[] {
  return diffLines(diff).map(({ kind, text }) => {
    const sgr = color ? SGR[kind] : null;
    return sgr ? `${sgr}${text}\x1b[39m` : text;
  });
}
