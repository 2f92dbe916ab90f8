/**
 * The overall verdict of a checklist run: one fixed sentence chosen from the facts the checks
 * gathered. Fixed strings (not free text) so the fix proposal, reports and tests can switch on them.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import { classifyExit, parseDockerTime, type DockerFailureKind } from './dockerState.js';
import { CONNECT_TIMEOUT, RESPONSE_TIMEOUT, type HttpProbeResult } from './httpProbe.js';
import type { TimeToReadyResult } from './timeToReady.js';

export const CONCLUSIONS = {
  restartRace: 'app not yet listening: restart race',
  listeningUnhealthy: 'listening but unhealthy',
  crash: 'container exited: crash',
  oom: 'container exited: out of memory (OOM-killed)',
  stopTimeoutKill: 'container stopped: SIGKILL at the stop timeout (app ignored SIGTERM), not OOM',
  stopped: 'container stopped deliberately',
  paused: 'container paused',
  crashLoop: 'container restarting: crash loop',
  healthyTransient: 'healthy now: transient',
  notListening: 'container running but nothing listening on the port: wrong port or app stuck',
  noSuchContainer: 'container not found: removed, or recreated under another name',
  dockerUnknown: 'nothing listening and Docker state unknown',
  unreachable: 'upstream unreachable: no route to it or packets dropped',
  backendDown: 'nothing listening and no container: backend down',
} as const;
export type Conclusion = (typeof CONCLUSIONS)[keyof typeof CONCLUSIONS];

/** A container started this recently that does not listen yet is booting, not broken. */
const RECENT_START_MS = 120_000;

export interface ConclusionFacts {
  info: ContainerInfo | null;
  /** Set when a container was named but could not be inspected. */
  dockerFailure: DockerFailureKind | null;
  http: HttpProbeResult;
  hostListening: boolean | null;
  containerListening: boolean | null;
  ready: TimeToReadyResult | null;
  nowMs: number;
  /** The daemon's `oom` event for the run `info` describes (dockerState.oomEventOfRun): an OOM kill even when OOMKilled says false. */
  oomEvent?: ContainerEvent | null;
}

function recentlyStarted(info: ContainerInfo, nowMs: number): boolean {
  const started = parseDockerTime(info.startedAt);
  const hc = info.healthcheck;
  // The container's own grace period counts too: start_period + retries × interval may exceed two minutes.
  const grace = Math.max(RECENT_START_MS, hc ? hc.startPeriodMs + hc.retries * hc.intervalMs : 0);
  return started !== null && nowMs - started <= grace;
}

export function concludeChecklist(f: ConclusionFacts): Conclusion {
  const info = f.info;
  if (info) {
    if (info.restarting || info.status === 'restarting') return CONCLUSIONS.crashLoop;
    if (info.status === 'paused') return CONCLUSIONS.paused;
    if (!info.running) {
      switch (classifyExit(info, f.oomEvent ?? null).cause) {
        case 'oom':
          return CONCLUSIONS.oom;
        case 'sigkill':
          return CONCLUSIONS.stopTimeoutKill;
        case 'error':
          return CONCLUSIONS.crash;
        default:
          return CONCLUSIONS.stopped;
      }
    }
  }
  // We watched it go from not listening to healthy: the errors were the restart window.
  if (f.ready && f.ready.sawNotListening && f.ready.healthyAt !== null) return CONCLUSIONS.restartRace;
  if (f.http.ok) return CONCLUSIONS.healthyTransient;

  // Inside the container is the truth when we could look: a published port stays bound on the host
  // by docker-proxy (which accepts, then resets) while the app itself is not listening yet.
  // Otherwise anything that accepted a TCP connection is listening, whatever /proc said about the address.
  const answered = f.http.status !== null || f.http.code === RESPONSE_TIMEOUT || f.http.code === 'ECONNRESET';
  const appListening = f.containerListening ?? (f.hostListening === true || answered);
  if (appListening) return CONCLUSIONS.listeningUnhealthy;

  if (info) {
    const starting = info.health?.status === 'starting' || recentlyStarted(info, f.nowMs);
    return starting ? CONCLUSIONS.restartRace : CONCLUSIONS.notListening;
  }
  if (f.dockerFailure === 'no-such-container') return CONCLUSIONS.noSuchContainer;
  if (f.dockerFailure) return CONCLUSIONS.dockerUnknown;
  if (f.http.code === 'EHOSTUNREACH' || f.http.code === 'ENETUNREACH' || f.http.code === CONNECT_TIMEOUT) {
    return CONCLUSIONS.unreachable;
  }
  return CONCLUSIONS.backendDown;
}
