/**
 * What live mode and `--probe` may connect to: the peers of the user's nginx config (the one
 * given with --nginx-conf, else /etc/nginx/nginx.conf when readable) and the containers the
 * engine knows — never the upstream a log line names. Read at each decision, so a config edited
 * while live mode runs counts at the next probe.
 */
import type { ContainerInfo } from '../model/container.js';
import { probeRefusal } from '../checklist/probeSafety.js';
import { loadNginxConfig } from '../fix/nginx/load.js';
import { configuredPeers } from '../fix/nginx/peers.js';

const DEFAULT_NGINX_CONF = '/etc/nginx/nginx.conf';

export interface ConfigPeers {
  /** The config the peers come from; null when none could be read. */
  config: string | null;
  peers: Set<string>;
}

/** The peers of `nginxConf` (or of the default config); an unreadable config gives none. */
export function readConfigPeers(nginxConf: string | null, readText?: (p: string) => string): ConfigPeers {
  const file = nginxConf ?? DEFAULT_NGINX_CONF;
  try {
    return { config: file, peers: new Set(configuredPeers(loadNginxConfig(file, readText))) };
  } catch {
    // No config, no config-named peers: only container addresses remain probe-able.
    return { config: null, peers: new Set() };
  }
}

/** null when `host:port` may be probed, else the one line to show instead of a checklist. */
export function probeTargetRefusal(host: string, port: number, containers: ContainerInfo[], nginxConf: string | null): string | null {
  const { config, peers } = readConfigPeers(nginxConf);
  return probeRefusal(host, port, { upstreams: peers, containers }, config);
}
