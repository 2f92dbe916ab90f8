/**
 * systemd unit hint for a backend run as a service: make `systemctl start` (and anything ordered
 * After= it, nginx included) wait until the app answers, with an ExecStartPost wait loop (or
 * Type=notify when the app calls sd_notify), and a TimeoutStartSec that covers the time to ready.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, oneLine } from '../util/errors.js';
import type { FixInput, PlanResult } from './types.js';
import { describeReady, type Timing } from './timing.js';
import { applyEdits, eolOf, lineEndAt, unifiedDiff, type Edit } from './textEdit.js';
import { displayPath } from './paths.js';

interface Section {
  name: string;
  /** Offset of the end of the section's last non-blank, non-comment line. */
  lastLineEnd: number;
  keys: Map<string, string>;
}

function parseUnit(text: string): Section[] {
  const sections: Section[] = [];
  let offset = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    const start = offset;
    offset += raw.length + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      sections.push({ name: line.slice(1, -1), lastLineEnd: lineEndAt(text, start), keys: new Map() });
      continue;
    }
    const current = sections[sections.length - 1];
    if (!current) continue;
    const eq = line.indexOf('=');
    if (eq > 0) current.keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    current.lastLineEnd = lineEndAt(text, start);
  }
  return sections;
}

/** Seconds from a systemd time span (`90`, `90s`, `2min`, `1min 30s`, `infinity`). */
function spanSeconds(value: string): number | null {
  if (value === 'infinity') return Infinity;
  let total = 0;
  const parts = value.split(/\s+/).filter(Boolean);
  for (const part of parts) {
    const m = /^(\d+)(ms|s|sec|min|m|h)?$/.exec(part);
    if (!m) return null;
    const n = Number(m[1]);
    const unit = m[2] ?? 's';
    total += unit === 'ms' ? n / 1000 : unit === 'min' || unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  }
  return parts.length > 0 ? total : null;
}

export function waitLoop(port: number, healthPath: string, tries: number): string {
  // `$$` is a literal `$` for systemd, which otherwise expands $VAR in Exec lines itself.
  return (
    `ExecStartPost=/bin/sh -c 'i=0; until curl -fsS -o /dev/null http://127.0.0.1:${port}${healthPath}; do ` +
    `i=$$((i+1)); [ "$$i" -ge ${tries} ] && exit 1; sleep 1; done'`
  );
}

export function planSystemd(input: FixInput, t: Timing, cwd: string): PlanResult {
  const abs = path.resolve(input.systemdUnit!);
  const shown = displayPath(abs, cwd);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read systemd unit ${input.systemdUnit}: ${oneLine(err)}`);
  }
  const service = parseUnit(text).find((s) => s.name === 'Service');
  if (!service) return { files: [], advice: [], warnings: [`${shown}: no [Service] section; systemd hint skipped.`] };
  const port = input.upstream.port ?? 80;
  const tries = t.coverS;
  const timeout = tries * 2;
  const lines: string[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const type = service.keys.get('Type');
  if (type !== 'notify' && !service.keys.has('ExecStartPost')) {
    lines.push('# restartdoctor: start counts as done only once the app answers (Type=notify is better if it calls sd_notify)');
    lines.push(waitLoop(port, input.healthPath ?? '/', tries));
    notes.push(
      `ExecStartPost waits up to ${tries}s for http://127.0.0.1:${port}${input.healthPath ?? '/'} (${describeReady(t)}), so units ordered After= this one ` +
        `(nginx) start when it is ready. If the app calls sd_notify(READY=1), use Type=notify instead.`,
    );
  }
  const current = service.keys.get('TimeoutStartSec');
  const currentS = current === undefined ? null : spanSeconds(current);
  if (current === undefined) {
    lines.push(`TimeoutStartSec=${timeout}s`);
    notes.push(`TimeoutStartSec=${timeout}s leaves room for the wait loop (the default 90s may be too short or hide a hang).`);
  } else if (currentS !== null && currentS < tries) {
    warnings.push(`${shown}: TimeoutStartSec=${current} is shorter than the ${describeReady(t)}; raise it to ${timeout}s.`);
  }
  const edits: Edit[] = [];
  if (lines.length > 0) {
    const eol = eolOf(text);
    edits.push({ file: abs, start: service.lastLineEnd, end: service.lastLineEnd, text: lines.map((l) => eol + l).join('') });
  }
  const diff = unifiedDiff(shown, text, applyEdits(text, edits));
  if (!diff && notes.length === 0) notes.push('already holds the fix: readiness wait and TimeoutStartSec are set.');
  return { files: [{ path: abs, kind: 'systemd', diff, notes }], advice: [], warnings };
}
