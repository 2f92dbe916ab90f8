/**
 * The drill's Docker side, through the Engine API (dockerode): connect, find the container, do
 * the action, and read back the container's events of the drill window. No docker CLI.
 */
import Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import { UsageError, UserError } from '../util/errors.js';
import type { DockerEndpoint } from '../sources/dockerEndpoint.js';
import { EXIT } from '../util/exitCodes.js';
import type { ContainerEvent } from '../model/container.js';
import { decodeDockerEvent } from '../parse/dockerEvent.js';
import type { DrillAction } from './flags.js';

export interface DrillTarget {
  id: string;
  name: string;
  restartPolicy: string | null;
}

export interface ActionOutcome {
  /** Epoch ms when the API call was made / returned (for kill: when the new process ran). */
  startedAt: number;
  endedAt: number;
}

function setupError(message: string, hint: string | null = null): UserError {
  return new UserError(message, hint, EXIT.usage);
}

/** The endpoint (sources/dockerEndpoint.ts) → a dockerode client with a bounded request time; local = a unix socket. */
export function connectDocker(endpoint: DockerEndpoint, timeoutMs: number): { docker: Docker; local: boolean } {
  const { options } = endpoint;
  return { docker: new Docker({ ...options, timeout: timeoutMs }), local: options.socketPath !== undefined };
}

function errCode(err: unknown): string {
  const e = err as { code?: string; statusCode?: number; message?: string };
  return e.code ?? (e.statusCode ? `HTTP ${e.statusCode}` : (e.message ?? 'error').split('\n')[0] ?? 'error');
}

export async function pingDaemon(docker: Docker, endpoint: string, timeoutMs: number): Promise<void> {
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs).unref());
  try {
    await Promise.race([docker.ping(), timer]);
  } catch (err) {
    const code = errCode(err);
    const hint =
      code === 'ENOENT' || code === 'ECONNREFUSED'
        ? 'is the Docker daemon running? (check --docker / DOCKER_HOST)'
        : code === 'EACCES'
          ? 'add your user to the docker group or run as root'
          : null;
    throw setupError(`cannot reach the Docker daemon at ${endpoint} (${code})`, hint);
  }
}

