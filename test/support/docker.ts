/**
 * Real Docker Engine for tests (recipe: ../shared/README.md). Starts `dockerd` without systemd
 * when no daemon answers, and builds a tiny image offline from the static busybox binary.
 * Tests use the docker CLI freely here; the product itself never does.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DOCKER_SOCKET = '/var/run/docker.sock';
export const BUSYBOX_IMAGE = 'rd-busybox:test';

export function pingDocker(socketPath = DOCKER_SOCKET, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

interface DockerAvailability {
  available: boolean;
  reason: string;
}

let starting: Promise<DockerAvailability> | null = null;

/** Makes sure a daemon answers on the default socket; starts one if needed (once per process). */
function ensureDockerd(): Promise<DockerAvailability> {
  starting ??= startDockerd();
  return starting;
}

async function startDockerd(): Promise<DockerAvailability> {
  if (await pingDocker()) return { available: true, reason: 'daemon already running' };
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    return { available: false, reason: 'dockerd is not installed (apt-get install -y docker.io)' };
  }
  const child = spawn('dockerd', ['--iptables=false', '--ip-masq=false', '--bridge=none'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  for (let i = 0; i < 60; i++) {
    if (await pingDocker()) return { available: true, reason: 'started dockerd' };
    await new Promise((r) => setTimeout(r, 500));
  }
  return { available: false, reason: 'dockerd did not answer /_ping within 30 s' };
}

/**
 * Where Docker is required: in CI a missing daemon is a failure, never a skip.
 * Returns true when the suite may run; false (with a printed reason) to skip locally.
 */
export async function requireDocker(): Promise<boolean> {
  const d = await ensureDockerd();
  if (d.available) return true;
  if (process.env.CI) throw new Error(`Docker tests must run in CI but the daemon is unavailable: ${d.reason}`);
  console.warn(`[skip] Docker tests skipped: ${d.reason}`);
  return false;
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

let imageBuilt: Promise<string> | null = null;

/**
 * Builds BUSYBOX_IMAGE once: `/bin/busybox` with sh, httpd, sleep, wget, cat… linked to it and
 * `/www/health` served. `docker run --network host rd-busybox:test httpd -f -p PORT -h /www`.
 */
export function ensureBusyboxImage(): Promise<string> {
  imageBuilt ??= buildBusyboxImage();
  return imageBuilt;
}

async function buildBusyboxImage(): Promise<string> {
  const existing = await docker('images', '-q', BUSYBOX_IMAGE).catch(() => '');
  if (existing) return BUSYBOX_IMAGE;
  const root = mkdtempSync(path.join(os.tmpdir(), 'rd-image-'));
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'www'));
  mkdirSync(path.join(root, 'tmp'));
  const busybox = existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox';
  copyFileSync(busybox, path.join(root, 'bin/busybox'));
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const tool of ['sh', 'httpd', 'sleep', 'wget', 'cat', 'echo', 'ls', 'head', 'dd', 'true', 'false', 'kill', 'trap', 'nc', 'env', 'date', 'tail', 'yes', 'mkdir', 'cp']) {
    if (tool === 'trap') continue; // a shell builtin, not an applet
    symlinkSync('busybox', path.join(root, 'bin', tool));
  }
  writeFileSync(path.join(root, 'www/health'), 'ok\n');
  writeFileSync(path.join(root, 'www/index.html'), 'hello\n');
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-C', root, '-c', '.']);
    const imp = spawn('docker', ['import', '-', BUSYBOX_IMAGE]);
    tar.stdout.pipe(imp.stdin);
    let err = '';
    imp.stderr.on('data', (d) => (err += d));
    imp.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import failed: ${err}`))));
  });
  return BUSYBOX_IMAGE;
}

/** Removes containers by name, ignoring the ones that do not exist. */
export async function removeContainers(...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => docker('rm', '-f', n).catch(() => '')));
}

/**
 * A backend's script for busybox's sh: wait `startDelayS`, then serve /www on `port`. `trap "exit 0"
 * TERM` + `wait` makes sh (PID 1) stop cleanly on SIGTERM, as a real app with a signal handler does;
 * busybox httpd as PID 1 has none, and PID 1 without a handler ignores SIGTERM.
 */
export function slowStartApp(port: number, startDelayS: number): string {
  return `trap "exit 0" TERM; sleep ${startDelayS}; httpd -f -p ${port} -h /www & wait`;
}

/** `docker run -d` of a slow-starting backend on the host network, labelled as compose service `backend` of `project`. */
export async function runSlowApp(o: { name: string; port: number; startDelayS: number; www: string; project: string; extra?: string[] }): Promise<void> {
  await docker(
    'run', '-d', '--name', o.name, '--network', 'host',
    '--label', 'com.docker.compose.service=backend', '--label', `com.docker.compose.project=${o.project}`,
    '-v', `${o.www}:/www:ro`, ...(o.extra ?? []), BUSYBOX_IMAGE, 'sh', '-c', slowStartApp(o.port, o.startDelayS),
  );
}
