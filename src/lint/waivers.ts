/**
 * Waivers: a finding the user has decided to live with is not hidden, it is moved to the
 * "waived" list with what waived it. Two ways: `--ignore RULE`, or a comment in the config itself,
 * `# restartdoctor: ignore RULE[, RULE…]` (nginx and YAML both use `#`), on the finding's line or
 * on comment lines right above it — the directive or block in nginx.conf, the service or key in
 * compose YAML. A comment on an enclosing block or service waives the rule for all inside it.
 */
import { RULE_LIST, RULES } from './rules.js';
import type { Finding, Rule, WaivedFinding } from './types.js';

const WAIVER = /#\s*restartdoctor:\s*ignore\b([^#]*)/i;

/** A rule by id (`RD-DC-001`, any case) or name (`compose-healthcheck`). */
export function findRule(token: string): Rule | null {
  const t = token.trim().toLowerCase();
  return RULE_LIST.find((r) => r.id.toLowerCase() === t || r.name === t) ?? null;
}

export interface WaiverComment {
  /** Line of the comment itself. */
  at: number;
  rules: Rule[];
  /** Words that name no rule: reported, since such a comment waives nothing. */
  unknown: string[];
}

/**
 * Line → the waiver comments that apply to it: its own trailing comment and the comment-only
 * lines directly above it.
 */
function waiverComments(text: string): Map<number, WaiverComment[]> {
  const lines = text.split('\n');
  const out = new Map<number, WaiverComment[]>();
  let pending: WaiverComment[] = [];
  lines.forEach((line, i) => {
    const m = WAIVER.exec(line);
    const comment: WaiverComment | null = m
      ? (() => {
          const words = (m[1] ?? '').split(/[\s,]+/).filter(Boolean);
          const rules = words.map(findRule);
          return { at: i + 1, rules: rules.filter((r): r is Rule => r !== null), unknown: words.filter((_, k) => rules[k] === null) };
        })()
      : null;
    if (/^\s*#/.test(line)) {
      if (comment) pending.push(comment);
      return;
    }
    if (line.trim() === '') {
      pending = [];
      return;
    }
    const here = comment ? [...pending, comment] : pending;
    if (here.length > 0) out.set(i + 1, here);
    pending = [];
  });
  return out;
}

/** Every waiver comment of a text (for the ones that name unknown rules). */
export function allWaiverComments(text: string): WaiverComment[] {
  return [...new Map([...waiverComments(text).values()].flat().map((c) => [c.at, c])).values()];
}

/**
 * Splits findings into kept and waived. `ignored` are --ignore's rules; `textOf` gives a
 * finding's file text (null when it cannot be read again: nothing is waived by comment then).
 */
export function applyWaivers(findings: Finding[], ignored: ReadonlySet<string>, textOf: (file: string) => string | null): { kept: Finding[]; waived: WaivedFinding[] } {
  const cache = new Map<string, Map<number, WaiverComment[]>>();
  const commentsOf = (file: string): Map<number, WaiverComment[]> => {
    let m = cache.get(file);
    if (!m) {
      const text = textOf(file);
      m = text === null ? new Map() : waiverComments(text);
      cache.set(file, m);
    }
    return m;
  };
  const kept: Finding[] = [];
  const waived: WaivedFinding[] = [];
  for (const f of findings) {
    const { within, ...finding } = f;
    // The waiver comment is named when there is one: it is the more precise of the two.
    const comments = commentsOf(f.file);
    const by = [f.line, ...(within ?? [])].flatMap((line) => comments.get(line) ?? []).find((c) => c.rules.some((r) => r.id === f.ruleId));
    if (f.ruleId === RULES.waiver.id) kept.push(finding);
    else if (by) waived.push({ ...finding, waivedBy: `comment at ${f.file}:${by.at}` });
    else if (ignored.has(f.ruleId)) waived.push({ ...finding, waivedBy: '--ignore' });
    else kept.push(finding);
  }
  return { kept, waived };
}
