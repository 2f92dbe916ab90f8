/**
 * Live mode without `--nginx-conf`: the running nginx's own config gives the upstream map (groups,
 * replicas, stale addresses: issue 13 item 4) and the files the fix diffs. nginx in a container:
 * its /etc/nginx through the Docker API (sources/containerConfig.ts). nginx on this host: the
 * master's config (sources/nginxConfigDiscovery.ts), includes followed. One line on stderr says
 * which config was used, or why none could be read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { upstreamMap } from '../fix/nginx/groups.js';
import { loadNginxConfig, type NginxConfig } from '../fix/nginx/load.js';
import { walk } from '../fix/nginx/query.js';
import { displayPath } from '../fix/paths.js';
import type { UpstreamMap } from '../model/upstreamMap.js';
import { fetchNginxConfig } from '../sources/containerConfig.js';
import { discoverHostNginx, type HostNginx } from '../sources/nginxConfigDiscovery.js';
import { oneLine } from '../util/errors.js';
import { sanitizeForTerminal as safe } from '../util/sanitize.js';

export interface RunningConfigInput {
  docker: Dockerode | null;
  /** nginx's container, when its log is read through the Docker API; null: nginx on this host. */
  container: string | null;
  /** The error logs followed: among several nginx masters, the one whose error_log is one of them. */
  logs: readonly string[];
  cwd: string;
  say: (line: string) => void;
  /** Where a fetched copy is removed at the end of the session. */
  cleanups: (() => void)[];
  /** /proc, for tests. */
  proc?: string;
}

export interface RunningConfig {
  map: UpstreamMap;
  /** What the fix planner reads: the config, and for a container's the folder standing for its `/`. */
  fix: { nginxConf: string; nginxRoot?: string; nginxConfContainer?: string };
}

/** The running nginx's config, or null (said why). */
export async function runningNginxConfig(input: RunningConfigInput): Promise<RunningConfig | null> {
  return input.container ? fromContainer(input, input.container) : fromHost(input);
}

async function fromContainer(input: RunningConfigInput, container: string): Promise<RunningConfig | null> {
  if (!input.docker) return null;
  const root = mkdtempSync(path.join(os.tmpdir(), 'restartdoctor-config-'));
  input.cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  try {
    const got = await fetchNginxConfig(input.docker, container, root);
    if (!got) {
      input.say(`no upstream map: container ${safe(container)} has no /etc/nginx/nginx.conf (pass --nginx-conf); fixes will be advice, not diffs`);
      return null;
    }
    // Reports name the container's own paths (`/etc/nginx/conf.d/app.conf:3`), not the local copy's.
    const config = loadNginxConfig(got.mainFile, undefined, got.root);
    const map = upstreamMap(config, (f) => `${container}:/${path.relative(got.root, f)}`);
    input.say(`upstream map from ${got.containerPath} in container ${safe(container)} (running nginx, through the Docker API): ${summary(map)}`);
    return { map, fix: { nginxConf: got.mainFile, nginxRoot: got.root, nginxConfContainer: container } };
  } catch (err) {
    input.say(`no upstream map: could not read /etc/nginx from container ${safe(container)} (${safe(oneLine(err))}); fixes will be advice, not diffs`);
    return null;
  }
}

/** The error_log files a config names (absolute, against its prefix as nginx resolves them). */
function errorLogs(config: NginxConfig): string[] {
  return [...walk(config.root)].filter((d) => d.name === 'error_log' && d.args[0] && !d.args[0].includes(':')).map((d) => path.resolve(config.prefix, d.args[0]!));
}

function load(m: HostNginx): NginxConfig | string {
  try {
    return loadNginxConfig(m.confPath);
  } catch (err) {
    return oneLine(err);
  }
}

async function fromHost(input: RunningConfigInput): Promise<RunningConfig | null> {
  const found = await discoverHostNginx(input.proc);
  const skipped = found.skipped.length ? ` (${found.skipped.map(safe).join('; ')})` : '';
  if (found.masters.length === 0) {
    input.say(`no upstream map: no nginx master process runs on this host${skipped}; pass --nginx-conf`);
    return null;
  }
  const loaded = found.masters.map((m) => ({ m, config: load(m) }));
  let chosen = loaded.length === 1 ? loaded[0]! : null;
  if (!chosen) {
    // Several masters: the one that writes the log being followed.
    const followed = new Set(input.logs.filter((l) => l !== '-').map((l) => path.resolve(input.cwd, l)));
    const writers = loaded.filter((x) => typeof x.config !== 'string' && errorLogs(x.config).some((f) => followed.has(f)));
    if (writers.length !== 1) {
      input.say(`no upstream map: ${loaded.length} nginx masters run here (pids ${found.masters.map((m) => m.pid).join(', ')}) and ${writers.length === 0 ? 'none' : 'more than one'} of their configs writes the log followed; pass --nginx-conf`);
      return null;
    }
    chosen = writers[0]!;
  }
  const { m, config } = chosen;
  if (typeof config === 'string') {
    input.say(`no upstream map: the running nginx (pid ${m.pid}) uses ${safe(m.confPath)} (${safe(m.how)}), which could not be read: ${safe(config)}`);
    return null;
  }
  const map = upstreamMap(config, (f) => displayPath(f, input.cwd));
  input.say(`upstream map from ${safe(m.confPath)} (running nginx, pid ${m.pid}; ${safe(m.how)}): ${summary(map)}`);
  return { map, fix: { nginxConf: m.confPath } };
}

function summary(map: UpstreamMap): string {
  const peers = map.groups.reduce((n, g) => n + g.peers.length, 0);
  return `${map.groups.length} upstream group${map.groups.length === 1 ? '' : 's'} (${peers} server${peers === 1 ? '' : 's'}), ${map.direct.length} direct proxy_pass address${map.direct.length === 1 ? '' : 'es'}`;
}
