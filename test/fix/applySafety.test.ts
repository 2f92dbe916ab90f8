/**
 * fix --apply on real files: backups that never follow a planted symlink, atomic replaces that
 * keep mode and owner, one fix rolled back whole (a write that fails, nginx -t that fails), and
 * backups nginx never reads in a Debian layout (`include conf.d/*.conf; include sites-enabled/*;`),
 * checked by the real `nginx -t`. Tests run as root, so an unwritable file is made with `chattr +i`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyFix, BACKUP_FOLDER } from '../../src/fix/apply.js';
import { proposeFix } from '../../src/fix/propose.js';
import { backupPath } from '../../src/fix/safeWrite.js';
import type { FixProposal } from '../../src/model/incident.js';
import { requireNginx } from '../support/nginx.js';
import { FIXTURES, NGINX, input, nginxGlobals, nginxT, tempCopy } from './helpers.js';

const NOW = Date.UTC(2026, 0, 15, 3, 12, 44);
const STAMP = '20260115T031244Z';
const hasNginx = requireNginx();

/** nginx.conf + docker-compose.yml of one fix, in one temp dir, and the proposal for both. */
async function nginxAndCompose() {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
  const conf = path.join(dir, 'nginx.conf');
  const compose = path.join(dir, 'docker-compose.yml');
  writeFileSync(compose, readFileSync(path.join(FIXTURES, 'compose/basic.yml')));
  const proposal = await proposeFix(input({ fixIds: ['nginx-retry', 'nginx-keepalive', 'compose-healthcheck'], nginxConf: conf, compose, cwd: dir }));
  expect(proposal.files.map((f) => [path.basename(f.path), f.diff !== ''])).toEqual([
    ['nginx.conf', true],
    ['docker-compose.yml', true],
  ]);
  return { dir, conf, compose, proposal, before: { conf: readFileSync(conf, 'utf8'), compose: readFileSync(compose, 'utf8') } };
}

/** Files in a directory tree (names relative to it), backups and temp files included. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** `chattr +i` for the duration of `fn` (root cannot replace an immutable file either). */
async function immutable<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`chattr +i ${file} failed (needs root on ext4/xfs/btrfs): ${String(err)}`);
  }
  try {
    return await fn();
  } finally {
    execFileSync('chattr', ['-i', file]);
  }
}

const apply = (proposal: FixProposal, dir: string, conf: string, over: Parameters<typeof applyFix>[1] = {}) =>
  applyFix(proposal, { nginxBinary: NGINX, nginxConf: conf, nginxArgs: nginxGlobals(dir), now: () => NOW, ...over });

