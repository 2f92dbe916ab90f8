/**
 * `nginx -t`, one of the few subprocesses restartdoctor runs (with `nginx -V` in
 * sources/nginxConfigDiscovery.ts and Node itself in cli/relaunch.ts): execFile with an argument
 * array (no shell), a timeout, and the first meaningful line of its output as the verdict.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const SEARCH = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];

/** The nginx binary on PATH (or a usual sbin directory), or null. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

export interface NginxTestResult {
  ok: boolean;
  /** The verdict in one line: the first emerg/alert/crit line, else the last line. */
  line: string;
}

export function nginxTest(binary: string, mainFile: string, extraArgs: string[] = []): Promise<NginxTestResult> {
  const prefix = path.dirname(path.resolve(mainFile)) + path.sep;
  const args = ['-t', '-c', path.resolve(mainFile), '-p', prefix, ...extraArgs];
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 15_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
      const bad = lines.find((l) => /\[(emerg|alert|crit)\]/.test(l));
      const line = (bad ?? lines[lines.length - 1] ?? (err ? err.message : 'no output')).replace(/^nginx: /, '');
      resolve({ ok: !err, line });
    });
  });
}
