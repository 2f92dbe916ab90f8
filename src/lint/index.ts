/** lintFiles: reads each file, detects its kind by content, runs that kind's rules. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, oneLine } from '../cli/errors.js';
import { displayPath } from '../fix/paths.js';
import { detectKind } from './detect.js';
import { lintNginx } from './nginxRules.js';
import type { LintResult } from './types.js';
import { lintCompose, lintKubernetes } from './yamlRules.js';

export function lintFiles(paths: string[], cwd: string): LintResult {
  const result: LintResult = { files: [], findings: [] };
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
    result.files.push({ path: shown, kind });
    if (kind === 'nginx') result.findings.push(...lintNginx(abs, cwd));
    else if (kind === 'compose') result.findings.push(...lintCompose(shown, text));
    else result.findings.push(...lintKubernetes(shown, text));
  }
  return result;
}

export { RULES, RULE_LIST } from './rules.js';
export { detectKind } from './detect.js';
export { formatJson, formatText, toSarif, failing, type LintFormat } from './format.js';
export type { Finding, LintResult, Rule, Severity, FileKind } from './types.js';