describe.skipIf(!hasNginx)('fix --apply: safe writes', () => {
  test('a planted backup symlink is never written through: error, target and config untouched; --force replaces the link itself', async () => {
    const { dir, conf, proposal, before } = await nginxAndCompose();
    const victim = path.join(mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-victim-')), 'shadow');
    writeFileSync(victim, 'root:x:0:0\n');
    mkdirSync(path.join(dir, BACKUP_FOLDER), { mode: 0o700 });
    const planted = path.join(dir, BACKUP_FOLDER, `nginx.conf.${STAMP}.bak`);
    expect(backupPath(conf, NOW)).toBe(planted);
    symlinkSync(victim, planted);

    const refused = await apply(proposal, dir, conf);
    expect(refused.ok).toBe(false);
    expect(refused.files[0]).toMatchObject({ status: 'failed', message: `a backup already exists at ${planted} (pass --force to replace it)` });
    expect(refused.files[1]).toMatchObject({ status: 'skipped', message: 'not written: the backup of ' + conf + ' failed' });
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    expect(readFileSync(conf, 'utf8')).toBe(before.conf);
    expect(readlinkSync(planted)).toBe(victim);
    expect(existsSync(path.join(dir, BACKUP_FOLDER, `docker-compose.yml.${STAMP}.bak`))).toBe(false);

    const forced = await apply(proposal, dir, conf, { force: true });
    expect(forced.files.map((f) => f.status)).toEqual(['written', 'written']);
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    expect(lstatSync(planted).isFile()).toBe(true);
    expect(readFileSync(planted, 'utf8')).toBe(before.conf);
  });

  test('a .restartdoctor that is a symlink to elsewhere is refused', async () => {
    const { dir, conf, proposal, before } = await nginxAndCompose();
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-elsewhere-'));
    symlinkSync(elsewhere, path.join(dir, BACKUP_FOLDER));
    const r = await apply(proposal, dir, conf);
    expect(r.files[0]!.message).toBe(`${path.join(dir, BACKUP_FOLDER)} is not a directory (a symlink or a file): refusing to put a backup there`);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readFileSync(conf, 'utf8')).toBe(before.conf);
  });

  test('writes are a rename of a synced temp file that keeps the mode and the owner', async () => {
    const { dir, conf, compose, proposal } = await nginxAndCompose();
    chmodSync(conf, 0o640);
    chownSync(conf, 4321, 4322);
    const inode = statSync(conf).ino;
    const r = await apply(proposal, dir, conf);
    expect(r.files.map((f) => f.status)).toEqual(['written', 'written']);
    const st = statSync(conf);
    expect(st.ino).not.toBe(inode); // replaced by rename, not rewritten in place
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([4321, 4322]);
    expect(statSync(path.join(dir, BACKUP_FOLDER, `nginx.conf.${STAMP}.bak`)).mode & 0o777).toBe(0o600);
    expect(tree(dir).filter((f) => f.includes('rd-tmp'))).toEqual([]);
    expect(readFileSync(compose, 'utf8')).toContain('healthcheck:');
  });

  test('the second file cannot be written (immutable): the first is restored, no backup or temp file is left', async () => {
    const { dir, conf, compose, proposal, before } = await nginxAndCompose();
    const r = await immutable(compose, () => apply(proposal, dir, conf));
    expect(r.ok).toBe(false);
    expect(r.files[0]).toMatchObject({ status: 'restored', message: `restored the original: ${compose} could not be written` });
    expect(r.files[1]!.status).toBe('failed');
    expect(r.files[1]!.message).toMatch(/^cannot replace .*docker-compose\.yml: EPERM$/);
    expect(readFileSync(conf, 'utf8')).toBe(before.conf);
    expect(readFileSync(compose, 'utf8')).toBe(before.compose);
    expect(readdirSync(path.join(dir, BACKUP_FOLDER))).toEqual([]);
    expect(tree(dir).filter((f) => f.includes('rd-tmp'))).toEqual([]);
  });

  test('an immutable nginx.conf fails cleanly: nothing written, no stale backup', async () => {
    const { dir, conf, compose, proposal, before } = await nginxAndCompose();
    const r = await immutable(conf, () => apply(proposal, dir, conf));
    expect(r.files.map((f) => f.status)).toEqual(['failed', 'skipped']);
    expect(r.files[0]!.message).not.toContain('\n');
    expect(readFileSync(conf, 'utf8')).toBe(before.conf);
    expect(readFileSync(compose, 'utf8')).toBe(before.compose);
    expect(readdirSync(path.join(dir, BACKUP_FOLDER))).toEqual([]);
  });

  test('nginx -t rejects the change: nginx.conf and docker-compose.yml are both restored', async () => {
    const { dir, conf, compose, proposal, before } = await nginxAndCompose();
    const bad: FixProposal = { ...proposal, files: proposal.files.map((f) => (f.kind === 'nginx' ? { ...f, diff: f.diff.replace(/\+(\s+)keepalive 16;/, '+$1no_such_directive 16;') } : f)) };
    expect(bad.files[0]!.diff).toContain('no_such_directive');
    const r = await apply(bad, dir, conf);
    expect(r.ok).toBe(false);
    expect(r.files.map((f) => f.status)).toEqual(['restored', 'restored']);
    expect(r.files[1]!.message).toMatch(/^restored the original: nginx -t failed on the change \(.*unknown directive "no_such_directive"/);
    expect(readFileSync(conf, 'utf8')).toBe(before.conf);
    expect(readFileSync(compose, 'utf8')).toBe(before.compose);
    expect(readdirSync(path.join(dir, BACKUP_FOLDER))).toEqual([]);
  });

  test('a restore that fails keeps that file\'s backup and says where it is', async () => {
    const { dir, conf, compose, proposal, before } = await nginxAndCompose();
    let renames = 0;
    const ops = {
      rename: (from: string, to: string) => {
        renames++;
        // 1: nginx.conf written; 2: docker-compose.yml fails; 3: nginx.conf's restore fails too.
        if (renames >= 2) throw Object.assign(new Error('EIO'), { code: 'EIO' });
        execFileSync('mv', [from, to]);
      },
    };
    const r = await apply(proposal, dir, conf, { ops });
    const backup = path.join(dir, BACKUP_FOLDER, `nginx.conf.${STAMP}.bak`);
    expect(r.files[0]).toMatchObject({ status: 'failed', message: `could not restore the original (cannot replace ${conf}: EIO); it is in ${backup}` });
    expect(readFileSync(backup, 'utf8')).toBe(before.conf);
    expect(readFileSync(compose, 'utf8')).toBe(before.compose);
    expect(readdirSync(path.join(dir, BACKUP_FOLDER))).toEqual([path.basename(backup)]);
  });

  test('Debian layout (include conf.d/*.conf; include sites-enabled/*): nginx never reads a backup, nginx -t passes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-debian-'));
    for (const d of ['conf.d', 'sites-available', 'sites-enabled']) mkdirSync(path.join(dir, d));
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(conf, `events { worker_connections 64; }\nhttp {\n    include ${dir}/conf.d/*.conf;\n    include sites-enabled/*;\n}\n`);
    writeFileSync(path.join(dir, 'conf.d/app.conf'), 'upstream backend {\n    server 127.0.0.1:3000;\n}\n');
    const site = path.join(dir, 'sites-available/shop');
    writeFileSync(
      site,
      'upstream shop_static {\n    server 127.0.0.1:3002;\n}\n\nserver {\n    listen 127.0.0.1:39581;\n    server_name shop;\n\n    location / {\n        proxy_pass http://backend;\n    }\n\n    location /static/ {\n        proxy_pass http://shop_static;\n    }\n}\n',
    );
    symlinkSync('../sites-available/shop', path.join(dir, 'sites-enabled/shop'));
    expect((await nginxT(dir)).ok).toBe(true);

    const proposal = await proposeFix(input({ fixIds: ['nginx-retry', 'nginx-keepalive'], nginxConf: conf, cwd: dir }));
    expect(proposal.files.filter((f) => f.diff).map((f) => path.relative(dir, f.path)).sort()).toEqual(['conf.d/app.conf', 'sites-enabled/shop']);
    const r = await apply(proposal, dir, conf);
    expect(r.files.map((f) => f.status), JSON.stringify(r.files)).toEqual(['written', 'written']);
    for (const f of r.files) expect(f.message).toMatch(/; nginx -t: ok$/);
    expect((await nginxT(dir)).ok).toBe(true);
    // The link is still a link; the file it points to holds the fix; backups sit in dot-folders.
    expect(readlinkSync(path.join(dir, 'sites-enabled/shop'))).toBe('../sites-available/shop');
    expect(readFileSync(site, 'utf8')).toContain('proxy_next_upstream error timeout');
    expect(readFileSync(path.join(dir, 'conf.d/app.conf'), 'utf8')).toContain('keepalive 16;');
    expect(tree(dir).filter((f) => f.endsWith('.bak')).sort()).toEqual([`conf.d/.restartdoctor/app.conf.${STAMP}.bak`, `sites-available/.restartdoctor/shop.${STAMP}.bak`]);
  });
});
