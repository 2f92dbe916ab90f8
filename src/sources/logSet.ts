/**
 * `--log` arguments to the files read, in time order. A rotated set is read oldest first, as one
 * log: `error.log.3.gz`, `error.log.2.gz`, `error.log.1`, `error.log` (logrotate's numbered
 * generations, highest first; `-YYYYMMDD` dateext generations by date), then the live file.
 *
 * - `'DIR/error.log*'`: a pattern (`*`, `?`, `[…]` in the file name only) expanded here, quoted
 *   so the shell does not expand it in name order (`error.log error.log.1 error.log.10 …`);
 * - `DIR`: the rotated sets in it whose name holds `error` (error.log, site_error.log, …);
 * - anything else, `-` included, is passed on as it is (the reader reports a missing file).
 * Compression is known from the bytes, not the name (compression.ts): `.gz` here only groups.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../util/errors.js';
import { fileKey } from '../util/sameFile.js';

/** `NAME`, `NAME.N`, `NAME-YYYYMMDD[HH[MM[SS]]]` or `NAME.YYYYMMDD…`, each maybe with a compressor's suffix. */
const GENERATION = /^(.+?)(?:\.(\d{1,6})|[-.](\d{8}(?:\d{2}){0,3}))?(?:\.(?:gz|xz|bz2|zst|lz4|z))?$/;

interface Generation {
  file: string;
  /** The name the set shares (`error.log`). */
  base: string;
  /** Older first: dated generations by date, then numbered ones highest first, then the live file. */
  age: [number, number];
}

/** Where `name` sits in its rotated set. */
function generationOf(file: string): Generation {
  const name = path.basename(file);
  const m = GENERATION.exec(name);
  const base = m?.[1] ?? name;
  const number = m?.[2];
  const date = m?.[3];
  // A compressed live file (`error.log.gz`) is a generation of unknown number: before the numbered ones.
  const compressedOnly = number === undefined && date === undefined && base !== name;
  const age: [number, number] = date !== undefined ? [0, Number(date.padEnd(14, '0'))] : number !== undefined ? [1, -Number(number)] : compressedOnly ? [0, Infinity] : [2, 0];
  return { file, base: path.join(path.dirname(file), base), age };
}

/** Files oldest first within each set; sets in name order. */
export function timeOrder(files: readonly string[]): string[] {
  return files
    .map(generationOf)
    .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.age[0] - b.age[0] || a.age[1] - b.age[1] || (a.file < b.file ? -1 : 1)))
    .map((g) => g.file);
}

function hasGlob(arg: string): boolean {
  return /[*?[]/.test(arg);
}

/**
 * A bracket expression's body (`a-z0-9`, after `!` or `^`) as a RegExp class body: every character
 * escaped, so `^`, `\\` and `[` are themselves; a range whose end sorts before its start would make
 * RegExp throw, so it is the user's error, named.
 */
function classBody(body: string, arg: string): string {
  const esc = (c: string) => c.replace(/[\\\]^[-]/, '\\$&');
  let out = '';
  for (let j = 0; j < body.length; j++) {
    const from = body[j]!;
    const to = body[j + 2];
    if (body[j + 1] === '-' && to !== undefined) {
      if (to < from) throw new InputError(`--log ${arg}: [${from}-${to}] is not a range (${to} comes before ${from})`, `write it [${to}-${from}]`);
      out += `${esc(from)}-${esc(to)}`;
      j += 2;
    } else out += esc(from);
  }
  return out;
}

/**
 * A file-name pattern as a RegExp: `*`, `?`, `[…]` (`[!…]` or `[^…]` negated; a `]` right after
 * `[` or `[!` is a member), as bash reads them; a `[` that is never closed is a literal `[`. A leading dot is
 * matched only by a dot.
 */
function patternRegExp(pattern: string, arg: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const negated = c === '[' && (pattern[i + 1] === '!' || pattern[i + 1] === '^');
    const close = c === '[' ? pattern.indexOf(']', i + (negated ? 3 : 2)) : -1;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (close > 0) {
      re += `[${negated ? '^' : ''}${classBody(pattern.slice(i + (negated ? 2 : 1), close), arg)}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function regularFiles(dir: string, shown: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`--log ${shown}: no directory ${dir}`);
    throw new InputError(`--log ${shown}: cannot list ${dir} (${code ?? 'error'})`, code === 'EACCES' ? 'run with sudo, or add your user to the adm group' : null);
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The files `args` name, each set oldest first (see the module comment). A file named twice (by two
 * spellings, a symlink, a directory and a file in it) is read once, where first named: read twice,
 * every error would count twice and each burst be two incidents. `onNote` is told which.
 */
export function expandLogArgs(args: readonly string[], onNote: (note: string) => void = () => {}): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') out.push(arg);
    else if (hasGlob(path.basename(arg)) && !exists(arg)) {
      if (hasGlob(path.dirname(arg))) throw new InputError(`--log ${arg}: only the file name may hold * ? or [ ]`, "e.g. --log '/var/log/nginx/error.log*'");
      const re = patternRegExp(path.basename(arg), arg);
      const files = regularFiles(path.dirname(arg), arg).filter((f) => re.test(path.basename(f)));
      if (files.length === 0) throw new InputError(`--log ${arg}: no file matches`, 'check the directory, e.g. ls /var/log/nginx/');
      out.push(...timeOrder(files));
    } else if (isDirectory(arg)) {
      const files = regularFiles(arg, arg).filter((f) => /error/i.test(path.basename(generationOf(f).base)));
      if (files.length === 0) throw new InputError(`${arg}: is a directory, not a log file`, 'name the file inside it, e.g. error.log (a directory is read as its error.log* sets)');
      out.push(...timeOrder(files));
    } else out.push(arg);
  }
  const first = new Map<string, string>();
  return out.filter((file) => {
    const key = file === '-' ? '-' : fileKey(file);
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, file);
      return true;
    }
    onNote(seen === file ? `--log ${file} given twice, read once` : `--log ${file} is ${seen} given twice, read once`);
    return false;
  });
}
