/**
 * Edits on nginx text at recorded positions: new directives go after the last directive of a
 * block (in the block's own file), indented like their siblings; parameters are added just
 * before a directive's `;`. Blocks written on one line get the new directives on that line.
 */
import type { NginxConfig } from './load.js';
import type { Directive } from './parser.js';
import { eolOf, indentAt, lineEndAt, lineStartAt, type Edit } from '../textEdit.js';

function textOf(config: NginxConfig, file: string): string {
  const parsed = config.files.get(file);
  if (!parsed) throw new Error(`nginx file not loaded: ${file}`);
  return parsed.text;
}

/** The file's indentation unit: a tab if lines are tab-indented, else the smallest space run. */
export function indentUnit(text: string): string {
  let smallest = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) return '\t';
    const m = /^( +)\S/.exec(line);
    if (m && (smallest === 0 || m[1]!.length < smallest)) smallest = m[1]!.length;
  }
  return ' '.repeat(smallest || 4);
}

/** Inserts directive lines (each without indentation, `;` included) at the end of a block. */
export function insertInBlock(config: NginxConfig, block: Directive, lines: string[]): Edit {
  const text = textOf(config, block.file);
  const close = block.close!;
  const sameFile = (block.block ?? []).filter((c) => c.file === block.file && c.start > block.terminator.start);
  const anchorEnd = sameFile.length > 0 ? Math.max(...sameFile.map((c) => c.end)) : block.terminator.end;
  // Comments after the last directive stay after it: insert after the anchor's line.
  const eol = eolOf(text);
  const blockIndent = indentAt(text, block.start);
  if (lineEndAt(text, anchorEnd) >= close.start) {
    // The block closes on the same line (`location / { proxy_pass x; }`): open it up so each
    // new directive (and any comment) gets its own line, and `}` moves to a line of its own.
    const inner = blockIndent + indentUnit(text);
    const body = lines.map((l) => `${eol}${inner}${l}`).join('');
    let start = close.start;
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    return { file: block.file, start, end: close.start, text: `${body}${eol}${blockIndent}` };
  }
  // A sibling that starts its own line shows the indentation to copy.
  const firstOwnLine = sameFile.find((c) => indentAt(text, c.start).length === c.start - lineStartAt(text, c.start));
  const indent = firstOwnLine ? indentAt(text, firstOwnLine.start) : blockIndent + indentUnit(text);
  const at = lineEndAt(text, anchorEnd);
  return { file: block.file, start: at, end: at, text: lines.map((l) => `${eol}${indent}${l}`).join('') };
}

/** Adds parameters to a simple directive, before its `;`: `server a:1;` → `server a:1 max_fails=3;`. */
export function appendParams(directive: Directive, params: string[]): Edit {
  const at = directive.terminator.start;
  return { file: directive.file, start: at, end: at, text: ` ${params.join(' ')}` };
}

/** Replaces part of one argument token's source text. */
export function replaceInArg(directive: Directive, argIndex: number, from: number, to: number, text: string): Edit {
  const token = directive.argTokens[argIndex]!;
  // Quoted tokens: offsets inside the value are shifted by the opening quote.
  const base = token.start + (token.type === 'string' ? 1 : 0);
  return { file: directive.file, start: base + from, end: base + to, text };
}

/** Inserts whole lines (already indented, no trailing break) before the line holding `d`. */
export function insertLinesBefore(config: NginxConfig, d: Directive, lines: string[]): Edit {
  const text = textOf(config, d.file);
  const start = text.lastIndexOf('\n', d.start - 1) + 1;
  const eol = eolOf(text);
  return { file: d.file, start, end: start, text: lines.map((l) => l + eol).join('') };
}
