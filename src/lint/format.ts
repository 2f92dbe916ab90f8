/** Lint output: text (one line per finding), JSON, SARIF 2.1.0 (for code-scanning uploads). */
import { RULE_LIST } from './rules.js';
import { countOf } from '../util/plural.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import type { Finding, LintResult, Severity, WaivedFinding } from './types.js';

/** Findings by severity: errors fail a run, warnings only with --strict, notes never. */
export function lintTally(findings: Finding[]): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) n[f.severity]++;
  return n;
}

export function formatText(r: LintResult): string {
  const lines = r.findings.map((f) => `${f.file}:${f.line}: ${f.severity} ${f.ruleId} ${f.message}`);
  for (const w of r.waived) lines.push(`${w.file}:${w.line}: waived ${w.severity} ${w.ruleId} ${w.message} (by ${w.waivedBy})`);
  const n = lintTally(r.findings);
  const waived = r.waived.length > 0 ? `, ${countOf(r.waived.length, 'waived finding')}` : '';
  const files = `${countOf(r.files.length, 'file')} checked`;
  lines.push(
    r.findings.length === 0
      ? `${files}: no findings${waived}`
      : `${files}: ${countOf(n.error, 'error')}, ${countOf(n.warning, 'warning')}, ${countOf(n.note, 'note')}${waived}`,
  );
  // Findings quote the files (directive arguments, parse problems): terminal-safe, whatever the file holds.
  return lines.map((l) => sanitizeForTerminal(l)).join('\n') + '\n';
}

export function formatJson(r: LintResult, schemaVersion: number): string {
  return JSON.stringify({ schemaVersion, files: r.files, counts: { ...lintTally(r.findings), waived: r.waived.length }, findings: r.findings, waived: r.waived }, null, 2) + '\n';
}

export function toSarif(r: LintResult, version: string): object {
  const index = new Map(RULE_LIST.map((rule, i) => [rule.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'restartdoctor',
            version,
            informationUri: 'https://github.com/restartdoctor/restartdoctor',
            rules: RULE_LIST.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.description },
              help: { text: rule.help },
              defaultConfiguration: { level: rule.severity },
            })),
          },
        },
        artifacts: r.files.map((f) => ({ location: { uri: toUri(f.path) } })),
        // Waived findings stay in the log as suppressed results (SARIF's own notion of a waiver).
        results: [...r.findings, ...r.waived].map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? 0,
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(f.file) },
                region: { startLine: Math.max(1, f.line) },
              },
            },
          ],
          ...('waivedBy' in f ? { suppressions: [suppression(f)] } : {}),
        })),
      },
    ],
  };
}

function suppression(f: WaivedFinding): object {
  return f.waivedBy === '--ignore' ? { kind: 'external', justification: 'restartdoctor lint --ignore' } : { kind: 'inSource', justification: `# restartdoctor: ignore (${f.waivedBy})` };
}

function toUri(p: string): string {
  const posix = p.split('\\').join('/');
  return encodeURI(posix.startsWith('/') ? `file://${posix}` : posix);
}
