/**
 * A pass of fixes (a postmortem's, one per incident) reads each config file once: the proposals
 * are the ones fresh reads give, and a file that cannot be read fails each incident the same way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigReads } from '../../src/fix/configReads.js';
import { proposeFix } from '../../src/fix/propose.js';
import type { FixInput } from '../../src/fix/types.js';
import { input, REPO } from './helpers.js';

const RACE = path.join(REPO, 'fixtures/incidents/restart-race');

/** Counts the reads a pass really does, by the kind its key names. */
class CountingReads extends ConfigReads {
  readonly done: string[] = [];
  override once<T>(key: string, read: () => T): T {
    return super.once(key, () => {
      this.done.push(key.split('\0')[0]!);
      return read();
    });
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the config files of a pass of fixes', () => {
  it('are read once for all of its incidents, which get what fresh reads give them', async () => {
    const base = input({ nginxConf: path.join(RACE, 'nginx.conf'), compose: path.join(RACE, 'docker-compose.yml'), upstreamKey: '172.18.0.5:3000', upstream: { host: '172.18.0.5', port: 3000 }, service: 'backend' });
    const ids = ['nginx-retry', 'nginx-keepalive', 'compose-healthcheck', 'compose-depends-on-healthy', 'compose-restart-policy', 'nginx-timeouts', 'app-sigterm'];
    // Incidents of one upstream with different measured times to ready and losses, and the same again.
    const incidents: FixInput[] = [2_000, 9_000, 2_000, 45_000, 9_000].map((ms, k) => ({ ...base, fixIds: ids.slice(k % 3), timeToReadyMs: ms, timeToReadySource: 'log', writesLost: k, notRetriedLost: k % 2 }));
    const reads = new CountingReads();
    const kinds: string[] = [];
    for (const i of incidents) {
      const once = await proposeFix(i, reads);
      expect(once).toEqual(await proposeFix(i));
      kinds.push(...once.files.filter((f) => f.diff).map((f) => f.kind));
    }
    // Diffs of both files, from what was read once.
    expect(kinds.filter((k) => k === 'nginx').length).toBeGreaterThan(1);
    expect(kinds.filter((k) => k === 'compose').length).toBe(incidents.length);
    expect(reads.done.filter((k) => k === 'nginx')).toHaveLength(1);
    expect(reads.done.filter((k) => k === 'compose')).toHaveLength(1);
    // The edited compose file is checked once per different edit (three times to ready here, at most).
    const checks = reads.done.filter((k) => k === 'compose-reparse').length;
    expect(checks).toBeGreaterThan(0);
    expect(checks).toBeLessThanOrEqual(3);
  });

  it('that cannot be read fail every incident of the pass with the same one-line error', async () => {
    const missing = path.join(os.tmpdir(), 'rd-no-such-dir', 'nginx.conf');
    const reads = new ConfigReads();
    const fresh = await proposeFix(input({ nginxConf: missing })).catch((e: Error) => e);
    expect(fresh).toMatchObject({ name: 'InputError', message: expect.stringContaining(`cannot read nginx config ${missing}`) });
    for (let k = 0; k < 2; k++) await expect(proposeFix(input({ nginxConf: missing }), reads)).rejects.toMatchObject({ name: 'InputError', message: (fresh as Error).message });
  });

  it("of a container's config copy are read under the copy by the classic fixes too, as by the others", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rd-copy-'));
    dirs.push(root);
    mkdirSync(path.join(root, 'etc/nginx/conf.d'), { recursive: true });
    writeFileSync(path.join(root, 'etc/nginx/nginx.conf'), 'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n}\n');
    writeFileSync(path.join(root, 'etc/nginx/conf.d/site.conf'), 'server {\n  listen 80;\n  location / {\n    proxy_pass http://10.0.0.2:3000;\n  }\n}\n');
    const fix = await proposeFix(input({ fixIds: ['nginx-buffer-size'], nginxConf: path.join(root, 'etc/nginx/nginx.conf'), nginxRoot: root, upstreamKey: '10.0.0.2:3000', upstream: { host: '10.0.0.2', port: 3000 } }));
    // The include names the container's /etc/nginx/conf.d: the copy's, never this host's.
    expect(fix.files.map((f) => f.path)).toEqual([path.join(root, 'etc/nginx/conf.d/site.conf')]);
    expect(fix.files[0]!.diff).toContain('+    proxy_buffer_size');
  });
});
