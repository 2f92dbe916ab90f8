/**
 * "Is anything listening on the port?" answered from /proc, the way `ss -tlnp` does it but
 * without a subprocess: /proc/net/tcp{,6} lists sockets of the reader's network namespace,
 * /proc/<pid>/net/tcp{,6} those of the namespace of <pid> (a container's init process), and the
 * owner is found by matching the socket inode against /proc/<pid>/fd links.
 * Parsing is pure (text in, rows out); reading is done by the small async functions below.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

export interface SocketRow {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Kernel state in hex, `0A` = LISTEN. */
  state: string;
  uid: number;
  inode: number;
  /** The line as read, trimmed: the evidence. */
  raw: string;
}

/** Four bytes stored as one host-endian (little-endian here) 32-bit word: `0100007F` → 127.0.0.1. */
function decodeWord(hex8: string): number[] {
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(hex8.slice(i, i + 2), 16));
  return bytes;
}

/**
 * `/proc/net/tcp*` address → text. IPv4 is one little-endian word; IPv6 is four such words.
 * IPv4-mapped IPv6 comes out as `::ffff:1.2.3.4` so it can be compared with an IPv4 target.
 */
export function decodeHexAddress(hex: string): string {
  if (hex.length === 8) return decodeWord(hex).join('.');
  if (hex.length !== 32) throw new Error(`not a /proc/net/tcp address: ${hex}`);
  const bytes = [0, 8, 16, 24].flatMap((i) => decodeWord(hex.slice(i, i + 8)));
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return compressIPv6(groups);
}

/** RFC 5952 text form: the longest run of zero groups (2+) becomes `::`. */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

function splitAddress(field: string): { hex: string; port: number } | null {
  const [hex, port] = field.split(':');
  if (!hex || !port || !/^[0-9A-Fa-f]+$/.test(hex) || !/^[0-9A-Fa-f]{4}$/.test(port)) return null;
  if (hex.length !== 8 && hex.length !== 32) return null;
  return { hex, port: parseInt(port, 16) };
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. Lines that do not fit are skipped. */
export function parseProcNetTcp(text: string, family: 4 | 6): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    if (f.length < 10 || !/^\d+:$/.test(f[0] ?? '')) continue;
    const local = splitAddress(f[1] ?? '');
    const remote = splitAddress(f[2] ?? '');
    if (!local || !remote) continue;
    rows.push({
      family,
      localAddress: decodeHexAddress(local.hex),
      localPort: local.port,
      remoteAddress: decodeHexAddress(remote.hex),
      remotePort: remote.port,
      state: (f[3] ?? '').toUpperCase(),
      uid: Number(f[7]),
      inode: Number(f[9]),
      raw: line.trim(),
    });
  }
  return rows;
}

function unmap(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * Would a connection to `target` reach a socket listening on `listenAddress`? Wildcards take
 * everything of their family; `::` also takes IPv4 because Linux sockets are dual-stack unless
 * bindv6only is set. A target that is not an IP (a host name) matches any listener: which address
 * it resolves to is not known here, only the port is.
 */
export function addressMatches(listenAddress: string, target: string): boolean {
  if (!net.isIP(unmap(target))) return true;
  const listen = unmap(listenAddress);
  const want = unmap(target);
  if (listen === '::') return true;
  if (listen === '0.0.0.0') return net.isIPv4(want);
  return listen === want;
}

/** LISTEN rows on `port` that would accept a connection to `host` (null host = any address). */
export function findListeners(rows: SocketRow[], host: string | null, port: number): SocketRow[] {
  return rows.filter(
    (r) => r.state === TCP_LISTEN && r.localPort === port && (host === null || addressMatches(r.localAddress, host)),
  );
}

export interface SocketOwner {
  pid: number;
  /** Process name from /proc/<pid>/comm, when readable. */
  comm: string | null;
}

async function readSocketInodes(fdDir: string): Promise<Set<number>> {
  const found = new Set<number>();
  let fds: string[];
  try {
    fds = await readdir(fdDir);
  } catch {
    return found; // gone, or not ours to read
  }
  await Promise.all(
    fds.map(async (fd) => {
      const target = await readlink(path.join(fdDir, fd)).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) found.add(Number(m[1]));
    }),
  );
  return found;
}

/**
 * Which processes hold these socket inodes? Scans `/proc/<pid>/fd` (the hinted pids first, as
 * they are the likely owners). Forked workers share a listening socket, so one inode may have
 * several owners; the scan stops once every inode has one.
 */
