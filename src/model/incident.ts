/**
 * The engine's output: bursts of upstream errors, each joined to the container that owns the
 * upstream and to its lifecycle events, diagnosed by a pattern from `patterns/`, then enriched
 * by the checklist and the fix proposal. Every report (text, JSON, markdown, TUI) reads these.
 */
import type { ContainerEvent, ContainerInfo } from './container.js';
import type { Episode, ErrorTimelineData, Phase, PhaseCounts, ReadySource, Workload } from './workload.js';
import type { UpstreamAddress, UpstreamErrorKind } from './logRecord.js';

/** One kept log line, as evidence (bounded per burst). */
export interface EvidenceLine {
  source: string;
  line: number;
  time: number;
  raw: string;
}

export interface Burst {
  id: string;
  /** Grouping key: `host:port`, `unix:/path`, or the upstream group name. */
  upstreamKey: string;
  upstream: UpstreamAddress;
  first: number;
  last: number;
  /** Upstream failure lines in the burst (one per failed try on this peer). */
  count: number;
  kinds: Partial<Record<UpstreamErrorKind, number>>;
  /**
   * Failures per errno, first seen first (--json gives an object, errnos ascending). A Map: an
   * object keeps integer keys in an array as long as the largest one (111 slots and more for a
   * burst's few errnos), and a postmortem holds thousands of closed bursts.
   */
  errnos: ReadonlyMap<number, number>;
  methods: Record<string, number>;
  /** POST/PUT/PATCH/DELETE that got an error: writes the client may have lost. */
  writes: number;
  /** POST/PATCH/LOCK that failed after nginx sent them: it will not retry these on another peer. */
  notRetried: number;
  servers: string[];
  hosts: string[];
  clients: number;
  /** Errors per second over the burst (count / max(1 s, duration)). */
  rate: number;
  /** First and last few lines of the burst. */
  evidence: EvidenceLine[];
  /** Errors per time bucket (bounded): where each fell in the workload's lifecycle (correlate/phases.ts). Left out of --json. */
  timeline?: ErrorTimelineData;
  /** True once the gap has passed with no new error (always true after a postmortem). */
  closed: boolean;
}

type MatchMethod =
  | 'published-port' // upstream port == a HostPort published by the container
  | 'host-network-port' // host-network container whose command/healthcheck/ExposedPorts names the port
  | 'container-ip' // upstream host == a container IP
  | 'name' // upstream host == container name, compose service or network alias
  | 'time-only' // the only container with lifecycle events around the burst
  | 'socket-mount' // a unix-socket upstream's directory is mounted by the container (inspect Mounts)
  | 'config-name'; // the nginx config names the workload (server backend:3000) and the failing IP was its old address

export interface ContainerMatch {
  /** The container name (stable across compose recreation, unlike the id). */
  name: string;
  containerIds: string[];
  service: string | null;
  project: string | null;
  method: MatchMethod;
  /** One sentence: why this container is the upstream's owner. */
  explanation: string;
  /** 0..1: how sure the address ↔ container link is. */
  strength: number;
}

