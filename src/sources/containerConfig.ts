/**
 * nginx's own configuration from inside its container: `GET /containers/{id}/archive?path=/etc/nginx`
 * (a tar of the folder, includes and all), unpacked under a local folder so the fix planner reads
 * it as it reads a host's /etc/nginx. Only regular files, only paths under /etc/nginx, bounded in
 * size: what is unpacked comes from a container, and never chooses where it is written.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';

/** Where the official images (and Debian's package) keep it. */
const CONTAINER_NGINX_DIR = '/etc/nginx';
const MAX_BYTES = 16 * 1024 * 1024;

interface TarHeader {
  name: string;
  type: string;
  size?: number;
}
type TarExtract = Writable & {
  on(event: 'entry', cb: (header: TarHeader, stream: Readable, next: () => void) => void): unknown;
};
const tar = createRequire(import.meta.url)('tar-stream') as { extract: () => TarExtract };

export interface FetchedConfig {
  /** The local copy of the main file (ROOT/etc/nginx/nginx.conf). */
  mainFile: string;
  /** The folder that stands for the container's `/`: absolute includes resolve under it. */
  root: string;
  containerPath: string;
  files: number;
}

/** Copies the container's /etc/nginx under `root`; null when it has no nginx.conf there. */
export async function fetchNginxConfig(docker: Docker, container: string, root: string): Promise<FetchedConfig | null> {
  const archive = (await docker.getContainer(container).getArchive({ path: CONTAINER_NGINX_DIR })) as unknown as Readable;
  const base = path.resolve(root, CONTAINER_NGINX_DIR.slice(1));
  let total = 0;
  let files = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // The archive's names start with the folder's own name (`nginx/…`).
    const rel = path.posix.normalize(header.name).split('/').slice(1).join('/');
    const target = path.resolve(base, rel);
    total += header.size ?? 0;
    const inside = target === base || target.startsWith(base + path.sep);
    if (header.type !== 'file' || !inside || rel === '' || total > MAX_BYTES) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const out = fs.createWriteStream(target, { flags: 'wx' });
    files++;
    stream.pipe(out);
    out.on('finish', next);
    out.on('error', () => next());
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
  const mainFile = path.join(base, 'nginx.conf');
  if (!fs.existsSync(mainFile)) return null;
  return { mainFile, root: path.resolve(root), containerPath: `${CONTAINER_NGINX_DIR}/nginx.conf`, files };
}
