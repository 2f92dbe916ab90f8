/**
 * Diagnosis: the highest-priority pattern whose every clause holds for the burst's facts. Each
 * clause turns into a sentence with the measured value, so the verdict explains itself.
 */
import { INSPECT_SOURCE } from '../correlate/coverage.js';
import type { Burst, BurstFacts, ConfidenceLabel, ContainerMatch, Diagnosis } from '../model/incident.js';
import type { UpstreamErrorKind } from '../model/logRecord.js';
import type { Phase, ReadySource } from '../model/workload.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import type { Pattern, PatternWhen, Placeholder } from './patternSchema.js';

const KIND_LABEL: Record<UpstreamErrorKind, string> = {
  refused: 'connection refused (111)',
  timeout: 'timed out (110)',
  reset: 'connection reset (104)',
  'no-route': 'no route to host (113)',
  'broken-pipe': 'broken pipe (32)',
  'no-live-upstreams': 'no live upstreams',
  'premature-close': 'upstream prematurely closed',
  'invalid-header': 'invalid header from upstream',
  'ssl-handshake': 'SSL handshake to upstream failed',
  'unix-socket': 'unix socket unavailable',
  resolve: 'upstream name not resolved',
  disabled: 'peer temporarily disabled',
  permission: 'permission denied (13)',
  'backlog-full': 'unix socket backlog full (11)',
  'header-too-big': 'upstream sent too big header',
  'ssl-wrong-version': 'TLS to a plain-HTTP port (wrong version number)',
  'host-not-found': 'host not found in upstream (nginx did not start)',
};

/** Where the time to ready was read. */
export const READY_WORDS: Record<ReadySource, string> = {
  probe: 'measured by the checklist',
  health: 'health_status healthy',
  'last-error': 'its last error',
};

/** How a report names each lifecycle phase ("N errors fell …"). */
const PHASE_WORDS: Record<Phase, string> = {
  stopping: 'while it was asked to stop but still running (stop requested → exit)',
  down: 'while it was down (exit → start)',
  starting: 'while it was starting (start → ready)',
  afterReady: 'after it was ready again',
  outside: 'outside any stop or start of it',
};

export function kindLabel(kind: UpstreamErrorKind): string {
  return KIND_LABEL[kind];
}

