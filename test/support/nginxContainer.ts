/**
 * nginx itself in a container of the test engine, made offline (recipe: ../shared/README.md):
 * the host's /usr/sbin/nginx and every library `ldd` names, a passwd/group with nobody, and the
 * empty folders Debian's build expects. Its error log goes where the test's nginx.conf says
 * (stderr for `docker logs`, a file, syslog…) and its access log to stdout, as the official image
 * does: `docker logs` then returns both streams, as on a real host.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker } from './docker.js';
import { NGINX_BIN } from './nginx.js';

const run = promisify(execFile);

/** Libraries the binary loads, as `ldd` prints them (`/lib/x86_64-linux-gnu/libc.so.6`, the loader). */
async function libraries(bin: string): Promise<string[]> {
  const { stdout } = await run('ldd', [bin]);
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** Builds `image` once (kept between runs: the same bytes every time). */
export async function ensureNginxImage(image: string): Promise<string> {
  if (await docker('images', '-q', image).catch(() => '')) return image;
  const root = mkdtempSync(path.join(os.tmpdir(), 'rd-h15a-nginx-image-'));
  try {
    const put = (from: string, to = from) => {
      mkdirSync(path.join(root, path.dirname(to)), { recursive: true });
      copyFileSync(from, path.join(root, to)); // follows symlinks: the library itself
    };
    put(NGINX_BIN, '/usr/sbin/nginx');
    chmodSync(path.join(root, 'usr/sbin/nginx'), 0o755);
    for (const lib of await libraries(NGINX_BIN)) put(lib);
    for (const d of ['etc/nginx', 'var/lib/nginx', 'var/log/nginx', 'run', 'logs', 'tmp']) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, 'tmp'), 0o1777);
    writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    writeFileSync(path.join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-C', root, '-c', '.']);
      const imp = spawn('docker', ['import', '-c', 'CMD ["/usr/sbin/nginx","-g","daemon off;"]', '-', image]);
      tar.stdout.pipe(imp.stdin);
      let err = '';
      imp.stderr.on('data', (d) => (err += d));
      imp.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import failed: ${err}`))));
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return image;
}

/**
 * `docker logs [--timestamps] NAME` with the container's stdout and stderr into one file, in the
 * order the daemon returns them (what `docker logs -t nginx >file 2>&1` writes). `streams`:
 * 'stdout' for the access log alone.
 */
export async function dockerLogsToFile(name: string, file: string, opts: { timestamps: boolean; streams?: 'both' | 'stdout' }): Promise<void> {
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(file, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const args = ['logs', ...(opts.timestamps ? ['--timestamps'] : []), name];
      const child = spawn('docker', args, { stdio: ['ignore', fd, opts.streams === 'stdout' ? 'ignore' : fd] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')} exited ${code}`))));
    });
  } finally {
    closeSync(fd);
  }
}
