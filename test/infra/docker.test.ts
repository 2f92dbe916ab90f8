import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';

const NAME = 'rd-infra-smoke';
let ok = false;

beforeAll(async () => {
  ok = await requireDocker();
  if (ok) await ensureBusyboxImage();
});
afterAll(() => removeContainers(NAME));

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
}

describe('test infrastructure: real Docker Engine + offline busybox image', () => {
  it('runs a host-network busybox httpd that serves /health', async (ctx) => {
    if (!ok) ctx.skip();
    await removeContainers(NAME);
    await docker('run', '-d', '--name', NAME, '--network', 'host', 'rd-busybox:test', 'httpd', '-f', '-p', '39111', '-h', '/www');
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await get(39111, '/health').catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(await docker('inspect', '-f', '{{.State.Running}}', NAME)).toBe('true');
  });
});
