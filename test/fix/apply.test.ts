/** applyFix: backup, write, nginx -t validation, and roll-back on a change nginx rejects. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyFix, BACKUP_FOLDER } from '../../src/fix/apply.js';
import { proposeFix } from '../../src/fix/propose.js';
import type { FixProposal } from '../../src/model/incident.js';
import { FIXTURES, NGINX, input, nginxGlobals, tempCopy } from './helpers.js';

describe.skipIf(!NGINX)('applyFix', () => {
  test('writes nginx + compose with backups; nginx -t ok', async () => {
    const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
    const compose = tempCopy(path.join(FIXTURES, 'compose'));
    const conf = path.join(dir, 'nginx.conf');
    const original = readFileSync(conf, 'utf8');
    const proposal = await proposeFix(
      input({ fixIds: ['nginx-retry', 'nginx-keepalive', 'compose-healthcheck'], nginxConf: conf, compose: path.join(compose, 'basic.yml'), cwd: dir }),
    );
    const result = await applyFix(proposal, { backup: true, nginxBinary: NGINX, nginxConf: conf, nginxArgs: nginxGlobals(dir) });
    expect(result.ok).toBe(true);
    expect(result.files.map((f) => f.status)).toEqual(['written', 'written']);
    expect(result.files[0]!.message).toContain('nginx -t: ok');
    expect(result.files[0]!.message).toContain(`backup: ${path.join(dir, BACKUP_FOLDER)}/nginx.conf.`);
    const backups = readdirSync(path.join(dir, BACKUP_FOLDER));
    expect(backups).toEqual([expect.stringMatching(/^nginx\.conf\.\d{8}T\d{6}Z\.bak$/)]);
    expect(readFileSync(path.join(dir, BACKUP_FOLDER, backups[0]!), 'utf8')).toBe(original);
    expect(readFileSync(conf, 'utf8')).toContain('keepalive 16;');
    expect(readFileSync(path.join(compose, 'basic.yml'), 'utf8')).toContain('healthcheck:');
  });

  test('restores the original when nginx -t rejects the change, and says why in one line', async () => {
    const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
    const conf = path.join(dir, 'nginx.conf');
    const original = readFileSync(conf, 'utf8');
    const bad: FixProposal = {
      fixIds: ['nginx-retry'],
      advice: [],
      warnings: [],
      files: [
        {
          path: conf,
          displayPath: 'nginx.conf',
          kind: 'nginx',
          notes: [],
          diff: '--- nginx.conf\n+++ nginx.conf\n@@ -8,3 +8,4 @@\n     upstream backend {\n         server 127.0.0.1:3000;\n+        no_such_directive on;\n     }\n',
        },
      ],
    };
    const result = await applyFix(bad, { backup: true, nginxBinary: NGINX, nginxConf: conf, nginxArgs: nginxGlobals(dir) });
    expect(result.ok).toBe(false);
    expect(result.files[0]!.status).toBe('restored');
    expect(result.files[0]!.message).toMatch(/nginx -t failed.*unknown directive "no_such_directive"/);
    expect(result.files[0]!.message).not.toContain('\n');
    expect(readFileSync(conf, 'utf8')).toBe(original);
    expect(readdirSync(path.join(dir, BACKUP_FOLDER))).toEqual([]);
  });

  test('a file changed since the proposal is not touched', async () => {
    const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
    const conf = path.join(dir, 'nginx.conf');
    const proposal = await proposeFix(input({ nginxConf: conf, cwd: dir }));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(conf, 'events {}\nhttp {}\n');
    const result = await applyFix(proposal, { backup: true, nginxBinary: NGINX, nginxConf: conf });
    expect(result.files[0]!.status).toBe('failed');
    expect(readFileSync(conf, 'utf8')).toBe('events {}\nhttp {}\n');
  });
});
