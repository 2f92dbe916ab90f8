/**
 * `--docker` values: `unix:///var/run/docker.sock`, a bare socket path, or `tcp://host:2375`
 * (plain HTTP). One parser for every command that talks to the Engine.
 */
import type Dockerode from 'dockerode';
import { UsageError } from '../cli/errors.js';

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
  const m = /^(?:tcp|http):\/\/([^:/]+):(\d+)\/?$/.exec(text);
  if (m) return { options: { host: m[1], port: Number(m[2]), protocol: 'http' }, label: text };
  throw new UsageError(`--docker: expected unix:///path/to/docker.sock or tcp://HOST:PORT, got "${text}"`);
}

export function dockerOptionsFromUrl(text: string): Dockerode.DockerOptions {
  return parseDockerEndpoint(text).options;
}
