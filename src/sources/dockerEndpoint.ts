/**
 * `--docker` values: `unix:///var/run/docker.sock`, a bare socket path, or `tcp://host:2375`
 * (plain HTTP). One parser for every command that talks to the Engine.
 */
import type Dockerode from 'dockerode';
import { UsageError } from '../cli/errors.js';

/** The Engine's socket when none is named. */
export const DEFAULT_DOCKER_ENDPOINT = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  options: Dockerode.DockerOptions;
  /** How to name it in messages. */
  label: string;
}

export function parseDockerEndpoint(text: string): DockerEndpoint {
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new UsageError(`--docker: expected unix:///absolute/path, got "${text}"`);
    return { options: { socketPath }, label: socketPath };
  }
  if (text.startsWith('/')) return { options: { socketPath: text }, label: text };
  // Docker's own default TCP port when none is written (`tcp://host`).
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (m) return { options: { host: m[1], port: Number(m[2] ?? 2375), protocol: 'http' }, label: text };
  throw new UsageError(`--docker: expected unix:///path/to/docker.sock or tcp://HOST:PORT, got "${text}"`);
}

export function dockerOptionsFromUrl(text: string): Dockerode.DockerOptions {
  return parseDockerEndpoint(text).options;
}

export type DockerFailureKind = 'socket-not-found' | 'permission-denied' | 'not-running' | 'no-such-container' | 'connection-lost' | 'error';

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]?.trim() || 'unknown error';
}

/**
 * Why the Docker Engine could not be used, as a kind and one sentence a person can act on:
 * permission denied vs. not running vs. not installed need different fixes.
 * `installed` tells "no socket" apart: a daemon that is down, or no Docker on this host.
 */
export function classifyDockerError(err: unknown, endpoint: string, installed = true): { kind: DockerFailureKind; reason: string } {
  const e = (err ?? {}) as { code?: string; statusCode?: number; message?: string };
  if (e.statusCode === 404) return { kind: 'no-such-container', reason: 'no such container' };
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return { kind: 'permission-denied', reason: `permission denied on ${endpoint}: run with sudo or add your user to the docker group` };
    case 'ECONNREFUSED':
      return { kind: 'not-running', reason: `${endpoint} exists but no daemon answers: Docker is not running` };
    case 'ENOENT':
      return installed
        ? { kind: 'socket-not-found', reason: `no socket at ${endpoint}: the Docker daemon is not running, or it listens on another socket (--docker)` }
        : { kind: 'socket-not-found', reason: `Docker not found (no socket at ${endpoint} and no Docker installation)` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'connection-lost', reason: `connection to the Docker daemon lost (${e.code})` };
    default:
      break;
  }
  if (typeof e.statusCode === 'number') return { kind: 'error', reason: `Docker API error ${e.statusCode}: ${firstLine(e.message)}` };
  return { kind: 'error', reason: `Docker: ${firstLine(e.message ?? String(err))}` };
}

/** The socket path of a local endpoint; live mode follows a local daemon only. */
export function dockerSocketPath(spec: string): string {
  const { options } = parseDockerEndpoint(spec.trim());
  if (!options.socketPath) throw new UsageError(`--docker ${spec}: only local unix sockets are supported here (unix:///path or a plain path)`);
  return options.socketPath;
}
