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

interface ClauseResult {
  holds: boolean;
  /** Why it holds, with the measured value (only used when it holds). */
  reason: string | null;
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

function evaluate(when: PatternWhen, f: BurstFacts, match: ContainerMatch | null): ClauseResult[] {
  const out: ClauseResult[] = [];
  const name = match?.name ?? 'the container';
  if (when.kindsAnyOf) {
    const share = when.kindsAnyOf.reduce((s, k) => s + (f.kindShare[k] ?? 0), 0);
    const min = when.minKindShare ?? 0.5;
    const labels = when.kindsAnyOf.filter((k) => (f.kindShare[k] ?? 0) > 0).map(kindLabel);
    out.push({ holds: share >= min, reason: `${pct(share)} of the ${f.totalErrors} errors are ${labels.join(' / ') || when.kindsAnyOf.map(kindLabel).join(' / ')}` });
  }
  if (when.containerMatched !== undefined) {
    out.push({ holds: f.containerMatched === when.containerMatched, reason: match ? match.explanation : 'no container could be linked to this upstream' });
  }
  if (when.minDies !== undefined) out.push({ holds: f.dies >= when.minDies, reason: `${name} died ${f.dies} times around the burst (exit codes ${f.exitCodes.join(', ') || 'n/a'})` });
  if (when.maxDies !== undefined) out.push({ holds: f.dies <= when.maxDies, reason: null });
  if (when.minStarts !== undefined) out.push({ holds: f.starts >= when.minStarts, reason: `${name} started ${f.starts} times around the burst` });
  // A fact nothing shows (events began after the burst, no inspect): its clause never holds.
  const unknown = (fact: string): boolean => f.unknown?.includes(fact) === true;
  if (when.deliberate !== undefined) {
    const kill = f.events.find((e) => e.action === 'kill');
    out.push({
      holds: !unknown('deliberate') && f.deliberate === when.deliberate,
      reason: !f.deliberate
        ? null
        : kill
          ? `${name} was asked to stop (kill signal ${kill.signal ?? '?'}) before it died: a deliberate restart or stop`
          : `${name} was stopped and started again with RestartCount 0 (docker inspect): restarted on request, not by its restart policy`,
    });
  }
  if (when.stopTimeoutKill !== undefined) {
    out.push({
      holds: f.stopTimeoutKill === when.stopTimeoutKill,
      reason: f.stopTimeoutKill ? `SIGTERM was ignored: Docker sent SIGKILL at the stop timeout and ${name} died with exit code 137 (not an OOM)` : null,
    });
  }
  if (when.oom !== undefined) out.push({ holds: f.oom === when.oom, reason: f.oom ? `${name} was killed by the kernel OOM killer (${oomDecidedBy(f)})` : null });
  if (when.crashExit !== undefined) {
    out.push({ holds: f.crashExit === when.crashExit, reason: f.crashExit ? `${name} exited on its own with code ${f.exitCodes.filter((c) => c !== 0).join(', ')} (no kill before it)` : null });
  }
  if (when.freshStart !== undefined) out.push({ holds: !unknown('freshStart') && f.freshStart === when.freshStart, reason: f.freshStart ? `${name} was freshly started (no stop before it): a deploy or first boot` : null });
  if (when.startAfterFailure !== undefined) {
    const ttr = inferredTimeToReady(f);
    out.push({
      holds: !unknown('startAfterFailure') && f.startAfterFailure === when.startAfterFailure,
      reason: f.startAfterFailure
        ? `${name} started${f.freshStart ? '' : ' again'}${ttr !== null ? ` and was ready ${formatDuration(Math.max(0, ttr))} later (${READY_WORDS[f.timeToReady?.source ?? 'last-error']}): until then the app was not serving` : ''}`
        : f.containerMatched
          ? `${name} did not start again after it went down${f.finalState === 'exited' ? ' (it is exited)' : ''}`
          : 'no container start follows the errors (no container is linked to this upstream)',
    });
  }
  if (when.recovered !== undefined) {
    out.push({
      holds: f.recovered === when.recovered,
      reason: f.recovered ? 'the errors stopped while the log went on: the upstream was serving again' : 'the errors went on to the end of the log: the upstream did not recover',
    });
  }
  if (when.minTimeToReady !== undefined) {
    const ttr = inferredTimeToReady(f);
    const min = parseDuration(when.minTimeToReady)!;
    out.push({ holds: ttr !== null && ttr >= min, reason: ttr !== null ? `the app took ${formatDuration(ttr)} from start to ready (≥ ${formatDuration(min)})` : null });
  }
  if (when.finalState) out.push({ holds: !unknown('finalState') && when.finalState.includes(f.finalState), reason: `${name} is ${f.finalState} at the end of the window` });
  if (when.dominantPhase) {
    const n = f.dominantPhase ? f.phases[f.dominantPhase] : 0;
    out.push({
      holds: f.dominantPhase !== null && when.dominantPhase.includes(f.dominantPhase),
      reason: f.dominantPhase ? `${n} of the ${f.totalErrors} errors fell ${PHASE_WORDS[f.dominantPhase]}` : null,
    });
  }
  if (when.allPeersRestarted !== undefined) {
    const g = f.group ?? null;
    const holds = (g?.allPeersRestarted ?? false) === when.allPeersRestarted;
    out.push({ holds, reason: g?.allPeersRestarted ? `every peer of ${g.name} restarted at once: ${g.peers.map((p) => `${p.container ?? '?'} (${p.address})`).join(', ')}` : null });
  }
  if (when.staleAddress !== undefined) {
    const st = f.stale ?? null;
    out.push({
      holds: (st !== null) === when.staleAddress,
      reason: st ? `the config names ${st.configPeer}, resolved once when nginx started; its workload was recreated and is at ${st.currentAddress ?? 'a new address'} now, while nginx kept dialling ${st.failingAddress}${st.oldOwner ? ` (held by ${st.oldOwner} now)` : ' (nobody holds it now)'}` : null,
    });
  }
  if (when.unixSocket !== undefined) {
    out.push({ holds: f.unixSocket === when.unixSocket, reason: f.unixSocket ? 'the upstream is a unix socket (a file: its path, owner and mode matter, not an IP)' : 'the upstream is a TCP address' });
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

/** Fills `{placeholders}` in a pattern's text from the incident; unknown names stay visible. */
function fillTemplate(text: string, burst: Burst, f: BurstFacts, match: ContainerMatch | null): string {
  const ttr = inferredTimeToReady(f);
  const values: Record<Placeholder, string> = {
    container: match?.name ?? 'the backend',
    service: match?.service ?? match?.name ?? 'the backend',
    upstream: burst.upstreamKey,
    scheme: burst.upstream.scheme || 'http',
    count: String(burst.count),
    kind: f.dominantKind ? kindLabel(f.dominantKind) : 'upstream errors',
    kinds: kindsSeen(burst),
    duration: formatDuration(f.durationMs),
    timeToReady: ttr !== null ? formatDuration(ttr) : 'an unknown time',
    exitCodes: f.exitCodes.join(', ') || 'n/a',
    dies: String(f.dies),
    starts: String(f.starts),
    writes: String(burst.writes),
    notRetried: String(burst.notRetried),
    group: f.group?.name ?? burst.upstreamKey,
    peers: f.group ? f.group.peers.map((p) => p.container ?? p.address).join(', ') : 'its peers',
    failTimeout: f.group ? formatDuration(f.group.failTimeoutMs) : 'fail_timeout',
    configPeer: f.stale?.configPeer ?? burst.upstreamKey,
    failingAddress: f.stale?.failingAddress ?? burst.upstreamKey,
    currentAddress: f.stale?.currentAddress ?? 'an unknown new address',
    oldOwner: f.stale?.oldOwner ?? 'nobody',
    // A whole sentence or nothing: "no other peer" is claimed only where the config shows one server.
    onlyServer: f.singlePeer ? `nginx had no other server to try: ${f.singlePeer.group !== null ? `upstream ${f.singlePeer.group} has only ${f.singlePeer.server} and no backup` : `proxy_pass sends straight to ${f.singlePeer.server}`}. ` : '',
  };
  return text.replace(/\{(\w+)\}/g, (m, key: string) => (values as Record<string, string>)[key] ?? m);
}

export function diagnose(patterns: Pattern[], burst: Burst, facts: BurstFacts, match: ContainerMatch | null): Diagnosis {
  for (const p of patterns) {
    if (p.fallback) continue;
    const clauses = evaluate(p.when, facts, match);
    if (!clauses.every((c) => c.holds)) continue;
    return build(p, clauses, burst, facts, match);
  }
  const fallback = patterns.find((p) => p.fallback);
  if (!fallback) throw new Error('no fallback pattern loaded');
  return build(fallback, evaluate(fallback.when, facts, match), burst, facts, match);
}

function build(p: Pattern, clauses: ClauseResult[], burst: Burst, facts: BurstFacts, match: ContainerMatch | null): Diagnosis {
  const link = match ? match.strength : p.unmatchedFactor;
  const confidence = Math.round(p.confidence * link * 100) / 100;
  const reasons = clauses.filter((c) => c.holds && c.reason).map((c) => c.reason!);
  if (match && !reasons.includes(match.explanation)) reasons.unshift(match.explanation);
  return {
    patternId: p.id,
    title: p.title,
    summary: fillTemplate(p.summary, burst, facts, match),
    confidence,
    confidenceLabel: confidenceLabel(confidence),
    reasons,
    explanation: fillTemplate(p.explanation, burst, facts, match),
    fixIds: [...p.fixes],
  };
}
