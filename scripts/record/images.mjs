/**
 * Offline images for the recordings (recipe: /work/shared/README.md; same approach as
 * test/support/docker.ts): busybox with a CGI app, and the host's nginx 1.22 with its libraries.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BUSYBOX_IMAGE = 'rd-rec-busybox:1';
export const NGINX_IMAGE = 'rd-rec-nginx:1';
const NGINX_BIN = '/usr/sbin/nginx';

async function imageExists(image) {
  try {
    return (await run('docker', ['images', '-q', image])).stdout.trim() !== '';
  } catch {
    return false;
  }
}

async function importRoot(root, image, changes = []) {
  await new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-C', root, '-c', '.']);
    const imp = spawn('docker', ['import', ...changes.flatMap((c) => ['-c', c]), '-', image]);
    tar.stdout.pipe(imp.stdin);
    let err = '';
    imp.stderr.on('data', (d) => (err += d));
    imp.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import ${image} failed: ${err}`))));
  });
}

/**
 * busybox image (same recipe as test/support/docker.ts) with a CGI app baked in: /cgi-bin/api
 * answers GET and POST (`?slow` makes it take 1 s, so requests are in flight), /health for probes.
 */
export async function ensureBusyboxImage() {
  if (await imageExists(BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  const root = mkdtempSync(path.join(os.tmpdir(), 'rd-h13d-img-'));
  for (const d of ['bin', 'www/cgi-bin', 'tmp', 'ctl']) mkdirSync(path.join(root, d), { recursive: true });
  copyFileSync(existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox', path.join(root, 'bin/busybox'));
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const t of ['sh', 'httpd', 'sleep', 'wget', 'cat', 'echo', 'head', 'dd', 'true', 'false', 'kill', 'nc', 'env', 'date', 'tail', 'rm', 'touch', 'ls', 'printf']) {
    symlinkSync('busybox', path.join(root, 'bin', t));
  }
  writeFileSync(path.join(root, 'www/health'), 'ok\n');
  writeFileSync(path.join(root, 'www/index.html'), 'hello\n');
  writeFileSync(
    path.join(root, 'www/cgi-bin/api'),
    '#!/bin/sh\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\ncase "$QUERY_STRING" in *slow*) sleep 1;; esac\n' +
      'printf "Content-Type: application/json\\r\\n\\r\\n{\\"ok\\":true,\\"method\\":\\"%s\\"}\\n" "$REQUEST_METHOD"\n',
  );
  chmodSync(path.join(root, 'www/cgi-bin/api'), 0o755);
  chmodSync(path.join(root, 'tmp'), 0o1777);
  await importRoot(root, BUSYBOX_IMAGE);
  rmSync(root, { recursive: true, force: true });
  return BUSYBOX_IMAGE;
}

/** nginx 1.22 from the host, offline, as an image (recipe: /work/shared/README.md). Config is bind-mounted. */
export async function ensureNginxImage() {
  if (await imageExists(NGINX_IMAGE)) return NGINX_IMAGE;
  const root = mkdtempSync(path.join(os.tmpdir(), 'rd-h13d-nginximg-'));
  const put = (src, dst = src) => {
    mkdirSync(path.join(root, path.dirname(dst)), { recursive: true });
    copyFileSync(src, path.join(root, dst));
  };
  put(NGINX_BIN);
  chmodSync(path.join(root, 'usr/sbin/nginx'), 0o755);
  const { stdout } = await run('ldd', [NGINX_BIN]);
  for (const m of stdout.matchAll(/(\/\S+\.so[.\d]*)/g)) put(m[1]);
  put('/etc/nginx/mime.types');
  for (const d of ['tmp', 'var/lib/nginx', 'var/log/nginx', 'run', 'etc/nginx']) mkdirSync(path.join(root, d), { recursive: true });
  chmodSync(path.join(root, 'tmp'), 0o1777);
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(path.join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  await importRoot(root, NGINX_IMAGE, ['CMD ["/usr/sbin/nginx","-g","daemon off;"]']);
  rmSync(root, { recursive: true, force: true });
  return NGINX_IMAGE;
}
