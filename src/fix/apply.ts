/**
 * applyFix: writes a proposal's diffs to disk as one change. Every file is patched and checked
 * first (YAML re-parsed); then each gets a backup in `.restartdoctor/` beside it and is replaced
 * atomically (safeWrite.ts). If any file cannot be patched, nothing is written; if a write fails,
 * or `nginx -t` rejects the result, every file of the fix is put back as it was and this run's
 * backups are removed, so a fix is never left half applied.
 */
import { readFileSync } from 'node:fs';
import { applyPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import type { FixFile, FixProposal } from '../model/incident.js';
import { oneLine } from '../util/errors.js';
import { findNginx, nginxTest } from './nginxTest.js';
import { BACKUP_DIR, realFile, realOps, removeBackup, replaceAtomically, writeBackup, type WriteOps } from './safeWrite.js';

/** Backups are `<dir>/.restartdoctor/<file>.<UTC stamp>.bak`, where no include glob reads them. */
export const BACKUP_FOLDER = BACKUP_DIR;

export interface ApplyOptions {
  backup?: true;
  /** Replace a backup that already exists (never written through: the entry is removed first). */
  force?: boolean;
  /** Clock for backup names; default Date.now. */
  now?: () => number;
  /** nginx binary for `nginx -t`; default: found on PATH. `null` skips validation. */
  nginxBinary?: string | null;
  /** The main nginx config (`-c`); default: the first nginx file of the proposal. */
  nginxConf?: string | null;
  /** Extra arguments for nginx -t (e.g. `-g 'pid /tmp/x.pid;'` where /run is not writable). */
  nginxArgs?: string[];
  /** Disk operations (a test makes one fail). */
  ops?: WriteOps;
}

type ApplyStatus = 'written' | 'unchanged' | 'failed' | 'restored' | 'unvalidated' | 'skipped';

interface ApplyFileResult {
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
  /** The file written: the config path with symlinks resolved. */
  real: string;
  before: string;
  after: string;
  backup: string | null;
  written: boolean;
  result: ApplyFileResult;
}

/** Reads and patches one file; a string says why it cannot be applied. */
function prepare(file: FixFile): Omit<Pending, 'backup' | 'written' | 'result'> | string {
  let real: string;
  let before: string;
  try {
    real = realFile(file.path);
    before = readFileSync(real, 'utf8');
  } catch (err) {
    return `cannot read: ${oneLine(err)}`;
  }
  const after = applyPatch(before, file.diff);
  if (after === false) return 'the file changed since the diff was made; run fix again';
  if ((file.kind === 'compose' || file.kind === 'kubernetes') && parseAllDocuments(after).some?.((d) => d.errors.length > 0)) {
    return 'the patched YAML does not parse; not written';
  }
  return { file, real, before, after };
}

/**
 * Puts every written file back and removes this run's backups; a file that cannot be restored
 * keeps its backup and says where it is. `why` ends each restored file's message.
 */
function rollBack(pending: Pending[], ops: WriteOps, why: string): void {
  for (const p of [...pending].reverse()) {
    if (p.written) {
      try {
        replaceAtomically(p.real, p.before, ops);
        p.written = false;
        Object.assign(p.result, { status: 'restored', message: `restored the original: ${why}` });
      } catch (err) {
        Object.assign(p.result, { status: 'failed', message: `could not restore the original (${oneLine(err)}); it is in ${p.backup}` });
        continue;
      }
    } else if (p.result.status !== 'failed') {
      Object.assign(p.result, { status: 'skipped', message: `not written: ${why}` });
    }
    if (p.backup) removeBackup(p.backup);
    p.backup = null;
  }
}

export async function applyFix(proposal: FixProposal, options: ApplyOptions = {}): Promise<ApplyResult> {
  const ops = options.ops ?? realOps;
  const now = (options.now ?? Date.now)();
  const results: ApplyFileResult[] = [];
  const pending: Pending[] = [];
  for (const file of proposal.files) {
    if (!file.diff) {
      results.push({ path: file.path, status: 'unchanged', message: 'already holds the fix' });
      continue;
    }
    const prepared = prepare(file);
    if (typeof prepared === 'string') {
      results.push({ path: file.path, status: 'failed', message: prepared });
      continue;
    }
    const result: ApplyFileResult = { path: file.path, status: 'skipped', message: 'not written yet' };
    results.push(result);
    pending.push({ ...prepared, backup: null, written: false, result });
  }
  const done = (): ApplyResult => ({ ok: results.every((r) => r.status !== 'failed' && r.status !== 'restored' && r.status !== 'skipped'), files: results });

  // One fix is one change: a file that cannot be patched means none is written.
  const unpatchable = results.find((r) => r.status === 'failed');
  if (unpatchable) {
    rollBack(pending, ops, `${unpatchable.path} cannot be patched, and a fix is applied whole or not at all`);
    return done();
  }

  const nginxFiles = pending.filter((p) => p.file.kind === 'nginx');
  const binary = options.nginxBinary === undefined ? findNginx() : options.nginxBinary;
  const main = options.nginxConf ?? proposal.files.find((f) => f.kind === 'nginx')?.path ?? null;
  // The unmodified config's verdict: a failure that was already there is not ours to roll back.
  const baseline = binary && main && nginxFiles.length > 0 ? await nginxTest(binary, main, options.nginxArgs) : null;

  // Every backup before any write: a refused backup (a planted link, one that exists) changes nothing.
  for (const p of pending) {
    try {
      p.backup = writeBackup(p.real, p.before, now, options.force === true);
    } catch (err) {
      Object.assign(p.result, { status: 'failed', message: oneLine(err) });
      rollBack(pending, ops, `the backup of ${p.file.path} failed`);
      return done();
    }
  }
  for (const p of pending) {
    try {
      replaceAtomically(p.real, p.after, ops);
      p.written = true;
      Object.assign(p.result, { status: 'written', message: `written (backup: ${p.backup})` });
    } catch (err) {
      Object.assign(p.result, { status: 'failed', message: oneLine(err) });
      rollBack(pending, ops, `${p.file.path} could not be written`);
      return done();
    }
  }

  if (nginxFiles.length === 0) return done();
  if (!binary || !main || !baseline) {
    for (const p of nginxFiles) Object.assign(p.result, { status: 'unvalidated', message: `${p.result.message}; not validated: no nginx binary found` });
    return done();
  }
  const verdict = await nginxTest(binary, main, options.nginxArgs);
  if (verdict.ok) {
    for (const p of nginxFiles) p.result.message += '; nginx -t: ok';
  } else if (!baseline.ok && baseline.line === verdict.line) {
    for (const p of nginxFiles) Object.assign(p.result, { status: 'unvalidated', message: `${p.result.message}; not validated: nginx -t fails on the original config too (${verdict.line})` });
  } else {
    // The compose/k8s half of a fix is rolled back too: the two are one change.
    rollBack(pending, ops, `nginx -t failed on the change (${verdict.line})`);
  }
  return done();
}
