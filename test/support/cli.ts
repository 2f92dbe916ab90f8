/** Runs the built CLI (dist/, built by `npm test`) as an installed user does: bin/restartdoctor.js, run by its `#!` line. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The `restartdoctor` command (package.json "bin"): executable, `#!/usr/bin/env node`. */
export const CLI = path.join(REPO, 'bin/restartdoctor.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, [...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: a timeout kills the launcher and the CLI's Node process it started.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => killGroup(child.pid), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}

/** SIGKILL to a process group started with `detached: true` (the bin and the CLI it runs). */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The CLI left running (live lines mode): what it printed so far, its exit, and a failure carrying both. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Kills it and throws `err` with its output appended (for a wait that timed out). */
  fail: (err: Error) => never;
}

/** Starts the CLI with `args` (no colour) and keeps it running; the caller stops it. */
export function startCli(args: string[]): RunningCli {
  const child = spawn(CLI, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const fail = (err: Error): never => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exited, fail };
}
