/**
 * Which config the running nginx uses (sources/nginxConfigDiscovery.ts): the master's process title,
 * the binary's compiled-in path (the real `nginx -V` of this host's binary), the default, and
 * masters in containers left out. The /proc tree here is a folder laid out as /proc is; the real
 * process table is read by test/e2e/liveRunningConfig.test.ts with a real nginx.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverHostNginx, parseConfigureArgs, parseMasterTitle, untrustedBinary } from '../../src/sources/nginxConfigDiscovery.js';
import { NGINX_BIN, requireNginx } from '../support/nginx.js';

describe("the nginx master's process title", () => {
  it('gives -c, -p and the binary; -g and what follows are directives, not options', () => {
    expect(parseMasterTitle('nginx: master process /usr/sbin/nginx -c /etc/nginx/alt.conf -g daemon off;\0\0\0')).toEqual({ bin: '/usr/sbin/nginx', conf: '/etc/nginx/alt.conf', prefix: null });
    expect(parseMasterTitle('nginx: master process nginx -p /srv/ng/ -c conf/site.conf')).toEqual({ bin: 'nginx', conf: 'conf/site.conf', prefix: '/srv/ng/' });
    expect(parseMasterTitle('nginx: master process /usr/sbin/nginx -c/x.conf')).toMatchObject({ conf: '/x.conf' });
    expect(parseMasterTitle('nginx: master process /usr/sbin/nginx -g daemon off; -c /not/an/option')).toMatchObject({ conf: null });
    expect(parseMasterTitle('nginx: master process /usr/sbin/nginx')).toEqual({ bin: '/usr/sbin/nginx', conf: null, prefix: null });
  });

  it('a worker, another program, or argv that was never retitled is not a master', () => {
    expect(parseMasterTitle('nginx: worker process\0')).toBeNull();
    expect(parseMasterTitle('/usr/sbin/nginx\0-c\0/etc/nginx/nginx.conf\0')).toBeNull();
    expect(parseMasterTitle('node\0server.js\0')).toBeNull();
  });
});

describe("this host's nginx -V", () => {
  it('names its compiled-in --conf-path and --prefix', (ctx) => {
    if (!requireNginx()) ctx.skip();
    // nginx -V prints on stderr (exit 0): the same text the discovery reads.
    const r = spawnSync(NGINX_BIN, ['-V'], { encoding: 'utf8' });
    const got = parseConfigureArgs(`${r.stdout}${r.stderr}`);
    expect(got.confPath).toMatch(/^\/\S+\.conf$/);
    expect(got.prefix).toMatch(/^\//);
  });
});

/** Entry `n` of the /proc tree at `root`: its files and the binary its `exe` link points to. */
function procEntry(root: string, n: number | string, files: Record<string, string>, exe?: string): void {
  const dir = path.join(root, String(n));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  if (exe) symlinkSync(exe, path.join(dir, 'exe'));
}

/** A /proc tree at `root` with one host master, `nginx: master process nginx` (no -c), running `exe`. */
function oneMaster(root: string, n: number, exe: string): void {
  procEntry(root, 'self', { cgroup: '0::/\n' });
  procEntry(root, n, { cmdline: 'nginx: master process nginx\0', cgroup: '0::/\n' }, exe);
}

describe('discoverHostNginx over a /proc tree', () => {
  const proc = mkdtempSync(path.join(os.tmpdir(), 'rd-s13-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));
  const pid = (n: number | string, files: Record<string, string>, exe?: string): void => procEntry(proc, n, files, exe);
  pid('self', { cgroup: '0::/user.slice\n' });
  pid(100, { cmdline: 'nginx: master process /usr/sbin/nginx -c /etc/nginx/alt.conf\0\0\0\0', cgroup: '0::/system.slice/nginx.service\n' });
  pid(101, { cmdline: 'nginx: worker process\0', cgroup: '0::/system.slice/nginx.service\n' });
  pid(102, { cmdline: 'nginx: master process nginx -g daemon off;\0', cgroup: '0::/system.slice/docker-4f2a9c.scope\n' });
  pid(103, { cmdline: 'nginx: master process nginx -p /srv/ng/ -c conf/site.conf\0', cgroup: '0::/user.slice\n' });
  pid(104, { cmdline: 'nginx: master process nginx -c conf/site.conf\0', cgroup: '0::/user.slice\n' });

  it('finds the host masters and their configs; a master in a container and an unresolvable relative -c are said, not guessed', async () => {
    const d = await discoverHostNginx(proc);
    expect(d.masters).toEqual([
      { pid: 100, confPath: '/etc/nginx/alt.conf', how: 'started with -c' },
      { pid: 103, confPath: '/srv/ng/conf/site.conf', how: 'started with -c conf/site.conf, prefix /srv/ng/' },
    ]);
    expect(d.skipped).toEqual(['pid 102 runs in a container', 'pid 104 was started with a relative -c conf/site.conf and its prefix is unknown']);
  });

  it("no -c: the running binary's compiled-in --conf-path (nginx -V, as an argument array)", async (ctx) => {
    if (!requireNginx()) ctx.skip();
    const one = mkdtempSync(path.join(os.tmpdir(), 'rd-s13-proc1-'));
    try {
      oneMaster(one, 200, NGINX_BIN);
      const d = await discoverHostNginx(one);
      expect(d.masters).toEqual([{ pid: 200, confPath: expect.stringMatching(/^\/\S+\.conf$/), how: `no -c; --conf-path of ${NGINX_BIN} -V` }]);
    } finally {
      rmSync(one, { recursive: true, force: true });
    }
  });

  it('never runs a program another user could have put behind a master title: only a root-owned (or own), not world-writable nginx', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-proc-bin-'));
    try {
      const fake = path.join(dir, 'nginx');
      writeFileSync(fake, '#!/bin/sh\necho ran > ' + path.join(dir, 'ran') + '\n', { mode: 0o777 });
      chmodSync(fake, 0o777);
      expect(untrustedBinary(fake)).toBe(`${fake} is writable by others`);
      chmodSync(fake, 0o755);
      expect(untrustedBinary(fake, 12345)).toBe(process.getuid!() === 0 ? null : `${fake} belongs to uid ${process.getuid!()}, not root`);
      expect(untrustedBinary('/bin/sh')).toBe('/bin/sh is not named nginx');
      chmodSync(fake, 0o777);
      const one = path.join(dir, 'proc');
      oneMaster(one, 300, fake);
      const d = await discoverHostNginx(one);
      expect(d.masters).toEqual([{ pid: 300, confPath: '/etc/nginx/nginx.conf', how: `no -c, no nginx -V (not run: ${fake} is writable by others): the usual default` }]);
      expect(existsSync(path.join(dir, 'ran'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a /proc that cannot be read: no master, and why', async () => {
    expect(await discoverHostNginx(path.join(proc, 'missing'))).toEqual({ masters: [], skipped: [`${path.join(proc, 'missing')} is not readable`] });
  });
});
