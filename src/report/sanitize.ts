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

/** Text safe inside a markdown table cell or paragraph: terminal-safe, markdown syntax escaped. */
export function escapeMarkdown(text: string): string {
  // Line breaks first: sanitizeForTerminal would turn them into U+FFFD.
  return sanitizeForTerminal(text.replace(/\r?\n/g, ' ')).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** Text for a fenced code block: terminal-safe, and unable to close the fence. */
export function escapeCodeBlock(text: string): string {
  return sanitizeForTerminal(text).replace(/`{3,}/g, (m) => m.split('').join('\u200b'));
}
