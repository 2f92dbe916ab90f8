/**
 * YAML edits as text splices located with `yaml`'s Document API (node ranges): new keys go after
 * the last line of a block mapping, indented like its keys; a rewritten key replaces only that
 * key's lines. Everything else (comments, anchors, quoting, sequence style) stays as written.
 * Flow-style mappings (`{a: 1}`) are not edited in place: the caller reports them instead.
 */
import { Document, isMap, isSeq, type Pair, type YAMLMap, type Node, type ParsedNode } from 'yaml';
import { eolOf, lineEndAt, lineStartAt, type Edit } from './textEdit.js';

export interface YamlStyle {
  /** Spaces per nesting level. */
  indent: number;
  /** Block sequences indented under their key (`key:\n  - a`) rather than flush (`key:\n- a`). */
  indentSeq: boolean;
}

/** Reads the file's own style from its first nested mapping and first block sequence. */
export function detectStyle(text: string): YamlStyle {
  const lines = text.split(/\r?\n/);
  let indent = 0;
  let indentSeq = true;
  let seqSeen = false;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (!/^\s*[^#\s-][^#]*:\s*(#.*)?$/.test(line)) continue;
    const own = line.length - line.trimStart().length;
    const next = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (!next) continue;
    const childIndent = next.length - next.trimStart().length;
    if (next.trimStart().startsWith('- ') || next.trim() === '-') {
      if (!seqSeen) {
        seqSeen = true;
        indentSeq = childIndent > own;
      }
    } else if (indent === 0 && childIndent > own) indent = childIndent - own;
  }
  return { indent: indent || 2, indentSeq };
}

function columnOf(text: string, offset: number): number {
  return offset - lineStartAt(text, offset);
}

function rangeOf(node: unknown): [number, number, number] | null {
  const r = (node as ParsedNode | null)?.range;
  return r ? [r[0], r[1], r[2]] : null;
}

/** Offset where the last line of a block map's content ends (before its line break). */
function contentEnd(text: string, map: YAMLMap): number {
  const last = map.items[map.items.length - 1] as Pair<Node, Node | null> | undefined;
  const candidates = [rangeOf(last?.value)?.[1], rangeOf(last?.key)?.[1], rangeOf(map)?.[1]].filter(
    (x): x is number => typeof x === 'number',
  );
  let end = Math.max(...candidates);
  // Collection ranges may end after the line break (at the next line's start): step back.
  while (end > 0 && /[\s]/.test(text[end - 1]!)) end--;
  return lineEndAt(text, end);
}

/** The column keys of a block mapping start at. */
function keyColumn(text: string, map: YAMLMap): number | null {
  const first = map.items[0] as Pair<Node, Node | null> | undefined;
  const r = rangeOf(first?.key);
  return r ? columnOf(text, r[0]) : null;
}

/** Renders a JS value as block YAML lines in the file's style, with no base indentation. */
export function renderLines(value: Record<string, unknown>, style: YamlStyle): string[] {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  return doc
    .toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0 })
    .replace(/\n$/, '')
    .split('\n');
}

/**
 * Adds lines (rendered with no base indentation) as new keys at the end of a block mapping.
 * `column` is needed only for an empty mapping. Returns null for a flow mapping.
 */
export function insertIntoMap(text: string, map: YAMLMap, lines: string[], column?: number): Edit | null {
  if (map.flow || map.items.length === 0) return null;
  const col = keyColumn(text, map) ?? column ?? 0;
  const at = contentEnd(text, map);
  const eol = eolOf(text);
  const pad = ' '.repeat(col);
  return { file: '', start: at, end: at, text: lines.map((l) => `${eol}${l ? pad + l : ''}`).join('') };
}

/** Replaces one key/value pair of a block mapping (all its lines) by freshly rendered lines. */
export function replacePair(text: string, pair: Pair<Node, Node | null>, lines: string[]): Edit | null {
  const keyRange = rangeOf(pair.key);
  if (!keyRange) return null;
  const start = lineStartAt(text, keyRange[0]);
  const col = columnOf(text, keyRange[0]);
  // The key must start its line (not `- key:` in a sequence item, not a flow mapping).
  if (text.slice(start, keyRange[0]).trim() !== '') return null;
  const valueRange = rangeOf(pair.value);
  let end = valueRange ? valueRange[1] : keyRange[1];
  while (end > 0 && /[\s]/.test(text[end - 1]!)) end--;
  end = lineEndAt(text, Math.max(end, keyRange[1]));
  const eol = eolOf(text);
  const pad = ' '.repeat(col);
  return { file: '', start, end, text: lines.map((l) => (l ? pad + l : '')).join(eol) };
}

export function findPair(map: YAMLMap, key: string): Pair<Node, Node | null> | null {
  for (const item of map.items as Array<Pair<Node, Node | null>>) {
    const k = item.key as { value?: unknown } | null;
    if (k && k.value === key) return item;
  }
  return null;
}

export { isMap, isSeq };
