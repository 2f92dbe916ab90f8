/**
 * Which config file the nginx running on this host uses (issue 13 item 4), for live mode when no
 * `--nginx-conf` names one. nginx sets its master's process title to `nginx: master process
 * <its command line>`, so /proc/<pid>/cmdline gives `-c PATH` when it was started with one
 * (relative to `-p`, else to the compiled-in prefix); else the binary's compiled-in `--conf-path=`
 * (`nginx -V`, run with an argument array: no shell); else /etc/nginx/nginx.conf. A master in a
 * container (another mount namespace, a container's cgroup) reads its container's files, not this
 * host's: it is left out (the Docker API reads those, sources/containerConfig.ts). Only /proc and
 * the binary choose the path: nothing read from a log does.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

const TITLE = 'nginx: master process ';
const DEFAULT_CONF = '/etc/nginx/nginx.conf';
const V_TIMEOUT_MS = 3000;

export interface HostNginx {
  pid: number;
  /** The absolute path of the config it was started with. */
  confPath: string;
  /** How the path was found: `-c`, `nginx -V`, or the usual default. */
  how: string;
}

export interface Discovery {
  masters: HostNginx[];
  /** Masters left out, each with why (`pid 812 runs in a container`). */
  skipped: string[];
}

/** `-c`, `-p` and the binary from a master's title (`nginx: master process /usr/sbin/nginx -c /x.conf -g daemon off;`). */
export function parseMasterTitle(cmdline: string): { bin: string | null; conf: string | null; prefix: string | null } | null {
  // The title overwrites argv: one string, NUL-padded (or the original NUL-separated argv on odd kernels).
  const text = cmdline.replace(/\0+$/, '').replace(/\0/g, ' ');
  if (!text.startsWith(TITLE)) return null;
  const args = text.slice(TITLE.length).trim().split(/\s+/);
  let conf: string | null = null;
  let prefix: string | null = null;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    // `-g 'daemon off;'` takes the rest as directives: nothing after it is an option of ours.
    if (a === '-g') break;
    if (a === '-c' || a === '-p') {
      const v = args[i + 1] ?? null;
      if (a === '-c') conf = v;
      else prefix = v;
      i++;
    } else if (a.startsWith('-c') && a.length > 2) conf = a.slice(2);
    else if (a.startsWith('-p') && a.length > 2) prefix = a.slice(2);
  }
  return { bin: args[0] || null, conf, prefix };
}

/** `--conf-path=` and `--prefix=` from `nginx -V` (it prints on stderr). */
export function parseConfigureArgs(text: string): { confPath: string | null; prefix: string | null } {
  return { confPath: /--conf-path=(\S+)/.exec(text)?.[1] ?? null, prefix: /--prefix=(\S+)/.exec(text)?.[1] ?? null };
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function link(file: string): string | null {
  try {
    return readlinkSync(file);
  } catch {
    return null;
  }
}

/** Why the master's files are not this host's, or null. */
function inContainer(proc: string, pid: number): string | null {
  const own = link(path.join(proc, 'self/ns/mnt'));
  const theirs = link(path.join(proc, String(pid), 'ns/mnt'));
  if (own && theirs) return own === theirs ? null : 'runs in another mount namespace (a container)';
  // The namespace is not ours to read: a container runtime's cgroup still says where it runs.
  const cg = read(path.join(proc, String(pid), 'cgroup')) ?? '';
  const ownCg = read(path.join(proc, 'self/cgroup')) ?? '';
  return cg !== ownCg && /\/(docker|containerd|kubepods|libpod|lxc)[/-]/.test(cg) ? 'runs in a container' : null;
}

/**
 * Why `bin` is not run for its `-V`, or null. Any local user can title a process "nginx: master
 * process …" and point /proc/<pid>/exe at a program of their own; restartdoctor often runs as
 * root. So only a program named nginx/openresty, owned by root (or by whoever runs this) and
 * writable by no one else, is run.
 */
export function untrustedBinary(bin: string, uid: number = process.getuid?.() ?? 0): string | null {
  if (!/^(nginx|openresty)(\.debug)?$/.test(path.basename(bin))) return `${bin} is not named nginx`;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(bin);
  } catch {
    return `${bin} cannot be read`;
  }
  if (!st.isFile()) return `${bin} is not a file`;
  if (st.uid !== 0 && st.uid !== uid) return `${bin} belongs to uid ${st.uid}, not root`;
  if ((st.mode & 0o022) !== 0) return `${bin} is writable by others`;
  return null;
}

function nginxV(bin: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(bin, ['-V'], { timeout: V_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } }, (err, stdout, stderr) => resolve(err ? null : `${stdout}${stderr}`));
  });
}

/** The config path of one master, from its title and binary; a string says why it is unknown. */
async function confOf(proc: string, pid: number, title: NonNullable<ReturnType<typeof parseMasterTitle>>): Promise<HostNginx | string> {
  // The binary that runs (not one on PATH), when it can be seen; else the title's, when absolute.
  const exe = link(path.join(proc, String(pid), 'exe'))?.replace(/ \(deleted\)$/, '') ?? null;
  const bin = exe ?? (title.bin && path.isAbsolute(title.bin) ? title.bin : null);
  const distrust = bin ? untrustedBinary(bin) : null;
  const built = title.conf && path.isAbsolute(title.conf) ? null : bin && !distrust ? parseConfigureArgs((await nginxV(bin)) ?? '') : null;
  if (title.conf) {
    if (path.isAbsolute(title.conf)) return { pid, confPath: title.conf, how: 'started with -c' };
    // nginx reads a relative -c against its prefix (-p, else the compiled-in one), not its cwd.
    const prefix = title.prefix ?? built?.prefix ?? null;
    if (prefix) return { pid, confPath: path.resolve(prefix, title.conf), how: `started with -c ${title.conf}, prefix ${prefix}` };
    return `pid ${pid} was started with a relative -c ${title.conf} and its prefix is unknown`;
  }
  if (built?.confPath) {
    const prefix = title.prefix ?? built.prefix ?? '/';
    return { pid, confPath: path.resolve(prefix, built.confPath), how: `no -c; --conf-path of ${bin} -V` };
  }
  return { pid, confPath: DEFAULT_CONF, how: `no -c, no nginx -V${distrust ? ` (not run: ${distrust})` : ''}: the usual default` };
}

/** Every nginx master on this host (not in a container), with the config it was started with. */
export async function discoverHostNginx(proc = '/proc'): Promise<Discovery> {
  const masters: HostNginx[] = [];
  const skipped: string[] = [];
  let pids: number[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return { masters, skipped: [`${proc} is not readable`] };
  }
  for (const pid of pids.sort((a, b) => a - b)) {
    const cmdline = read(path.join(proc, String(pid), 'cmdline'));
    const title = cmdline ? parseMasterTitle(cmdline) : null;
    if (!title) continue;
    const why = inContainer(proc, pid);
    if (why) {
      skipped.push(`pid ${pid} ${why}`);
      continue;
    }
    const found = await confOf(proc, pid, title);
    if (typeof found === 'string') skipped.push(found);
    else masters.push(found);
  }
  return { masters, skipped };
}
