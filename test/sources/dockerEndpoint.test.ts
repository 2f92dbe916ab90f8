/**
 * The one reader of DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH (sources/dockerEndpoint.ts):
 * the env is injected, TLS material is loaded into dockerode's options, and nothing here connects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerHostSpec, parseDockerEndpoint, resolveDockerEndpoint } from '../../src/sources/dockerEndpoint.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function certDir(): string {
  const dir = tempDir('rd-h17c-certs-');
  for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, name), `-----BEGIN ${name}-----\n`);
  return dir;
}

describe('the Docker endpoint', () => {
  it('--docker, else DOCKER_HOST, else the local socket', () => {
    expect(dockerHostSpec(undefined, {})).toBe('unix:///var/run/docker.sock');
    expect(dockerHostSpec(undefined, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe('unix:///run/user/1000/docker.sock');
    expect(dockerHostSpec('unix:///x.sock', { DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toBe('unix:///x.sock');
    expect(resolveDockerEndpoint(undefined, { DOCKER_HOST: 'unix:///run/d.sock' })).toMatchObject({ label: '/run/d.sock', options: { socketPath: '/run/d.sock' } });
    expect(resolveDockerEndpoint(undefined, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }).options).toMatchObject({ host: '127.0.0.1', port: 2375, protocol: 'http' });
    // A bad DOCKER_HOST is named as such.
    expect(() => resolveDockerEndpoint(undefined, { DOCKER_HOST: 'unix://relative' })).toThrow(/^DOCKER_HOST: expected unix:\/\/\/absolute\/path/);
  });

  it('tcp:// with DOCKER_TLS_VERIFY: ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH, https, 2376 by default', () => {
    const dir = certDir();
    const e = resolveDockerEndpoint(undefined, { DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(e.label).toBe('tcp://127.0.0.1 (TLS)');
    expect(e.options).toMatchObject({ host: '127.0.0.1', port: 2376, protocol: 'https' });
    expect(String(e.options.ca)).toBe('-----BEGIN ca.pem-----\n');
    expect(String(e.options.cert)).toBe('-----BEGIN cert.pem-----\n');
    expect(String(e.options.key)).toBe('-----BEGIN key.pem-----\n');
    // dockerode takes them as they are (constructing the client connects nowhere).
    const modem = (new Dockerode(e.options) as unknown as { modem: Record<string, unknown> }).modem;
    expect(modem).toMatchObject({ host: '127.0.0.1', port: 2376, protocol: 'https' });
    expect(String(modem.cert)).toBe('-----BEGIN cert.pem-----\n');
    // Without TLS variables, a tcp endpoint stays plain HTTP; a unix socket never takes certificates.
    expect(resolveDockerEndpoint('tcp://127.0.0.1:2375', {}).options.protocol).toBe('http');
    expect(resolveDockerEndpoint(undefined, { DOCKER_HOST: 'unix:///run/d.sock', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }).options.cert).toBeUndefined();
  });

  it('a missing certificate is one line naming the file', () => {
    const dir = tempDir('rd-h17c-nocerts-');
    expect(() => resolveDockerEndpoint(undefined, { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir })).toThrow(
      `DOCKER_CERT_PATH: cannot read ${path.join(dir, 'ca.pem')} (ENOENT)`,
    );
  });

  it('the endpoint chosen is the one used: dockerode does not fill in DOCKER_HOST from the process env', () => {
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:2375';
    try {
      const modem = (new Dockerode(parseDockerEndpoint('unix:///var/run/docker.sock').options) as unknown as { modem: Record<string, unknown> }).modem;
      expect(modem.socketPath).toBe('/var/run/docker.sock');
      expect(modem.host).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });
});
