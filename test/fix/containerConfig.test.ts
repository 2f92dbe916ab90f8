/**
 * A container's config copied under a folder (sources/containerConfig.ts): absolute includes
 * resolve under that folder, never on this host, and the fix names the container's path.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerFix } from '../../src/session/enrich.js';
import { loadNginxConfig } from '../../src/fix/nginx/load.js';

describe("a container's nginx config, copied", () => {
  it('resolves absolute includes under the copy and refuses ones that leave it', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-conf-'));
    mkdirSync(path.join(root, 'etc/nginx/conf.d'), { recursive: true });
    writeFileSync(path.join(root, 'etc/nginx/nginx.conf'), 'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /../../../../etc/passwd;\n}\n');
    writeFileSync(path.join(root, 'etc/nginx/conf.d/site.conf'), 'upstream app { server 10.0.0.2:3000; }\n');
    const cfg = loadNginxConfig(path.join(root, 'etc/nginx/nginx.conf'), undefined, root);
    expect([...cfg.files.keys()]).toContain(path.join(root, 'etc/nginx/conf.d/site.conf'));
    expect([...cfg.files.keys()].some((f) => f.endsWith('/etc/passwd'))).toBe(false);
    expect(cfg.warnings.map((w) => w.message)).toContain('include /../../../../etc/passwd skipped: outside the container\'s files');
  });

  it('names the file as the container has it and says where to change it', () => {
    const root = '/tmp/restartdoctor-config-abc';
    const fix = containerFix(
      {
        fixIds: ['nginx-retry'],
        advice: [],
        warnings: [],
        files: [{ path: `${root}/etc/nginx/nginx.conf`, displayPath: '/etc/nginx/nginx.conf', kind: 'nginx', diff: `--- ${root}/etc/nginx/nginx.conf\n+++ ${root}/etc/nginx/nginx.conf\n@@ -1 +1,2 @@\n`, notes: [] }],
      },
      { nginxRoot: root, nginxConfContainer: 'web-nginx-1' },
    );
    expect(fix.files[0]!.path).toBe('web-nginx-1:/etc/nginx/nginx.conf');
    expect(fix.files[0]!.diff.split('\n').slice(0, 2)).toEqual(['--- web-nginx-1:/etc/nginx/nginx.conf', '+++ web-nginx-1:/etc/nginx/nginx.conf']);
    // Run from /tmp, the diff names the copy relative to it: still the container's path.
    const rel = containerFix({ fixIds: [], advice: [], warnings: [], files: [{ path: `${root}/etc/nginx/nginx.conf`, displayPath: '/etc/nginx/nginx.conf', kind: 'nginx', diff: `--- restartdoctor-config-abc/etc/nginx/nginx.conf\n`, notes: [] }] }, { nginxRoot: root, nginxConfContainer: 'web-nginx-1' });
    expect(rel.files[0]!.diff).toBe('--- web-nginx-1:/etc/nginx/nginx.conf\n');
    expect(fix.files[0]!.notes[0]).toMatch(/inside container web-nginx-1 .*image or in the file bind-mounted there/);
  });
});
