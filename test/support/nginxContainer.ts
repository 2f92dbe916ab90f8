/**
 * nginx itself in a container of the test engine, made offline (../shared/README.md): the host's
 * /usr/sbin/nginx, every library `ldd` names, mime.types, a config that logs to stderr/stdout as
 * the official image does, imported with `docker import`. Run with `--network host`, its error log
 * is what `docker logs` and the Engine API's logs endpoint return, as on a real host.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker } from './docker.js';
import { NGINX_BIN } from './nginx.js';

const run = promisify(execFile);

/** The config the image carries at /etc/nginx/nginx.conf: one peer, nginx's defaults otherwise. */
export function containerNginxConf(listenPort: number, backendPort: number): string {
  return `user root;
worker_processes 1;
pid /run/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  upstream backend {
    server 127.0.0.1:${backendPort};
  }
  server {
    listen 127.0.0.1:${listenPort};
    server_name rd-h15b;
    location / {
      proxy_pass http://backend;
      proxy_connect_timeout 1s;
    }
  }
}
`;
}

async function libraries(bin: string): Promise<string[]> {
  const { stdout } = await run('ldd', [bin]);
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** Builds IMAGE (once per process; reused when it exists) with the given config baked in. */
export async function buildNginxImage(image: string, conf: string): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-nginx-image-'));
  const put = (src: string, dest = src): void => {
    const target = path.join(root, dest);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(src, target);
  };
  put(NGINX_BIN, '/usr/sbin/nginx');
  chmodSync(path.join(root, 'usr/sbin/nginx'), 0o755);
  for (const lib of await libraries(NGINX_BIN)) put(lib);
  if (existsSync('/etc/nginx/mime.types')) put('/etc/nginx/mime.types');
  else writeFileSync(path.join(root, 'etc/nginx/mime.types'), 'types { text/html html; }\n');
  writeFileSync(path.join(root, 'etc/nginx/nginx.conf'), conf);
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(path.join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
  for (const d of ['tmp', 'var/lib/nginx', 'var/log/nginx', 'run']) mkdirSync(path.join(root, d), { recursive: true });
  chmodSync(path.join(root, 'tmp'), 0o1777);
  await docker('rmi', '-f', image).catch(() => '');
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-C', root, '-c', '.']);
    const imp = spawn('docker', ['import', '-c', 'CMD ["/usr/sbin/nginx","-g","daemon off;"]', '-', image]);
    tar.stdout.pipe(imp.stdin);
    let err = '';
    imp.stderr.on('data', (d) => (err += d));
    imp.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import failed: ${err}`))));
  });
}