/** By exact name, else the one container of a compose service with that name. */
export async function findContainer(docker: Docker, name: string): Promise<DrillTarget> {
  try {
    const info = await docker.getContainer(name).inspect();
    return { id: info.Id, name: info.Name.replace(/^\//, ''), restartPolicy: info.HostConfig?.RestartPolicy?.Name || null };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw setupError(`docker inspect ${name} failed (${errCode(err)})`);
  }
  const list = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.service=${name}`] } });
  if (list.length === 1 && list[0]) return findContainer(docker, list[0].Id);
  if (list.length > 1) {
    const names = list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')).join(', ');
    throw new UsageError(`--container: compose service "${name}" has ${list.length} containers (${names}); name one`);
  }
  throw new UsageError(`--container: no container or compose service named "${name}"`, 'list them with `docker ps -a`');
}

async function inspectState(docker: Docker, id: string): Promise<{ running: boolean; pid: number; restarting: boolean }> {
  const info = await docker.getContainer(id).inspect();
  return { running: info.State.Running, pid: info.State.Pid, restarting: info.State.Restarting };
}

export async function assertRunning(docker: Docker, target: DrillTarget): Promise<void> {
  const s = await inspectState(docker, target.id);
  if (!s.running || s.restarting) {
    throw new UsageError(`--container: ${target.name} is not running; the drill restarts a running container`, `start it first: docker start ${target.name}`);
  }
}

/**
 * A process may only be SIGKILLed if it provably belongs to the container: the PID Docker reports
 * is a host PID, and a restartdoctor running in another PID namespace would hit a stranger.
 */
async function assertPidOfContainer(pid: number, id: string): Promise<void> {
  let cgroup = '';
  try {
    cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    cgroup = '';
  }
  if (!cgroup.includes(id)) {
    throw setupError(
      `--action kill: process ${pid} is not visibly container ${id.slice(0, 12)}'s from here`,
      'run the drill on the Docker host itself, or use --action restart',
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Ctrl-C (or a SIGTERM) between the stop and the start must not leave the user's container down.
 * On a signal the stop is let finish (a start sent while the daemon is still stopping is a no-op,
 * and the stop would then leave it down), the container is started again, and the drill ends as
 * interrupted: an error the CLI's one handler turns into 130 or 143, never an exit from here.
 * (A restart is one call the daemon finishes on its own.)
 */
async function stopThenStart(c: Docker.Container, t: { t?: number }, name: string): Promise<void> {
  let signalled: NodeJS.Signals | null = null;
  let interrupt = (): void => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled ??= signal;
    interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const stopped = c.stop(t).then(
      () => undefined,
      (err: unknown) => err,
    );
    const first = await Promise.race([stopped.then((err) => ({ err })), interrupted.then(() => null)]);
    if (first !== null && signalled === null) {
      if (first.err !== undefined) throw first.err;
      await c.start();
    }
    if (signalled !== null) {
      await stopped;
      await c.start().catch(() => undefined);
      const code = signalled === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
      throw new UserError(`drill: interrupted (${signalled}); ${name} was started again`, null, code);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function performAction(
  docker: Docker,
  target: DrillTarget,
  action: DrillAction,
  opts: { stopTimeoutS: number | null; local: boolean; deadline: number; now: () => number },
): Promise<ActionOutcome> {
  const c = docker.getContainer(target.id);
  const t = opts.stopTimeoutS === null ? {} : { t: opts.stopTimeoutS };
  const startedAt = opts.now();
  try {
    if (action === 'restart') {
      await c.restart(t);
    } else if (action === 'stop-start') {
      await stopThenStart(c, t, target.name);
    } else {
      // `docker kill` through the API marks the container as stopped by hand and no restart
      // policy brings it back (measured on Engine 20.10). A crash is the app's process dying
      // on its own, so the drill SIGKILLs that process, and the policy restarts it.
      const before = await inspectState(docker, target.id);
      await assertPidOfContainer(before.pid, target.id);
      try {
        process.kill(before.pid, 'SIGKILL');
      } catch (err) {
        throw setupError(`--action kill: cannot signal process ${before.pid} (${errCode(err)})`, 'run as root on the Docker host, or use --action restart');
      }
      // Bounded wait for the policy's restart: a new PID, running.
      for (;;) {
        const s = await inspectState(docker, target.id);
        if (s.running && s.pid !== before.pid && s.pid !== 0) break;
        if (opts.now() > opts.deadline) {
          throw setupError(`--action kill: ${target.name} did not come back within --timeout`, 'check its restart policy and logs');
        }
        await sleep(100);
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw setupError(`docker ${action} ${target.name} failed (${errCode(err)})`);
  }
  return { startedAt, endedAt: opts.now() };
}

/** The container's lifecycle events in [since, until], decoded; exec_* noise left out. */
export async function fetchContainerEvents(docker: Docker, id: string, sinceMs: number, untilMs: number): Promise<ContainerEvent[]> {
  const stream = await docker.getEvents({
    since: Math.floor(sinceMs) / 1000,
    until: Math.ceil(untilMs) / 1000,
    filters: { container: [id], type: ['container'] },
  });
  const text = await new Promise<string>((resolve, reject) => {
    let buf = '';
    // With `until` in the past the daemon replays and closes; the timer only guards a stuck daemon.
    const guard = setTimeout(() => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      resolve(buf);
    }, 10_000);
    stream.on('data', (d: Buffer | string) => (buf += d.toString()));
    stream.on('end', () => {
      clearTimeout(guard);
      resolve(buf);
    });
    stream.on('error', (e: Error) => {
      clearTimeout(guard);
      reject(e);
    });
  });
  const events: ContainerEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const d = decodeDockerEvent(raw);
    if (d.ok && d.event.containerId === id) events.push(d.event);
  }
  return events.sort((a, b) => a.time - b.time);
}
