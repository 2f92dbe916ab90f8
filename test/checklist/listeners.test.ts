import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressMatches,
  checkListening,
  decodeHexAddress,
  describeListen,
  findListeners,
  findSocketOwners,
  parseProcNetTcp,
} from '../../src/checklist/listeners.js';

const text = (name: string): string => readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8');

describe('parseProcNetTcp on captured /proc text', () => {
  const v4 = parseProcNetTcp(text('proc-net-tcp-host.txt'), 4);
  const v6 = parseProcNetTcp(text('proc-net-tcp6-host.txt'), 6);

  it('decodes little-endian IPv4, IPv6, IPv4-mapped IPv6 and the LISTEN state', () => {
    const listen4 = v4.filter((r) => r.state === '0A').map((r) => `${r.localAddress}:${r.localPort}`);
    expect(listen4).toEqual(['0.0.0.0:2024', '127.0.0.1:39291', '127.0.0.1:39295']);
    const listen6 = v6.filter((r) => r.state === '0A').map((r) => `${r.localAddress}:${r.localPort}`);
    expect(listen6).toEqual([':::39290', '::ffff:127.0.0.1:39293', '::1:39294']);
    expect(v6[0]).toMatchObject({ family: 6, uid: 0, inode: 11401, remoteAddress: '::', remotePort: 0 });
    // Non-LISTEN rows (established connections) are parsed too, and skipped by findListeners.
    expect(v4.length + v6.length).toBeGreaterThan(6);
  });

  it('matches targets the way the kernel would route them', () => {
    const rows = [...v4, ...v6];
    expect(findListeners(rows, '127.0.0.1', 39290).map((r) => r.localAddress)).toEqual(['::']); // dual-stack wildcard
    expect(findListeners(rows, '127.0.0.1', 39293).map((r) => r.localAddress)).toEqual(['::ffff:127.0.0.1']);
    expect(findListeners(rows, '::1', 39295)).toEqual([]); // IPv4 loopback does not take ::1
    expect(findListeners(rows, '127.0.0.2', 39291)).toEqual([]);
    expect(findListeners(rows, '192.0.2.2', 2024)).toHaveLength(1); // 0.0.0.0 takes any IPv4
    expect(findListeners(rows, 'backend', 39294)).toHaveLength(1); // a host name: only the port is known
    expect(findListeners(rows, null, 39291)).toHaveLength(1);
    expect(findListeners(rows, '127.0.0.1', 39299)).toEqual([]);
  });

  it('reads a container namespace capture: Docker DNS and httpd on [::]:8080', () => {
    const rows = [...parseProcNetTcp(text('proc-net-tcp-container.txt'), 4), ...parseProcNetTcp(text('proc-net-tcp6-container.txt'), 6)];
    expect(rows.map((r) => `${r.localAddress}:${r.localPort}`)).toEqual(['127.0.0.11:41911', ':::8080']);
    expect(findListeners(rows, null, 8080)[0]?.inode).toBe(12759);
  });

  it('decodes single addresses and ignores junk lines', () => {
    expect(decodeHexAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeHexAddress('0B00007F')).toBe('127.0.0.11');
    expect(decodeHexAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeHexAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    expect(decodeHexAddress('0000000000000000FFFF0000020011AC')).toBe('::ffff:172.17.0.2');
    expect(parseProcNetTcp('garbage\n  sl local\n 0: zz:zz 00:00 0A\n', 4)).toEqual([]);
    expect(addressMatches('0.0.0.0', '::1')).toBe(false);
    expect(addressMatches('::', '::1')).toBe(true);
  });
});

describe('checkListening against real sockets on 127.0.0.1 and ::1', () => {
  const servers: net.Server[] = [];
  const listen = (port: number, host: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = net.createServer((c) => c.destroy());
      servers.push(s);
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });

  beforeAll(async () => {
    await listen(39230, '127.0.0.1');
    await listen(39231, '::1');
    await listen(39232, '::');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('finds the IPv4 loopback listener with its owner process from /proc/*/fd', async () => {
    const r = await checkListening({ host: '127.0.0.1', port: 39230 });
    expect(r).toMatchObject({ listening: true, method: 'proc' });
    expect(r.rows[0]?.localAddress).toBe('127.0.0.1');
    expect(r.owners).toContainEqual({ pid: process.pid, comm: expect.any(String) });
    expect(describeListen(r)).toMatch(new RegExp(`^LISTEN 127\\.0\\.0\\.1:39230 by .+ pid ${process.pid}`));
    // The same socket does not answer for ::1.
    expect((await checkListening({ host: '::1', port: 39230 })).listening).toBe(false);
  });

  it('finds the ::1 listener, and not for 127.0.0.1', async () => {
    const r = await checkListening({ host: '::1', port: 39231 });
    expect(r.listening).toBe(true);
    expect(r.rows[0]).toMatchObject({ family: 6, localAddress: '::1' });
    expect((await checkListening({ host: '127.0.0.1', port: 39231 })).listening).toBe(false);
  });

  it('a [::] listener serves 127.0.0.1 and ::1 (dual-stack)', async () => {
    expect((await checkListening({ host: '127.0.0.1', port: 39232 })).listening).toBe(true);
    expect((await checkListening({ host: '::1', port: 39232 })).listening).toBe(true);
  });

  it('reports a free port as not listening', async () => {
    const r = await checkListening({ host: '127.0.0.1', port: 39233 });
    expect(r.listening).toBe(false);
    expect(describeListen(r)).toBe('no LISTEN socket in /proc/net/tcp + /proc/net/tcp6');
  });

  it('reads another process namespace by pid (our own pid here)', async () => {
    const r = await checkListening({ host: '127.0.0.1', port: 39231, pid: process.pid, anyAddress: true });
    expect(r.listening).toBe(true);
    expect(r.source).toBe(`/proc/${process.pid}/net/tcp + /proc/${process.pid}/net/tcp6`);
  });

  it('falls back to a TCP connect when /proc cannot be read', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'rd-noproc-'));
    const open = await checkListening({ host: '::1', port: 39231, procRoot: empty });
    expect(open).toMatchObject({ listening: true, method: 'connect', source: '::1:39231' });
    expect(open.note).toMatch(/cannot read .*net\/tcp6: ENOENT; used a TCP connect instead/);
    const closed = await checkListening({ host: '127.0.0.1', port: 39233, procRoot: empty });
    expect(closed).toMatchObject({ listening: false, method: 'connect' });
    expect(closed.note).toContain('ECONNREFUSED');
  });

  it('findSocketOwners returns nothing for inodes nobody holds', async () => {
    expect((await findSocketOwners('/proc', [1])).size).toBe(0);
  });
});
