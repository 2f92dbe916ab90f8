/**
 * Workloads and their lifecycle episodes (issue 13). A workload is what the user deploys and names
 * (a compose service, else a container name with its orchestrator suffix removed); each container
 * id it had is one incarnation. An episode is one stop → exit → start → ready cycle of a workload,
 * and every upstream error of an incident is placed in one of its phases.
 */

export interface Incarnation {
  containerId: string;
  /** The container's name as the events show it (a recreate's old one may have been renamed `<id>_name`). */
  name: string;
  /** First and last event of this container in the window (epoch ms). */
  from: number;
  to: number;
}

export interface Workload {
  /** `project/service` from compose labels, else the normalised container name. */
  key: string;
  project: string | null;
  service: string | null;
  /** The current (newest) container name. */
  name: string;
  incarnations: Incarnation[];
  /** The workload got a new container id in the window (destroy/create, `docker compose up -d`, rm -f + run). */
  recreated: boolean;
}

/** Who asked the process to stop, read from the events around the exit (DOMAIN.md's sequences). */
export type StopCause = 'docker-stop' | 'docker-restart' | 'docker-rm' | 'oom' | 'none' | 'unknown';

/** How one exit came about: each exit is classified on its own, never one boolean per burst. */
export type ExitKind = 'deliberate' | 'stop-timeout-kill' | 'oom' | 'crash' | 'clean';

/** How the episode's process came back. */
export type StartCause = 'docker-restart' | 'restart-policy' | 'recreate' | 'start' | 'fresh';

export type ReadySource = 'health' | 'probe' | 'last-error';

export interface Episode {
  /** The container that stopped (null: the episode starts with a fresh start). */
  containerId: string | null;
  /** First kill (or oom) of this stop; null when the process exited with no request. */
  stopRequestedAt: number | null;
  /** Signals sent before the exit, in order (`15`, `9`, …). */
  signals: string[];
  stopCause: StopCause;
  exitAt: number | null;
  exitCode: number | null;
  exitKind: ExitKind | null;
  /** kill(15) → kill(9): how long the app ignored SIGTERM (ms). */
  sigtermIgnoredMs: number | null;
  /** The container that started (a new id after a recreate). */
  startedContainerId: string | null;
  startAt: number | null;
  startCause: StartCause | null;
  readyAt: number | null;
  readySource: ReadySource | null;
}

/** Where an error fell in its workload's lifecycle. */
export const PHASES = ['stopping', 'down', 'starting', 'afterReady', 'outside'] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseCounts = Record<Phase, number>;

/**
 * When a burst's errors happened: its non-empty buckets of `bucketMs`, as two arrays in the order
 * of their starts. Not an object per bucket: a closed burst's timeline has up to 128 buckets, and an
 * outage's log closes thousands of bursts (3,450 in the 400 MB bench log), each one's buckets
 * promoted to the old generation with its burst.
 */
export interface ErrorTimelineData {
  bucketMs: number;
  /** Bucket starts (epoch ms, multiples of `bucketMs`), ascending. */
  starts: number[];
  /** Errors in the bucket of the same index. */
  counts: number[];
}