export async function findSocketOwners(
  procRoot: string,
  inodes: Iterable<number>,
  pidHints: number[] = [],
): Promise<Map<number, SocketOwner[]>> {
  const wanted = new Set(inodes);
  const owners = new Map<number, SocketOwner[]>();
  if (wanted.size === 0) return owners;
  let entries: string[] = [];
  try {
    entries = (await readdir(procRoot)).filter((e) => /^\d+$/.test(e));
  } catch {
    return owners;
  }
  const order = [...new Set([...pidHints.map(String), ...entries])];
  const batch = 64;
  for (let i = 0; i < order.length && owners.size < wanted.size; i += batch) {
    await Promise.all(
      order.slice(i, i + batch).map(async (pid) => {
        const held = await readSocketInodes(path.join(procRoot, pid, 'fd'));
        for (const inode of held) {
          if (!wanted.has(inode)) continue;
          const comm = await readFile(path.join(procRoot, pid, 'comm'), 'utf8').then(
            (t) => t.trim(),
            () => null,
          );
          const list = owners.get(inode) ?? [];
          list.push({ pid: Number(pid), comm });
          owners.set(inode, list);
        }
      }),
    );
  }
  return owners;
}

export interface ListenCheckOptions {
  host: string;
  port: number;
  /** Root of the proc filesystem; tests point it at captured files. */
  procRoot?: string;
  /** Read the namespace of this process (a container's State.Pid) instead of our own. */
  pid?: number | null;
  /** Match any local address (inside a container the target's host address is not the container's). */
  anyAddress?: boolean;
  /** Timeout of the TCP connect fallback. */
  connectTimeoutMs?: number;
}

export interface ListenCheckResult {
  /** true/false when known; null when neither /proc nor a connect could tell. */
  listening: boolean | null;
  method: 'proc' | 'connect';
  /** The /proc file(s) read, or `host:port` for a connect. */
  source: string;
  rows: SocketRow[];
  owners: SocketOwner[];
  /** Why /proc was not used, or why the connect could not decide. */
  note: string | null;
}

async function readTables(dir: string): Promise<{ rows: SocketRow[]; sources: string[] } | { error: string }> {
  const rows: SocketRow[] = [];
  const sources: string[] = [];
  let lastError = '';
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
    const p = path.join(dir, file);
    try {
      rows.push(...parseProcNetTcp(await readFile(p, 'utf8'), family));
      sources.push(p);
    } catch (err) {
      // tcp6 is absent on kernels without IPv6; that alone is not a failure.
      lastError = `${p}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`;
    }
  }
  return sources.length > 0 ? { rows, sources } : { error: lastError };
}

/** A plain TCP connect: true on connect, false on refused, null when it cannot tell. */
export function tcpConnect(host: string, port: number, timeoutMs = 2_000): Promise<{ open: boolean | null; code: string | null }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean | null, code: string | null): void => {
      socket.destroy();
      resolve({ open, code });
    };
    socket.setTimeout(timeoutMs, () => done(null, 'ETIMEDOUT'));
    socket.once('connect', () => done(true, null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? false : null, err.code ?? 'EIO'));
  });
}

/** Checks whether something listens on host:port, from /proc when readable, else by connecting. */
export async function checkListening(opts: ListenCheckOptions): Promise<ListenCheckResult> {
  const procRoot = opts.procRoot ?? '/proc';
  const dir = opts.pid ? path.join(procRoot, String(opts.pid), 'net') : path.join(procRoot, 'net');
  const tables = await readTables(dir);
  if ('rows' in tables) {
    const rows = findListeners(tables.rows, opts.anyAddress ? null : opts.host, opts.port);
    const ownerMap = await findSocketOwners(
      procRoot,
      rows.map((r) => r.inode).filter((i) => i > 0),
      opts.pid ? [opts.pid] : [],
    );
    const owners = rows.flatMap((r) => ownerMap.get(r.inode) ?? []);
    return { listening: rows.length > 0, method: 'proc', source: tables.sources.join(' + '), rows, owners, note: null };
  }
  const probe = await tcpConnect(opts.host, opts.port, opts.connectTimeoutMs);
  return {
    listening: probe.open,
    method: 'connect',
    source: `${opts.host}:${opts.port}`,
    rows: [],
    owners: [],
    note: `cannot read ${tables.error}; used a TCP connect instead${probe.code ? ` (${probe.code})` : ''}`,
  };
}

/** One evidence line: the matched socket(s) and owner(s), like a line of `ss -tlnp`. */
export function describeListen(result: ListenCheckResult): string {
  if (result.method === 'connect') {
    const what = result.listening === true ? 'connected' : result.listening === false ? 'refused' : 'undecided';
    return `TCP connect to ${result.source}: ${what} (${result.note ?? ''})`;
  }
  if (result.rows.length === 0) return `no LISTEN socket in ${result.source}`;
  const sockets = result.rows.map((r) => `${r.family === 6 ? `[${r.localAddress}]` : r.localAddress}:${r.localPort}`);
  const owners = result.owners.map((o) => `${o.comm ?? '?'} pid ${o.pid}`);
  const ownerText = owners.length > 0 ? ` by ${[...new Set(owners)].join(', ')}` : ' (owner not readable)';
  return `LISTEN ${[...new Set(sockets)].join(', ')}${ownerText} (${result.source})`;
}
