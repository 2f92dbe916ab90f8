/**
 * The file operations `fix --apply` is allowed: a backup that never follows a symlink nor
 * replaces an existing file, kept in a `.restartdoctor/` folder beside the config (no include
 * glob of nginx matches a dot-folder, so nginx never reads a backup as config), and an atomic
 * replace (temp file in the same directory, fsync, rename) that keeps the file's mode and owner.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const BACKUP_DIR = '.restartdoctor';

/** The steps that touch the disk, replaceable so a test can make one of them fail. */
export interface WriteOps {
  rename(from: string, to: string): void;
}

export const realOps: WriteOps = { rename: renameSync };

/** A refusal or failure the caller reports in one line. */
class SafeWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafeWriteError';
  }
}

const uid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** `20240115T031244Z`: sorts by time, safe in a file name. */
function backupStamp(now: number): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Where a file's backup goes: `<dir of the real file>/.restartdoctor/<name>.<stamp>.bak`. */
export function backupPath(realFile: string, now: number): string {
  return path.join(path.dirname(realFile), BACKUP_DIR, `${path.basename(realFile)}.${backupStamp(now)}.bak`);
}

/** The file a config path names (a Debian sites-enabled link is written where it points). */
export function realFile(file: string): string {
  return realpathSync(file);
}

/** Creates (or checks) the backup folder: a real directory of ours that nobody else may write. */
function backupFolder(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw new SafeWriteError(`cannot create ${dir}: ${errCode(err)}`);
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new SafeWriteError(`${dir} is not a directory (a symlink or a file): refusing to put a backup there`);
  const me = uid();
  if (me !== null && st.uid !== me) throw new SafeWriteError(`${dir} belongs to uid ${st.uid}, not to us: refusing to put a backup there`);
  if ((st.mode & 0o022) !== 0) throw new SafeWriteError(`${dir} is writable by others: refusing to put a backup there`);
}

function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Writes `data` as a new backup file: O_CREAT|O_EXCL|O_NOFOLLOW, so neither a planted symlink nor
 * an existing file is ever written through. With `force`, an existing entry (a link itself, not
 * its target) is removed first. Returns the backup's path.
 */
export function writeBackup(file: string, data: string, now: number, force: boolean): string {
  const target = backupPath(file, now);
  backupFolder(path.dirname(target));
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(target, flags, 0o600);
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw new SafeWriteError(`cannot create backup ${target}: ${errCode(err)}`);
    if (!force) throw new SafeWriteError(`a backup already exists at ${target} (pass --force to replace it)`);
    try {
      unlinkSync(target); // removes a symlink itself, never what it points to
      fd = openSync(target, flags, 0o600);
    } catch (again) {
      throw new SafeWriteError(`cannot replace backup ${target}: ${errCode(again)}`);
    }
  }
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(target);
    throw new SafeWriteError(`cannot write backup ${target}: ${errCode(err)}`);
  }
  closeSync(fd);
  return target;
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Replaces `file` (a real path, not a link) with `data` atomically: a temp file in the same
 * directory gets the original's mode (and owner, when we are root), is fsynced, then renamed over
 * the file, so a reader sees the old or the new config, never a half-written one.
 */
export function replaceAtomically(file: string, data: string, ops: WriteOps = realOps): void {
  const st = statSync(file);
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.rd-tmp`);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new SafeWriteError(`cannot create a temp file in ${dir}: ${errCode(err)}`);
  }
  try {
    try {
      writeAll(fd, data);
      fchmodSync(fd, st.mode & 0o7777);
      if (uid() === 0) fchownSync(fd, st.uid, st.gid);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    ops.rename(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw new SafeWriteError(`cannot replace ${file}: ${errCode(err)}`);
  }
  fsyncDir(dir);
}

/** Removes a backup this run made (after a roll-back, nothing it holds is needed). */
export function removeBackup(backup: string): void {
  try {
    unlinkSync(backup);
  } catch {
    // already gone
  }
}