/** Derived, pattern-independent facts about one burst, the input of every pattern. */
export interface BurstFacts {
  totalErrors: number;
  kindShare: Partial<Record<UpstreamErrorKind, number>>;
  dominantKind: UpstreamErrorKind | null;
  containerMatched: boolean;
  /** Lifecycle events of the matched container(s) in the correlation window, oldest first. */
  events: ContainerEvent[];
  starts: number;
  dies: number;
  restartEvents: number;
  /** A `kill` or `stop` preceded the first `die` (someone asked it to stop). */
  deliberate: boolean;
  /** kill(15) then kill(9) before a die(137): the app ignored SIGTERM until the stop timeout. */
  stopTimeoutKill: boolean;
  oom: boolean;
  exitCodes: number[];
  /** The first die of the window, start → first error, first die → first error, … (ms; null if n/a). */
  firstDieToFirstError: number | null;
  /** Last `start` before the burst's end → the burst's last error (how long the app was not ready). */
  startToLastError: number | null;
  /** `start` → `health_status: healthy`, when both happened in the window. */
  startToHealthy: number | null;
  /** The time to ready, once: the checklist's measure, else start → healthy, else start → last error. */
  timeToReady: { ms: number; source: ReadySource } | null;
  /** A start with no die/stop/kill before it in the window (fresh create / first boot). */
  freshStart: boolean;
  /** A start after the failure began (after the first die/stop/kill, or inside the burst when none). */
  startAfterFailure: boolean;
  /** A die with a non-zero exit code and no kill before it: the process ended on its own. */
  crashExit: boolean;
  /** The log went on past the burst (longer than the gap) with no more errors on this upstream. */
  recovered: boolean;
  /** State after the window: from the last event, else the inspect snapshot. */
  finalState: 'running' | 'exited' | 'unknown';
  finalHealth: string | null;
  healthcheckDefined: boolean | null;
  durationMs: number;
  /** Facts nothing shows (see EventCoverage.unknown): a clause on them never holds. */
  unknown?: string[];
  /** The workload's lifecycle in the window: stop requested → exit (classified) → start → ready. */
  episodes: Episode[];
  /** The burst's errors by the lifecycle phase they fell in. */
  phases: PhaseCounts;
  /** The phase holding most errors (null: no errors placed). */
  dominantPhase: Phase | null;
  /**
   * Why no one knows when the workload was ready, when its errors outlived its start for a config
   * reason and neither a health check nor a probe timed it: "starting" then means only "after the
   * start" (report/findingLines.ts says so). Absent when readiness is known or implied.
   */
  readyUnknown?: string;
  /** The upstream is a unix socket (`unix:/path`), not a TCP address: fixes differ (no IP, no resolver). */
  unixSocket: boolean;
  /** The burst names an nginx upstream group the config lists (correlate/upstreamGroups.ts). */
  group?: GroupFacts | null;
  /** nginx dialled an address the workload the config names no longer has. */
  stale?: StaleAddressFacts | null;
  /** Every place the config sends this upstream's requests has one server and no backup. */
  singlePeer?: SinglePeerFacts | null;
}

/** The failing upstream had one server and nothing to fall back on (issue 13 item 3, from the config). */
export interface SinglePeerFacts {
  /** The `upstream` group's name; null for a `proxy_pass` straight to the address. */
  group: string | null;
  /** The one server, as the config writes it (`127.0.0.1:40511`, `backend:3000`, `unix:/run/app.sock`). */
  server: string;
  /** Where it is defined: the upstream block's `file:line`, or the proxy_pass's. */
  at: string | null;
}

/** An upstream group's incident: its peers and whether they restarted at once (issue 13 item 4). */
export interface GroupFacts {
  name: string;
  peers: { address: string; container: string | null }[];
  /** Every peer (two or more) stopped and started again in the window. */
  allPeersRestarted: boolean;
  /** The last peer's start (ms), when all restarted. */
  lastPeerStartAt: number | null;
  /** The group's largest fail_timeout and smallest max_fails (nginx defaults 10s / 1). */
  failTimeoutMs: number;
  maxFails: number;
  backup: boolean;
  /** Errors at or after the last peer's start: what fail_timeout prolonged. */
  errorsAfterStarts: number;
}

/** nginx kept a stale address (issue 13 item 5). */
export interface StaleAddressFacts {
  /** The config's server, `backend:3000`. */
  configPeer: string;
  failingAddress: string;
  /** The named workload's address now (`172.26.0.3:3000`). */
  currentAddress: string | null;
  /** The container that holds the failing address now (null: nobody). */
  oldOwner: string | null;
  /** The recreate's `create` (ms). */
  recreatedAt: number;
}

export type ConfidenceLabel = 'high' | 'medium' | 'low';

export interface Diagnosis {
  patternId: string;
  title: string;
  summary: string;
  /** 0..1 */
  confidence: number;
  confidenceLabel: ConfidenceLabel;
  /** Each satisfied clause of the pattern, as a sentence with the measured value. */
  reasons: string[];
  explanation: string;
  fixIds: string[];
  /** The cause that explains most errors (same pattern as patternId), and the phase holding most of them. */
  primary?: { patternId: string; title: string; summary: string; confidence: number; confidenceLabel: ConfidenceLabel; phase: ReportedPhase | null };
  /** Other findings the evidence shows (diagnose/findings.ts), each with the facts behind it. */
  contributing?: ContributingFinding[];
  /** The burst's errors by lifecycle phase (afterStart, starting and afterReady null, when readyUnknown). */
  phases?: ReportedPhaseCounts;
  /** BurstFacts.readyUnknown: why the errors after the start cannot be split at readiness. */
  readyUnknown?: string;
}

/**
 * A phase as the diagnosis reports it. `afterStart`: after the start, when nothing timed readiness
 * (Diagnosis.readyUnknown), so the error cannot be called "starting" or "after ready".
 */
