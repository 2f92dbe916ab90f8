/**
 * applyFix: writes a proposal's diffs to disk, each file with a `.restartdoctor.bak` copy first.
 * nginx changes are validated with `nginx -t` when a binary exists and rolled back (from the
 * backup) when the change makes it fail. YAML changes are re-parsed before writing.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { applyPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import type { FixFile, FixProposal } from '../model/incident.js';
import { oneLine } from '../cli/errors.js';
import { findNginx, nginxTest } from './nginxTest.js';

export const BACKUP_SUFFIX = '.restartdoctor.bak';

export interface ApplyOptions {
  backup: true;
  /** nginx binary for `nginx -t`; default: found on PATH. `null` skips validation. */
  nginxBinary?: string | null;
  /** The main nginx config (`-c`); default: the first nginx file of the proposal. */
  nginxConf?: string | null;
  /** Extra arguments for nginx -t (e.g. `-g 'pid /tmp/x.pid;'` where /run is not writable). */
  nginxArgs?: string[];
}

export type ApplyStatus = 'written' | 'unchanged' | 'failed' | 'restored' | 'unvalidated';

export interface ApplyFileResult {
  path: string;
  status: ApplyStatus;
  /** One line: what happened and why. */
  message: string;
}

export interface ApplyResult {
  ok: boolean;
  files: ApplyFileResult[];
}

interface Pending {
  file: FixFile;
  before: string;
  after: string;
}

export async function applyFix(proposal: FixProposal, options: ApplyOptions): Promise<ApplyResult> {
  const results: ApplyFileResult[] = [];
  const pending: Pending[] = [];
  for (const file of proposal.files) {
    if (!file.diff) {
      results.push({ path: file.path, status: 'unchanged', message: 'already holds the fix' });
      continue;
    }
    let before: string;
    try {
      before = readFileSync(file.path, 'utf8');
    } catch (err) {
      results.push({ path: file.path, status: 'failed', message: `cannot read: ${oneLine(err)}` });
      continue;
    }
    const after = applyPatch(before, file.diff);
    if (after === false) {
      results.push({ path: file.path, status: 'failed', message: 'the file changed since the diff was made; run fix again' });
      continue;
    }
    if ((file.kind === 'compose' || file.kind === 'kubernetes') && parseAllDocuments(after).some?.((d) => d.errors.length > 0)) {
      results.push({ path: file.path, status: 'failed', message: 'the patched YAML does not parse; not written' });
      continue;
    }
    pending.push({ file, before, after });
  }

  const nginxFiles = pending.filter((p) => p.file.kind === 'nginx');
  const binary = options.nginxBinary === undefined ? findNginx() : options.nginxBinary;
  const main = options.nginxConf ?? proposal.files.find((f) => f.kind === 'nginx')?.path ?? null;
  // The unmodified config's verdict: a failure that was already there is not ours to roll back.
  const baseline = binary && main && nginxFiles.length > 0 ? await nginxTest(binary, main, options.nginxArgs) : null;

  for (const p of pending) {
    try {
      copyFileSync(p.file.path, p.file.path + BACKUP_SUFFIX);
      writeFileSync(p.file.path, p.after);
      results.push({ path: p.file.path, status: 'written', message: `written (backup: ${p.file.path}${BACKUP_SUFFIX})` });
    } catch (err) {
      results.push({ path: p.file.path, status: 'failed', message: `cannot write: ${oneLine(err)}` });
    }
  }

  const written = (p: Pending): ApplyFileResult | undefined => results.find((r) => r.path === p.file.path && r.status === 'written');
  if (nginxFiles.length > 0 && nginxFiles.some(written)) {
    if (!binary || !main || !baseline) {
      for (const p of nginxFiles) {
        const r = written(p);
        if (r) Object.assign(r, { status: 'unvalidated', message: `${r.message}; not validated: no nginx binary found` });
      }
    } else {
      const verdict = await nginxTest(binary, main, options.nginxArgs);
      for (const p of nginxFiles) {
        const r = written(p);
        if (!r) continue;
        if (verdict.ok) r.message += '; nginx -t: ok';
        else if (!baseline.ok && baseline.line === verdict.line) {
          Object.assign(r, { status: 'unvalidated', message: `${r.message}; not validated: nginx -t fails on the original config too (${verdict.line})` });
        } else {
          writeFileSync(p.file.path, p.before);
          rmSync(p.file.path + BACKUP_SUFFIX, { force: true });
          Object.assign(r, { status: 'restored', message: `restored the original: nginx -t failed on the change (${verdict.line})` });
        }
      }
    }
  }
  return { ok: results.every((r) => r.status !== 'failed' && r.status !== 'restored'), files: results };
}
