/**
 * The config files one pass of fixes reads, each read and parsed once for the pass. A postmortem
 * proposes a fix for each of up to 1,000 incidents, all from the same nginx.conf and
 * docker-compose.yml: read again for each, the outage bench log's 1,000 incidents with the
 * restart-race fixture's two files took 1.9 s after the log, 1.1 s of it parsing the same YAML and
 * nginx config again; read once, 0.54 s (0.34 s without the files; `node --cpu-prof`). Live mode
 * proposes one fix at a time from the files as they are then, and passes none: every read is fresh.
 */
import path from 'node:path';
import { loadNginxConfig, type NginxConfig } from './nginx/load.js';
import type { FixInput } from './types.js';

type Read = { value: unknown } | { error: unknown };

export class ConfigReads {
  private readonly reads = new Map<string, Read>();

  /** `read()`'s answer for `key`, the first time asked; a read that failed fails the same way each time. */
  once<T>(key: string, read: () => T): T {
    let got = this.reads.get(key);
    if (got === undefined) {
      try {
        got = { value: read() };
      } catch (error) {
        got = { error };
      }
      this.reads.set(key, got);
    }
    if ('error' in got) throw got.error;
    return got.value as T;
  }
}

/** `read()` once for `reads`' pass, or afresh without one. */
export function readOnce<T>(reads: ConfigReads | undefined, key: string, read: () => T): T {
  return reads ? reads.once(key, read) : read();
}

/**
 * The nginx config a fix reads: `input.nginxConf` and its includes, under `input.nginxRoot` when it
 * is a container's copy (absolute includes resolve there, never on this host). Planners treat it
 * as read-only: one object serves every incident of a pass.
 */
export function nginxConfigFor(input: Pick<FixInput, 'nginxConf' | 'nginxRoot'>, reads?: ConfigReads): NginxConfig {
  const file = path.resolve(input.nginxConf!);
  const root = input.nginxRoot ?? null;
  return readOnce(reads, `nginx\0${root ?? ''}\0${file}`, () => loadNginxConfig(file, undefined, root));
}
