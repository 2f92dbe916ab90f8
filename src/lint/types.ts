/** Lint findings and the rule table they refer to (SARIF's `rules` is generated from it). */
export type Severity = 'error' | 'warning' | 'note';
export type FileKind = 'nginx' | 'compose' | 'kubernetes';

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** As given on the command line (or the included file's path relative to cwd). */
  file: string;
  line: number;
  message: string;
  /**
   * Lines (same file) of the blocks around the finding, the upstream or service it is in: a
   * waiver comment there covers it too. Not part of the output.
   */
  within?: number[];
}

/** A finding waived by `--ignore` or a `# restartdoctor: ignore` comment: counted and listed, not failing. */
export interface WaivedFinding extends Omit<Finding, 'within'> {
  /** `--ignore`, or `comment at FILE:LINE`. */
  waivedBy: string;
}

export interface Rule {
  id: string;
  name: string;
  severity: Severity;
  /** One sentence: what the rule checks. */
  description: string;
  /** Why it matters during a restart, and the fix. */
  help: string;
}

interface LintedFile {
  path: string;
  kind: FileKind;
}

export interface LintResult {
  files: LintedFile[];
  findings: Finding[];
  waived: WaivedFinding[];
}
