/**
 * A second, private dockerd on its own socket and data root, so a test can kill and restart a
 * daemon without touching the shared one every other suite uses.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { docker, pingDocker } from '../support/docker.js';

const run = promisify(execFile);

export class SecondDockerd {
  readonly socket: string;
  private child: ChildProcess | null = null;
  private readonly dirs: string[];

  constructor(readonly n: number = process.pid) {
    this.socket = `/tmp/rd-dockerd-${n}.sock`;
    this.dirs = [`/tmp/rd-docker-${n}`, `/tmp/rd-exec-${n}`];
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<void> {
    const n = this.n;
    const log = fs.openSync(`/tmp/rd-dockerd-${n}.log`, 'a');
    this.child = spawn(
      'dockerd',
      [
        '--iptables=false', '--ip-masq=false', '--bridge=none',
        '-H', this.host,
        '--data-root', `/tmp/rd-docker-${n}`,
        '--exec-root', `/tmp/rd-exec-${n}`,
        '--pidfile', `/tmp/rd-dockerd-${n}.pid`,
        '--containerd-namespace', `rd-test-${n}`,
        '--containerd-plugins-namespace', `rd-test-${n}-plugins`,
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    fs.closeSync(log);
    for (let i = 0; i < 120; i++) {
      if (await pingDocker(this.socket, 500)) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`second dockerd did not start; see /tmp/rd-dockerd-${n}.log`);
  }

  /** Stops the daemon (SIGTERM, as a service manager would) and waits for it to be gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  cli(...args: string[]): Promise<string> {
    return docker('-H', this.host, ...args);
  }

  async destroy(): Promise<void> {
    await this.stop();
    // dockerd leaves bind mounts behind (netns/default); unmount deepest first, then remove.
    const mounts = fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => this.dirs.some((d) => m.startsWith(`${d}/`)))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    for (const f of [this.socket, `/tmp/rd-dockerd-${this.n}.pid`, `/tmp/rd-dockerd-${this.n}.log`]) fs.rmSync(f, { force: true });
  }
}
