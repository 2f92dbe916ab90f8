/**
 * Where the Docker Engine is: `--docker`, else `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` and
 * `DOCKER_CERT_PATH` for tcp://), else the local socket. This file is the one place that reads
 * those variables, from an env it is given. Values: `unix:///var/run/docker.sock`, a bare socket
 * path, `tcp://host:2375` (plain HTTP) or `tcp://host:2376` with TLS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { UsageError } from '../util/errors.js';

/** The Engine's socket when none is named. */
const DEFAULT_DOCKER_ENDPOINT = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  options: Dockerode.DockerOptions;
  /** How to name it in messages. */
  label: string;
}

/** The variables read here, and only here. */
export interface DockerEnv {
  DOCKER_HOST?: string | undefined;
  DOCKER_TLS_VERIFY?: string | undefined;
  DOCKER_CERT_PATH?: string | undefined;
  HOME?: string | undefined;
}

/**
 * dockerode's modem fills in whatever an option leaves out from process.env (DOCKER_HOST, the
 * certificates): every field is set here, so the endpoint chosen is the one used.
 */
const NOTHING_FROM_ENV = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };

/** The endpoint's text: --docker, else $DOCKER_HOST, else the local socket. */
export function dockerHostSpec(flag: string | null | undefined, env: DockerEnv): string {
  return flag?.trim() || env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_ENDPOINT;
}

/** `from` names where the text came from in messages (--docker or DOCKER_HOST). */
export function parseDockerEndpoint(text: string, from = '--docker'): DockerEndpoint {
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new UsageError(`${from}: expected unix:///absolute/path, got "${text}"`);
    return { options: { ...NOTHING_FROM_ENV, socketPath, protocol: 'http' }, label: socketPath };
  }
  if (text.startsWith('/')) return { options: { ...NOTHING_FROM_ENV, socketPath: text, protocol: 'http' }, label: text };
  // Docker's own default TCP port when none is written (`tcp://host`).
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (m) return { options: { ...NOTHING_FROM_ENV, host: m[1], port: Number(m[2] ?? 2375), protocol: 'http' }, label: text };
  throw new UsageError(`${from}: expected unix:///path/to/docker.sock or tcp://HOST:PORT, got "${text}"`);
}

/**
 * The endpoint every command talks to, as the docker CLI picks it: `--docker`, else DOCKER_HOST;
 * for tcp://, TLS when DOCKER_TLS_VERIFY is set or DOCKER_CERT_PATH names the certificates
 * (ca.pem, cert.pem, key.pem; default ~/.docker). The server is always checked against ca.pem
 * (the docker CLI skips that when only DOCKER_CERT_PATH is set; we do not talk to an unverified
 * daemon). `read` is injected for tests; a missing file is one line naming it.
 */
export function resolveDockerEndpoint(flag: string | null | undefined, env: DockerEnv, read: (file: string) => Buffer = readFileSync): DockerEndpoint {
  const from = flag?.trim() ? '--docker' : env.DOCKER_HOST?.trim() ? 'DOCKER_HOST' : '--docker';
  const endpoint = parseDockerEndpoint(dockerHostSpec(flag, env), from);
  const verify = (env.DOCKER_TLS_VERIFY ?? '') !== '';
  if (endpoint.options.host === undefined || (!verify && !env.DOCKER_CERT_PATH)) return endpoint;
  const dir = env.DOCKER_CERT_PATH || path.join(env.HOME ?? '', '.docker');
  const load = (name: string): Buffer => {
    const file = path.join(dir, name);
    try {
      return read(file);
    } catch (err) {
      throw new UsageError(`DOCKER_CERT_PATH: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'TLS to a tcp:// Docker endpoint needs ca.pem, cert.pem and key.pem there');
    }
  };
  // Written without a port, a TLS endpoint is Docker's 2376.
  const port = /:\d+\/?$/.test(endpoint.label) ? endpoint.options.port : 2376;
  const options: Dockerode.DockerOptions = { ...endpoint.options, port, protocol: 'https', ca: load('ca.pem'), cert: load('cert.pem'), key: load('key.pem') };
  return { options, label: `${endpoint.label} (TLS)` };
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