export type ReportedPhase = Phase | 'afterStart';

/**
 * Errors by phase as the diagnosis reports them. When readiness is unknown, `starting` and
 * `afterReady` are null (unknown, not zero) and `afterStart` holds the errors after the start;
 * otherwise `afterStart` is absent. The numbers always add up to the errors placed.
 */
export type ReportedPhaseCounts = Omit<PhaseCounts, 'starting' | 'afterReady'> & { starting: number | null; afterReady: number | null; afterStart?: number };

export interface ContributingFinding {
  /** Shared vocabulary id: sigterm-ignored, oom-killed, crash-exit, recreated, published-port-proxy, events-gap, … */
  id: string;
  title: string;
  sentence: string;
  /** The event/line facts that back the sentence, as the report shows them. */
  evidence: string[];
}

/** The workload an incident's upstream belongs to, as reports show it. */
interface IncidentWorkload extends Workload {
  /** `restarted` (same container), `recreated` (new container), null (no stop/start in the window). */
  incarnation: 'restarted' | 'recreated' | null;
}

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  id: string; // 'http-health' | 'port-host' | 'port-container' | 'docker-state' | 'healthcheck-defined' | 'time-to-ready' …
  title: string;
  status: CheckStatus;
  /** The probe's answer, the socket line, the inspect field. */
  evidence: string;
  /** One sentence of meaning. */
  meaning: string;
  durationMs: number;
}

export interface ChecklistResult {
  target: { host: string; port: number; container: string | null };
  ranAt: number;
  checks: CheckResult[];
  conclusion: string;
  /** start → listening / start → healthy, measured, in ms (null when not measured). */
  timeToListenMs: number | null;
  timeToHealthyMs: number | null;
}

export interface FixFile {
  /** The file on this machine, what `--apply` writes (a container's config: `NAME:/path`, session/enrich.ts). */
  path: string;
  /**
   * How reports name it, as the diff headers do: relative to the working directory when inside it
   * (fix/paths.ts displayPath); a container's config copy as the container has it (`/etc/nginx/…`).
   */
  displayPath: string;
  kind: 'nginx' | 'compose' | 'kubernetes' | 'systemd';
  /** Unified diff against the file on disk; empty when the file already holds the fix. */
  diff: string;
  notes: string[];
}

export interface FixProposal {
  fixIds: string[];
  /** Generic guidance when no config file was given (what to change, with values), for nginx and the platforms the evidence shows. */
  advice: string[];
  /**
   * The same guidance for platforms the evidence does not show (Kubernetes without a manifest, systemd
   * without a unit, supervisord, compose for a container without compose labels): reports print it
   * only with --all-platforms.
   */
  otherPlatformAdvice?: string[];
  files: FixFile[];
  warnings: string[];
  /** The time to ready the timeouts and probes were sized for (ms); a report sharing one fix between incidents picks the largest. */
  sizedForMs?: number;
}

/**
 * Whether the Docker events held reach back to the burst's start (correlate/coverage.ts), and
 * where the container's lifecycle facts come from when they do not.
 */
export interface EventCoverage {
  /** Epoch ms from which every Docker event is known to be held; null when there were none. */
  eventsFrom: number | null;
  eventsCoverBurst: boolean;
  /** `events`: Docker events; `inspect`: (also) recovered from `docker inspect`; `none`: neither. */
  source: 'events' | 'inspect' | 'none';
  /** Facts nothing shows (`startAfterFailure`, `deliberate`, `freshStart`, `finalState`): never stated. */
  unknown: string[];
}

export interface Incident {
  id: string;
  burst: Burst;
  match: ContainerMatch | null;
  /** The matched workload (compose project/service, else normalised name) and its incarnations. */
  workload?: IncidentWorkload | null;
  facts: BurstFacts;
  /** Absent on incidents made before coverage was measured (older JSON). */
  coverage?: EventCoverage;
  diagnosis: Diagnosis;
  checklist: ChecklistResult | null;
  fix: FixProposal | null;
}

/** Context kept with a container for reports: the snapshot and the events the engine saw. */
export interface ContainerView {
  name: string;
  /** The workload it is an incarnation of (compose project/service, else the normalised name). */
  workload?: string;
  /** A recreate replaced an older container of this workload (its row was folded into this one). */
  recreated?: boolean;
  info: ContainerInfo | null;
  lastEvent: ContainerEvent | null;
  state: string;
  health: string | null;
  restarts: number;
  lastExitCode: number | null;
}
