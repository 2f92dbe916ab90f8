/**
 * nginx configuration tokenizer, modelled on ngx_conf_read_token(): words end at whitespace or at
 * `;`, `{`, `}`; `#` starts a comment only at the start of a token; a token that starts with a
 * quote runs to the matching quote with backslash escapes and must be followed by a separator.
 * Every token keeps its byte offsets and line so edits can be made on the original text.
 */

type TokenType = 'word' | 'string' | ';' | '{' | '}' | 'comment' | 'error';

export interface Token {
  type: TokenType;
  /** Unescaped value (the word, the string without quotes, the comment without `#`, or an error message). */
  value: string;
  /** Offset of the first character (the quote for strings, `#` for comments). */
  start: number;
  /** Offset just after the last character. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

const SEPARATORS = new Set([' ', '\t', '\r', '\n', ';', '{', '}']);

function unescape(ch: string): string {
  // nginx only interprets these; any other `\x` keeps the backslash (ngx_conf_read_token).
  switch (ch) {
    case '"':
    case "'":
    case '\\':
      return ch;
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'n':
      return '\n';
    default:
      return '\\' + ch;
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ type: ch, value: ch, start: i, end: i + 1, line });
      i++;
      continue;
    }
    if (ch === '#') {
      const stop = text.indexOf('\n', i);
      const end = stop === -1 ? n : stop;
      tokens.push({ type: 'comment', value: text.slice(i + 1, end).replace(/\r$/, ''), start: i, end, line });
      i = end;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const startLine = line;
      const start = i;
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const c = text[j]!;
        if (c === '\\' && j + 1 < n) {
          const next = text[j + 1]!;
          if (next === '\n') line++;
          value += unescape(next);
          j += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          j++;
          break;
        }
        if (c === '\n') line++;
        value += c;
        j++;
      }
      if (!closed) {
        tokens.push({ type: 'error', value: `unterminated ${ch} string`, start, end: n, line: startLine });
        return tokens;
      }
      if (j < n && !SEPARATORS.has(text[j]!)) {
        // nginx: unexpected "x" — a quoted token glued to the next one.
        tokens.push({ type: 'error', value: `unexpected "${text[j]}" after a quoted string`, start, end: j, line: startLine });
        i = j;
        continue;
      }
      tokens.push({ type: 'string', value, start, end: j, line: startLine });
      i = j;
      continue;
    }
    // A bare word. `${name}` may contain braces (variables), so `{`/`}` only end a word outside `${…}`.
    const start = i;
    let value = '';
    let j = i;
    while (j < n) {
      const c = text[j]!;
      if (c === '$' && text[j + 1] === '{') {
        const close = text.indexOf('}', j + 2);
        if (close === -1) break;
        value += text.slice(j, close + 1);
        j = close + 1;
        continue;
      }
      if (c === '\\' && j + 1 < n && text[j + 1] !== '\n') {
        value += unescape(text[j + 1]!);
        j += 2;
        continue;
      }
      if (SEPARATORS.has(c)) break;
      value += c;
      j++;
    }
    tokens.push({ type: 'word', value, start, end: j, line });
    i = j;
  }
  return tokens;
}
