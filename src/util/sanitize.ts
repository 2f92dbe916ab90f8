/**
 * Log lines and container names are attacker-controlled: a client can put ESC sequences in a
 * request line that nginx copies into error.log verbatim (it escapes only some bytes). These
 * helpers make such text inert before it reaches a terminal or a markdown document.
 */

// ESC-introduced sequences: CSI (ESC [ … final), OSC (ESC ] … BEL|ST), DCS/SOS/PM/APC (ESC P|X|^|_ … ST),
// and the other escapes (ESC, optional intermediates 0x20-0x2F, one final 0x30-0x7E: RIS `ESC c`,
// DECSC `ESC 7`, charset `ESC ( B`). C1 single-byte forms (0x9B CSI, 0x9D OSC, …) are handled too.
// A string sequence (OSC, DCS, …) is removed whole only with its terminator and a body free of
// controls (no newline: it never runs past the line's end). Without one, only its introducer goes
// (the last alternative takes `ESC ]` like any two-byte escape) and the rest stays visible: a
// terminal would swallow it until some later terminator, so hiding it would hide log text, and
// showing it is harmless once the introducer is gone.
const ESCAPE_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x00-\x1f\x7f-\x9f]*\x1b\\|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x9c)|[\x90\x98\x9e\x9f][^\x00-\x1f\x7f-\x9f]*\x9c/g;
// Any remaining C0 control (tab included: it breaks column layout), DEL and C1 control, and the
// bidi controls (LRM/RLM, ALM, embeddings and overrides U+202A-202E, isolates U+2066-2069): an
// override in a log line would reorder what the user reads after it (a "Trojan Source" trick).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Every sequence above starts with a control, so text without one is already safe (most text).
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Text safe to draw on a terminal: escape sequences removed, other controls and bidi controls shown as `�`. */
export function sanitizeForTerminal(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, '\uFFFD');
}

// Markdown (CommonMark + GFM) that changes the rendering wherever it stands in a line: escapes,
// code spans, emphasis, links and images, raw HTML, strikethrough, table cell pipes, entities.
// Nothing else is escaped: `127.0.0.1`, `nc-api` and `max_fails` (an `_` inside a word never
// starts emphasis) stay as they are.
const INLINE_SYNTAX = /[\\`*[\]<|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)/g;
// …and what makes a line a block when it starts one: heading, block quote, list item, thematic break.
const BLOCK_START = /^(\s*)([#>]|[-+](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|-(?=(?:\s*-){2,}\s*$))/;
// GFM turns a bare URL into a link; a log-derived one must stay text.
const AUTOLINK = /:\/\/|\bwww\./gi;

/**
 * Text for a markdown paragraph, list item or table cell: terminal-safe, on one line, with only the
 * characters escaped that markdown would read as syntax (a backslash before ASCII punctuation
 * always renders as the punctuation, so escaping is never visible).
 */
export function escapeMarkdown(text: string): string {
  // Line breaks first: sanitizeForTerminal would turn them into U+FFFD.
  const flat = sanitizeForTerminal(text.replace(/\r?\n/g, ' '));
  return flat
    .replace(INLINE_SYNTAX, (c) => (c === '&' ? '\\&' : `\\${c}`))
    .replace(AUTOLINK, (m) => (m === '://' ? '\\://' : `${m.slice(0, 3)}\\.`))
    .replace(BLOCK_START, (_m, space: string, mark: string) => (/^\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`));
}

/** The longest run of backticks in `text` (a fence or code span must be longer to hold it). */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * An inline code span holding `text` verbatim: no backslash escapes (they would show), delimited by
 * a backtick run longer than any inside. In a GFM table cell a `|` still ends the cell even inside
 * a code span, so `inTable` writes it as `\|`, the one escape GFM reads there.
 */
export function codeSpan(text: string, inTable = false): string {
  let t = sanitizeForTerminal(text.replace(/\r?\n/g, ' '));
  // A backslash before a `|` cannot be written in a table's code span in a way every GFM parser
  // reads alike (marked counts the backslashes, cmark-gfm does not): such text goes as escaped prose.
  if (inTable && t.includes('\\|')) return escapeMarkdown(t);
  if (inTable) t = t.replace(/\|/g, '\\|');
  const ticks = '`'.repeat(longestBacktickRun(t) + 1);
  // One space each side is stripped by the parser: add it when the text starts or ends with a
  // backtick, or with spaces on both sides it would otherwise lose.
  const pad = /^`|`$/.test(t) || (/^ .* $/.test(t) && t.trim() !== '') || t === '' ? ' ' : '';
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

/**
 * A fenced code block holding `lines` verbatim (terminal-safe, no escaping): the fence is a backtick
 * run longer than any inside, so no line can close it.
 */
export function fencedBlock(lines: readonly string[], lang = 'text'): string[] {
  const safe = lines.map((l) => sanitizeForTerminal(l));
  const fence = '`'.repeat(Math.max(3, ...safe.map((l) => longestBacktickRun(l) + 1)));
  return [`${fence}${lang}`, ...safe, fence];
}

/** Text for a fenced code block: terminal-safe, and unable to close the fence. */
export function escapeCodeBlock(text: string): string {
  return sanitizeForTerminal(text).replace(/`{3,}/g, (m) => m.split('').join('\u200b'));
}