/** The app's time to ready as the logs show it: start → healthy, else start → last error. */
export function inferredTimeToReady(f: BurstFacts): number | null {
  return f.timeToReady?.ms ?? f.startToHealthy ?? f.startToLastError;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/**
 * Which fact made the exit an OOM kill: the daemon's `oom` event wins (docker inspect's OOMKilled
 * has been seen false for a real OOM kill), else inspect's State.OOMKilled.
 */
function oomDecidedBy(f: BurstFacts): string {
  const daemon = f.events.find((e) => e.action === 'oom' && e.attributes.source !== INSPECT_SOURCE);
  if (daemon) return `the daemon's oom event at ${new Date(daemon.time).toISOString().slice(11, 23)} UTC, exit ${f.exitCodes.join(', ') || '?'}`;
  return `docker inspect: State.OOMKilled=true, exit ${f.exitCodes.join(', ') || '?'}`;
}

/** What a clause reads: the facts, the linked container, and how a sentence names it. */
interface ClauseInput {
  f: BurstFacts;
  match: ContainerMatch | null;
  name: string;
}

/**
 * One clause of a pattern's `when`: whether it holds for the facts, and why (the sentence with the
 * measured value, null where there is nothing to say). The sentence is asked for only of a clause
 * that holds in the pattern that wins: most patterns fail on a clause, and their sentences would
 * be built for nothing. In the order the reasons are given.
 */
interface Clause {
  key: keyof PatternWhen;
  holds: (when: PatternWhen, f: BurstFacts) => boolean;
  reason: (when: PatternWhen, c: ClauseInput) => string | null;
}

// A fact nothing shows (events began after the burst, no inspect): its clause never holds.
const unknown = (f: BurstFacts, fact: string): boolean => f.unknown?.includes(fact) === true;

function kindShare(when: PatternWhen, f: BurstFacts): number {
  let share = 0;
  for (const k of when.kindsAnyOf!) share += f.kindShare[k] ?? 0;
  return share;
}

const CLAUSES: readonly Clause[] = [
  {
    key: 'kindsAnyOf',
    holds: (when, f) => kindShare(when, f) >= (when.minKindShare ?? 0.5),
    reason: (when, { f }) => {
      const labels = when.kindsAnyOf!.filter((k) => (f.kindShare[k] ?? 0) > 0).map(kindLabel);
      return `${pct(kindShare(when, f))} of the ${f.totalErrors} errors are ${labels.join(' / ') || when.kindsAnyOf!.map(kindLabel).join(' / ')}`;
    },
  },
  {
    key: 'containerMatched',
    holds: (when, f) => f.containerMatched === when.containerMatched,
    reason: (_when, { match }) => (match ? match.explanation : 'no container could be linked to this upstream'),
  },
  { key: 'minDies', holds: (when, f) => f.dies >= when.minDies!, reason: (_when, { f, name }) => `${name} died ${f.dies} times around the burst (exit codes ${f.exitCodes.join(', ') || 'n/a'})` },
  { key: 'maxDies', holds: (when, f) => f.dies <= when.maxDies!, reason: () => null },
  { key: 'minStarts', holds: (when, f) => f.starts >= when.minStarts!, reason: (_when, { f, name }) => `${name} started ${f.starts} times around the burst` },
  {
    key: 'deliberate',
    holds: (when, f) => !unknown(f, 'deliberate') && f.deliberate === when.deliberate,
    reason: (_when, { f, name }) => {
      if (!f.deliberate) return null;
      const kill = f.events.find((e) => e.action === 'kill');
      return kill
        ? `${name} was asked to stop (kill signal ${kill.signal ?? '?'}) before it died: a deliberate restart or stop`
        : `${name} was stopped and started again with RestartCount 0 (docker inspect): restarted on request, not by its restart policy`;
    },
  },
  {
    key: 'stopTimeoutKill',
    holds: (when, f) => f.stopTimeoutKill === when.stopTimeoutKill,
    reason: (_when, { f, name }) => (f.stopTimeoutKill ? `SIGTERM was ignored: Docker sent SIGKILL at the stop timeout and ${name} died with exit code 137 (not an OOM)` : null),
  },
  { key: 'oom', holds: (when, f) => f.oom === when.oom, reason: (_when, { f, name }) => (f.oom ? `${name} was killed by the kernel OOM killer (${oomDecidedBy(f)})` : null) },
  {
    key: 'crashExit',
    holds: (when, f) => f.crashExit === when.crashExit,
    reason: (_when, { f, name }) => (f.crashExit ? `${name} exited on its own with code ${f.exitCodes.filter((c) => c !== 0).join(', ')} (no kill before it)` : null),
  },
  {
    key: 'freshStart',
    holds: (when, f) => !unknown(f, 'freshStart') && f.freshStart === when.freshStart,
    reason: (_when, { f, name }) => (f.freshStart ? `${name} was freshly started (no stop before it): a deploy or first boot` : null),
  },
  {
    key: 'startAfterFailure',
    holds: (when, f) => !unknown(f, 'startAfterFailure') && f.startAfterFailure === when.startAfterFailure,
    reason: (_when, { f, name }) => {
      const ttr = inferredTimeToReady(f);
      return f.startAfterFailure
        ? `${name} started${f.freshStart ? '' : ' again'}${ttr !== null ? ` and was ready ${formatDuration(Math.max(0, ttr))} later (${READY_WORDS[f.timeToReady?.source ?? 'last-error']}): until then the app was not serving` : ''}`
        : f.containerMatched
          ? `${name} did not start again after it went down${f.finalState === 'exited' ? ' (it is exited)' : ''}`
          : 'no container start follows the errors (no container is linked to this upstream)';
    },
  },
  {
    key: 'recovered',
    holds: (when, f) => f.recovered === when.recovered,
    reason: (_when, { f }) => (f.recovered ? 'the errors stopped while the log went on: the upstream was serving again' : 'the errors went on to the end of the log: the upstream did not recover'),
  },
  {
    key: 'minTimeToReady',
    holds: (when, f) => {
      const ttr = inferredTimeToReady(f);
      return ttr !== null && ttr >= parseDuration(when.minTimeToReady!)!;
    },
    reason: (when, { f }) => {
      const ttr = inferredTimeToReady(f);
      return ttr !== null ? `the app took ${formatDuration(ttr)} from start to ready (≥ ${formatDuration(parseDuration(when.minTimeToReady!)!)})` : null;
    },
  },
  { key: 'finalState', holds: (when, f) => !unknown(f, 'finalState') && when.finalState!.includes(f.finalState), reason: (_when, { f, name }) => `${name} is ${f.finalState} at the end of the window` },
  {
    key: 'dominantPhase',
    holds: (when, f) => f.dominantPhase !== null && when.dominantPhase!.includes(f.dominantPhase),
    reason: (_when, { f }) => (f.dominantPhase ? `${f.phases[f.dominantPhase]} of the ${f.totalErrors} errors fell ${PHASE_WORDS[f.dominantPhase]}` : null),
  },
  {
    key: 'allPeersRestarted',
    holds: (when, f) => (f.group?.allPeersRestarted ?? false) === when.allPeersRestarted,
    reason: (_when, { f }) => {
      const g = f.group ?? null;
      return g?.allPeersRestarted ? `every peer of ${g.name} restarted at once: ${g.peers.map((p) => `${p.container ?? '?'} (${p.address})`).join(', ')}` : null;
    },
  },
  {
    key: 'staleAddress',
    holds: (when, f) => (f.stale != null) === when.staleAddress,
    reason: (_when, { f }) => {
      const st = f.stale ?? null;
      return st ? `the config names ${st.configPeer}, resolved once when nginx started; its workload was recreated and is at ${st.currentAddress ?? 'a new address'} now, while nginx kept dialling ${st.failingAddress}${st.oldOwner ? ` (held by ${st.oldOwner} now)` : ' (nobody holds it now)'}` : null;
    },
  },
  {
    key: 'unixSocket',
    holds: (when, f) => f.unixSocket === when.unixSocket,
    reason: (_when, { f }) => (f.unixSocket ? 'the upstream is a unix socket (a file: its path, owner and mode matter, not an IP)' : 'the upstream is a TCP address'),
  },
];

/** Whether every clause `when` has holds for the facts. */
function allHold(when: PatternWhen, f: BurstFacts): boolean {
  for (const c of CLAUSES) if (when[c.key] !== undefined && !c.holds(when, f)) return false;
  return true;
}

/** Why `when` matches: the sentence of each clause it has that holds, in clause order. */
function reasonsFor(when: PatternWhen, f: BurstFacts, match: ContainerMatch | null): string[] {
  const input: ClauseInput = { f, match, name: match?.name ?? 'the container' };
  const out: string[] = [];
  for (const c of CLAUSES) {
    if (when[c.key] === undefined || !c.holds(when, f)) continue;
    const reason = c.reason(when, input);
    if (reason) out.push(reason);
  }
  return out;
}

export function confidenceLabel(c: number): ConfidenceLabel {
  return c >= 0.75 ? 'high' : c >= 0.5 ? 'medium' : 'low';
}

/** Every kind seen in the burst, most frequent first, with its count: `upstream sent too big header ×12`. */
function kindsSeen(burst: Burst): string {
  const seen = (Object.entries(burst.kinds) as [UpstreamErrorKind, number][]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return seen.map(([k, n]) => `${kindLabel(k)} ×${n}`).join(', ') || 'upstream errors';
}

interface TemplateInput {
  burst: Burst;
  f: BurstFacts;
  match: ContainerMatch | null;
  /** The values made so far for this diagnosis: its summary and explanation often name the same ones. */
  made: Partial<Record<Placeholder, string>>;
}

/** Each placeholder's value, made only where a text uses it. */
const PLACEHOLDER_VALUES: Record<Placeholder, (t: TemplateInput) => string> = {
  container: ({ match }) => match?.name ?? 'the backend',
  service: ({ match }) => match?.service ?? match?.name ?? 'the backend',
  upstream: ({ burst }) => burst.upstreamKey,
  scheme: ({ burst }) => burst.upstream.scheme || 'http',
  count: ({ burst }) => String(burst.count),
  kind: ({ f }) => (f.dominantKind ? kindLabel(f.dominantKind) : 'upstream errors'),
  kinds: ({ burst }) => kindsSeen(burst),
  duration: ({ f }) => formatDuration(f.durationMs),
  timeToReady: ({ f }) => {
    const ttr = inferredTimeToReady(f);
    return ttr !== null ? formatDuration(ttr) : 'an unknown time';
  },
  exitCodes: ({ f }) => f.exitCodes.join(', ') || 'n/a',
  dies: ({ f }) => String(f.dies),
  starts: ({ f }) => String(f.starts),
  writes: ({ burst }) => String(burst.writes),
  notRetried: ({ burst }) => String(burst.notRetried),
  group: ({ burst, f }) => f.group?.name ?? burst.upstreamKey,
  peers: ({ f }) => (f.group ? f.group.peers.map((p) => p.container ?? p.address).join(', ') : 'its peers'),
  failTimeout: ({ f }) => (f.group ? formatDuration(f.group.failTimeoutMs) : 'fail_timeout'),
  configPeer: ({ burst, f }) => f.stale?.configPeer ?? burst.upstreamKey,
  failingAddress: ({ burst, f }) => f.stale?.failingAddress ?? burst.upstreamKey,
  currentAddress: ({ f }) => f.stale?.currentAddress ?? 'an unknown new address',
  oldOwner: ({ f }) => f.stale?.oldOwner ?? 'nobody',
  // A whole sentence or nothing: "no other peer" is claimed only where the config shows one server.
  onlyServer: ({ f }) =>
    f.singlePeer ? `nginx had no other server to try: ${f.singlePeer.group !== null ? `upstream ${f.singlePeer.group} has only ${f.singlePeer.server} and no backup` : `proxy_pass sends straight to ${f.singlePeer.server}`}. ` : '',
};

/** Fills `{placeholders}` in a pattern's text from the incident; unknown names stay visible. */
function fillTemplate(text: string, t: TemplateInput): string {
  return text.replace(/\{(\w+)\}/g, (m, key: string) => (Object.hasOwn(PLACEHOLDER_VALUES, key) ? (t.made[key as Placeholder] ??= PLACEHOLDER_VALUES[key as Placeholder](t)) : m));
}

export function diagnose(patterns: Pattern[], burst: Burst, facts: BurstFacts, match: ContainerMatch | null): Diagnosis {
  for (const p of patterns) {
    if (p.fallback || !allHold(p.when, facts)) continue;
    return build(p, burst, facts, match);
  }
  const fallback = patterns.find((p) => p.fallback);
  if (!fallback) throw new Error('no fallback pattern loaded');
  return build(fallback, burst, facts, match);
}

function build(p: Pattern, burst: Burst, facts: BurstFacts, match: ContainerMatch | null): Diagnosis {
  const link = match ? match.strength : p.unmatchedFactor;
  const confidence = Math.round(p.confidence * link * 100) / 100;
  const reasons = reasonsFor(p.when, facts, match);
  const t: TemplateInput = { burst, f: facts, match, made: {} };
  if (match && !reasons.includes(match.explanation)) reasons.unshift(match.explanation);
  return {
    patternId: p.id,
    title: p.title,
    summary: fillTemplate(p.summary, t),
    confidence,
    confidenceLabel: confidenceLabel(confidence),
    reasons,
    explanation: fillTemplate(p.explanation, t),
    fixIds: [...p.fixes],
  };
}
