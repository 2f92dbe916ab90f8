/** lintFiles: reads each file, detects its kind by content, runs that kind's rules. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, oneLine } from '../util/errors.js';
import { displayPath } from '../fix/paths.js';
import { detectKind } from './detect.js';
import { lintNginx } from './nginxRules.js';
import { RULES } from './rules.js';
import type { Finding, LintResult } from './types.js';
import { allWaiverComments, applyWaivers } from './waivers.js';
import { lintCompose, lintKubernetes } from './yamlRules.js';

/** `ignore`: rule ids waived for every file (--ignore). */
export function lintFiles(paths: string[], cwd: string, ignore: ReadonlySet<string> = new Set()): LintResult {
  const result: LintResult = { files: [], findings: [], waived: [] };
  const texts = new Map<string, string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let text: string;
    try {
      if (statSync(abs).isDirectory()) throw new Error('is a directory');
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      throw new InputError(`lint: cannot read ${p}: ${oneLine(err)}`);
    }
    const kind = detectKind(text);
    if (!kind) throw new InputError(`lint: ${p} is neither an nginx config, a compose file nor a Kubernetes manifest`);
    const shown = displayPath(abs, cwd);
    texts.set(shown, text);
    result.files.push({ path: shown, kind });
    if (kind === 'nginx') result.findings.push(...lintNginx(abs, cwd));
    else if (kind === 'compose') result.findings.push(...lintCompose(shown, text));
    else result.findings.push(...lintKubernetes(shown, text));
    result.findings.push(...unknownWaivers(shown, text));
  }
  // Included nginx files are read again for their comments; one that vanished meanwhile waives nothing.
  const textOf = (file: string): string | null => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(path.resolve(cwd, file), 'utf8'));
      } catch {
        return null;
      }
    }
    return texts.get(file) ?? null;
  };
  const { kept, waived } = applyWaivers(result.findings, ignore, textOf);
  return { ...result, findings: kept, waived };
}

/** A waiver comment that names no rule waives nothing: said, not ignored. */
function unknownWaivers(shown: string, text: string): Finding[] {
  return allWaiverComments(text)
    .filter((c) => c.unknown.length > 0)
    .map((c) => ({
      ruleId: RULES.waiver.id,
      severity: RULES.waiver.severity,
      file: shown,
      line: c.at,
      message: `"# restartdoctor: ignore ${c.unknown.join(' ')}" names no rule, so it waives nothing.`,
    }));
}

export { RULE_LIST } from './rules.js';
export { detectKind } from './detect.js';
export { formatJson, formatText, toSarif, lintTally } from './format.js';
export { findRule } from './waivers.js';
export type { LintResult } from './types.js';
