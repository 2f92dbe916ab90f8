/**
 * Reads and validates `patterns/*.json`. An invalid file stops the run with one line naming the
 * file and the field, so a typo in a rule is never silently a rule that matches nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/packageRoot.js';
import { PLACEHOLDERS, patternSchema, type Pattern } from './patternSchema.js';

export class PatternFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`invalid pattern file ${file}: ${detail}`);
    this.name = 'PatternFileError';
  }
}

export function defaultPatternsDir(): string {
  return path.join(packageRoot(), 'patterns');
}

const KNOWN_PLACEHOLDERS: ReadonlySet<string> = new Set(PLACEHOLDERS);

/** Validates one parsed pattern object; `file` names it in errors. */
export function parsePattern(raw: unknown, file: string): Pattern {
  const result = patternSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new PatternFileError(file, `${field}: ${issue.message}`);
  }
  // A misspelt placeholder would otherwise reach every report as literal `{braces}`.
  for (const field of ['title', 'summary', 'explanation'] as const) {
    for (const m of result.data[field].matchAll(/\{(\w+)\}/g)) {
      if (!KNOWN_PLACEHOLDERS.has(m[1]!)) throw new PatternFileError(file, `${field}: unknown placeholder {${m[1]}} (known: ${PLACEHOLDERS.join(', ')})`);
    }
  }
  return result.data;
}

/**
 * The bundled rules with the rules of `overlayDir` laid over them by id: a file whose id is a
 * bundled one replaces that rule, a new id adds a rule. One fallback in the result, as ever.
 */
export function loadPatternsWithOverlay(overlayDir: string, bundledDir = defaultPatternsDir()): Pattern[] {
  const byId = new Map(readPatternDir(bundledDir).map((p) => [p.id, p]));
  for (const p of readPatternDir(overlayDir)) byId.set(p.id, p);
  return checked([...byId.values()], overlayDir);
}

export function loadPatterns(dir = defaultPatternsDir()): Pattern[] {
  return checked(readPatternDir(dir), dir);
}

function checked(patterns: Pattern[], dir: string): Pattern[] {
  if (patterns.filter((p) => p.fallback).length !== 1) {
    throw new PatternFileError(dir, 'exactly one pattern must have "fallback": true');
  }
  return patterns.sort((a, b) => b.priority - a.priority);
}

/** Every `*.json` of `dir`, validated; an id twice in one folder is an error. */
function readPatternDir(dir: string): Pattern[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new PatternFileError(dir, `cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (names.length === 0) throw new PatternFileError(dir, 'no *.json pattern files');
  const patterns: Pattern[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const file = path.join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new PatternFileError(file, err instanceof SyntaxError ? `not valid JSON (${err.message})` : 'cannot be read');
    }
    const p = parsePattern(raw, file);
    if (seen.has(p.id)) throw new PatternFileError(file, `id: duplicate pattern id "${p.id}"`);
    seen.add(p.id);
    patterns.push(p);
  }
  return patterns;
}
