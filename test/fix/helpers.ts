/** Shared test helpers: temp copies of fixtures, the real `patch` and `nginx -t`. */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FixProposal } from '../../src/model/incident.js';
import type { FixInput } from '../../src/fix/types.js';

const run = promisify(execFile);
export const REPO = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(REPO, 'fixtures/configs');
const GOLDEN = path.join(import.meta.dirname, 'golden');
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p)) ?? null;

export function tempCopy(src: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-fix-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}

/** The nginx -t flags that let it run as any user without touching /run or /var/log. */
export function nginxGlobals(dir: string): string[] {
  return ['-g', `pid ${path.join(dir, 'nginx.pid')}; error_log stderr;`];
}

export async function nginxT(dir: string, main = 'nginx.conf'): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await run(NGINX!, ['-t', '-c', path.join(dir, main), '-p', dir + '/', ...nginxGlobals(dir)]);
    return { ok: true, output: r.stderr };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr ?? err) };
  }
}

/** Applies every file diff of a proposal with the real `patch -p0` from `dir`. */
export function patchAll(dir: string, proposal: FixProposal): void {
  const diff = proposal.files.map((f) => f.diff).filter(Boolean).join('');
  if (!diff) return;
  const file = path.join(dir, '.proposal.diff');
  writeFileSync(file, diff);
  execFileSync('patch', ['-p0', '--batch', '--forward', '-d', dir, '-i', file], { stdio: 'pipe' });
}

export function makeCerts(dir: string): void {
  mkdirSync(path.join(dir, 'certs'), { recursive: true });
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=secure.local',
    '-keyout', path.join(dir, 'certs/self.key'), '-out', path.join(dir, 'certs/self.crt'),
  ], { stdio: 'pipe' });
}

export function input(over: Partial<FixInput>): FixInput {
  return {
    fixIds: ['nginx-retry', 'nginx-keepalive', 'nginx-backup-peer'],
    upstream: { host: '127.0.0.1', port: 3000 },
    upstreamKey: '127.0.0.1:3000',
    service: null,
    container: null,
    image: null,
    timeToReadyMs: 8000,
    timeToReadySource: 'checklist',
    notRetriedLost: 0,
    writesLost: 0,
    ...over,
  };
}

/** Compares with the stored golden diff; UPDATE_GOLDEN=1 rewrites it. */
export function golden(name: string, actual: string): string {
  const file = path.join(GOLDEN, `${name}.diff`);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  return readFileSync(file, 'utf8');
}
