/**
 * Docker-side data, decoded from the Engine's `/events` stream (or `docker events --format
 * '{{json .}}'`) and from `docker inspect` / `GET /containers/{id}/json`. Decoders live in
 * `parse/dockerEvent.ts` and `parse/containerInspect.ts`; everything downstream uses these shapes.
 */

export const LIFECYCLE_ACTIONS = [
  'create',
  'start',
  'restart',
  'kill',
  'die',
  'stop',
  'oom',
  'destroy',
  'pause',
  'unpause',
  'health_status',
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export type HealthState = 'healthy' | 'unhealthy' | 'starting';

export interface ContainerEvent {
  /** Epoch milliseconds (from timeNano when present, fractional ms kept). */
  time: number;
  action: LifecycleAction;
  /** For `health_status` only. */
  health: HealthState | null;
  containerId: string;
  /** Container name without the leading slash. */
  name: string;
  image: string | null;
  /** `die` only. */
  exitCode: number | null;
  /** `kill` only: the signal number as Docker reports it (`15`, `9`, or a name). */
  signal: string | null;
  /** compose labels, when the container was started by compose. */
  service: string | null;
  project: string | null;
  /** Every attribute as sent (labels included), for evidence and later rules. */
  attributes: Record<string, string>;
}

export interface HealthcheckConfig {
  /** Docker's form: `["CMD-SHELL", "wget -qO- http://127.0.0.1:3000/health"]` or `["NONE"]`. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface PortBinding {
  containerPort: number;
  protocol: string;
  /** Null when the port is only exposed, not published. */
  hostIp: string | null;
  hostPort: number | null;
}

export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  service: string | null;
  project: string | null;
  labels: Record<string, string>;
  status: string; // running | restarting | exited | created | paused | dead | removing
  running: boolean;
  restarting: boolean;
  oomKilled: boolean;
  exitCode: number | null;
  pid: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  restartCount: number;
  restartPolicy: string | null;
  health: { status: string; failingStreak: number; log: HealthLogEntry[] } | null;
  /** Null when the image and the container define none (Docker reports `none` for health). */
  healthcheck: HealthcheckConfig | null;
  ports: PortBinding[];
  networkMode: string | null;
  /** Container IPs on each network it is attached to. */
  ips: string[];
  /** Network aliases and the compose service, by which nginx may address it. */
  aliases: string[];
  /** Command line, for port hints on host-network containers. */
  cmd: string[];
  /** Stop timeout in seconds, when set (`docker run --stop-timeout`, compose `stop_grace_period`). */
  stopTimeout: number | null;
  /** Bind mounts and volumes (host source → container destination): a unix-socket upstream's owner. */
  mounts?: ContainerMount[];
}

interface ContainerMount {
  type: string;
  /** Host path (bind) or the volume's path on the host. */
  source: string;
  destination: string;
}
