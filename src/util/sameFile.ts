/**
 * When two paths name one file: `./error.log` and `error.log`, a symlink and its target, two hard
 * links. Used to read a log given twice once (sources/logSet.ts) and to refuse an export that would
 * write over an input (refuseExportOverInputs).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

/** The real path of `p`, or, where it does not exist yet, its existing parent's real path and the rest. */
function realPath(p: string): string {
  const resolved = path.resolve(p);
  try {
    return realpathSync(resolved);
  } catch {
    const parent = path.dirname(resolved);
    return parent === resolved ? resolved : path.join(realPath(parent), path.basename(resolved));
  }
}

/**
 * Equal for two paths of one file: device and inode when it exists (hard links too), else the
 * real path of where it would be. Relative paths are taken from this process's working directory,
 * as the files are opened.
 */
export function fileKey(p: string): string {
  try {
    const st = statSync(p);
    return `inode ${st.dev}:${st.ino}`;
  } catch {
    return `path ${realPath(p)}`;
  }
}

/** An input of a run: the flag it was given with and its path (null: not given). */
type NamedInput = readonly [flag: string, file: string | null | undefined];

/** The files a run (postmortem, live, replay) reads, by the flags that name them. */
export interface RunInputs {
  logs: readonly string[];
  events?: string | null;
  containers?: string | null;
  nginxConf?: string | null;
  compose?: string | null;
  k8s?: readonly string[];
  systemd?: string | null;
}

function namedInputs(run: RunInputs, logFlag: string): NamedInput[] {
  return [
    ...run.logs.map((f): NamedInput => [logFlag, f]),
    ['--events', run.events],
    ['--containers', run.containers],
    ['--nginx-conf', run.nginxConf],
    ['--compose', run.compose],
    ...(run.k8s ?? []).map((f): NamedInput => ['--k8s', f]),
    ['--systemd', run.systemd],
  ];
}

/**
 * `--export FILE` must not be a file the run reads: opened for writing, the input is emptied before
 * (or while) it is read, and the report of the run replaces the evidence. One line, before anything
 * is read or written.
 */
export function refuseExportOverInputs(exportPath: string, run: RunInputs, logFlag = '--log'): void {
  const target = fileKey(exportPath);
  for (const [flag, file] of namedInputs(run, logFlag)) {
    if (file === null || file === undefined || file === '-') continue;
    if (fileKey(file) === target) {
      throw new UsageError(`--export ${exportPath} is the ${flag} file ${file}: refusing to write the report over an input`, 'export to a file of its own, e.g. --export incident.md');
    }
  }
}
