/**
 * The subset of glob(3) that nginx's `include` uses: `*`, `?`, `[…]` (with ranges and `!`/`^`
 * negation) and `\` escapes, matched one path segment at a time. Like glob(3) without
 * GLOB_PERIOD, wildcards do not match a leading dot; results are sorted as glob(3) sorts them.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function hasMagic(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Matches one name against one segment pattern. */
export function matchSegment(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      // Collapse runs of `*`, then try every split point.
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const cls = readClass(p, pi);
      if (cls) {
        if (!cls.test(s[si]!)) return false;
        pi = cls.next;
        si++;
        continue;
      }
      // An unclosed `[` is a literal, as in glob(3).
    }
    if (c === '\\' && pi + 1 < p.length) {
      if (p[pi + 1] !== s[si]) return false;
      pi += 2;
      si++;
      continue;
    }
    if (c !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function readClass(p: string, start: number): { test: (ch: string) => boolean; next: number } | null {
  let i = start + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const ranges: Array<[string, string]> = [];
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    let lo = p[i]!;
    if (lo === '\\' && i + 1 < p.length) lo = p[++i]!;
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let hi = p[i + 2]!;
      let skip = 3;
      if (hi === '\\' && i + 3 < p.length) {
        hi = p[i + 3]!;
        skip = 4;
      }
      ranges.push([lo, hi]);
      i += skip;
    } else {
      ranges.push([lo, lo]);
      i++;
    }
  }
  if (i >= p.length) return null;
  return {
    test: (ch) => ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== negate,
    next: i + 1,
  };
}

function unescapeLiteral(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '\\' && i + 1 < segment.length) i++;
    out += segment[i];
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Expands an absolute pattern to the existing paths it names, sorted. */
export function expandGlob(absolutePattern: string): string[] {
  const root = path.parse(absolutePattern).root;
  const segments = absolutePattern.slice(root.length).split('/').filter((s) => s.length > 0);
  let current = [root];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasMagic(segment)) {
        const candidate = path.join(dir, unescapeLiteral(segment));
        if (last || isDirectory(candidate)) next.push(candidate);
        continue;
      }
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of entries.sort()) {
        if (!matchSegment(segment, name)) continue;
        const candidate = path.join(dir, name);
        if (last || isDirectory(candidate)) next.push(candidate);
      }
    }
    current = next;
  });
  return current.sort();
}
