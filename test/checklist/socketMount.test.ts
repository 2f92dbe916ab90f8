/**
 * Unix-socket upstreams (issue 13 item 4): matched to the container that mounts the socket's
 * directory, read from a real `docker inspect` of containers run with `-v DIR:/run/app`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchBySnapshot } from '../../src/correlate/containerMatch.js';
import type { ContainerInfo } from '../../src/model/container.js';
import { decodeInspectFile } from '../../src/parse/containerInspect.js';
import { docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';

const APP = 'rd-h13b-sock-app';
const NGINX = 'rd-h13b-sock-nginx';
const OTHER = 'rd-h13b-sock-other';
const unix = (p: string) => ({ scheme: 'http', host: `unix:${p}`, port: null }) as never;

describe('unix-socket upstream → the container that mounts its directory (real docker inspect)', async () => {
  const ok = await requireDocker();
  let dir = '';
  let infos: ContainerInfo[] = [];

  beforeAll(async () => {
    if (!ok) return;
    const image = await ensureBusyboxImage();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h13b-sock-'));
    await removeContainers(APP, NGINX, OTHER);
    await docker('run', '-d', '--name', APP, '--network', 'none', '-v', `${dir}:/run/app`, image, 'sleep', '600');
    // nginx in a container: the same host directory under another path.
    await docker('run', '-d', '--name', NGINX, '--network', 'none', '-v', `${dir}:/run/php`, image, 'sleep', '600');
    await docker('run', '-d', '--name', OTHER, '--network', 'none', image, 'sleep', '600');
    infos = decodeInspectFile(JSON.parse(await docker('inspect', APP, NGINX, OTHER)));
  }, 60_000);

  afterAll(async () => {
    if (!ok) return;
    await removeContainers(APP, NGINX, OTHER);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(ok)("decodes the bind mount's host source and container destination", () => {
    const app = infos.find((c) => c.name === APP)!;
    expect(app.mounts).toEqual([{ type: 'bind', source: dir, destination: '/run/app' }]);
    expect(infos.find((c) => c.name === OTHER)!.mounts).toEqual([]);
  });

  it.runIf(ok)('nginx on the host dials the host path: the one container binding that directory owns it', () => {
    const both = infos.filter((c) => c.name !== NGINX);
    expect(matchBySnapshot(unix(`${dir}/app.sock`), both)).toMatchObject({ name: APP, method: 'socket-mount' });
  });

  it.runIf(ok)('nginx in a container dials its own mount: the other container mounting the same host directory owns it', () => {
    expect(matchBySnapshot(unix('/run/php/app.sock'), infos)).toMatchObject({ name: APP, method: 'socket-mount' });
  });

  it.runIf(ok)('two containers binding the host directory, or a socket nobody mounts: no match, never a guess', () => {
    expect(matchBySnapshot(unix(`${dir}/app.sock`), infos)).toBeNull();
    expect(matchBySnapshot(unix('/run/elsewhere/app.sock'), infos)).toBeNull();
  });
});
