/** Lint output: text (one line per finding), JSON, SARIF 2.1.0 (for code-scanning uploads). */
import { RULE_LIST } from './rules.js';
import type { Finding, LintResult, Severity } from './types.js';

export type LintFormat = 'text' | 'json' | 'sarif';

/** Findings that fail a CI run: notes are information only. */
export function failing(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity !== 'note');
}

export function formatText(r: LintResult): string {
  const lines = r.findings.map((f) => `${f.file}:${f.line}: ${f.severity} ${f.ruleId} ${f.message}`);
  const counts = (s: Severity) => r.findings.filter((f) => f.severity === s).length;
  lines.push(
    r.findings.length === 0
      ? `${r.files.length} file(s) checked: no findings`
      : `${r.files.length} file(s) checked: ${counts('error')} error(s), ${counts('warning')} warning(s), ${counts('note')} note(s)`,
  );
  return lines.join('\n') + '\n';
}

export function formatJson(r: LintResult): string {
  return JSON.stringify({ files: r.files, findings: r.findings }, null, 2) + '\n';
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
        results: r.findings.map((f) => ({
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
        })),
      },
    ],
  };
}

function toUri(p: string): string {
  const posix = p.split('\\').join('/');
  return encodeURI(posix.startsWith('/') ? `file://${posix}` : posix);
}
