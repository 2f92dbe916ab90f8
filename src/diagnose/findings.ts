/**
 * Primary cause and contributing findings (issue 13). The pattern that matched is the primary
 * cause: the one that explains most errors (the phase clause sees to that where it matters).
 * Everything else the evidence shows about the incident — SIGTERM ignored, an OOM, a crash exit, a
 * recreate, docker-proxy in the path, a gap in the events — is a contributing finding, listed
 * separately. One table: each finding's id (the shared vocabulary), title, and how it is detected.
 * A finding is listed even when the primary cause is built on it (an OOM kill's `oom-killed`): the
 * list is what the evidence shows, the primary is which of it explains most errors.
 */
import type { EventGap } from '../correlate/eventStore.js';
import { dominantPhase } from '../correlate/phases.js';
import type { Burst, BurstFacts, ContainerMatch, ContributingFinding, Diagnosis, ReportedPhase, ReportedPhaseCounts } from '../model/incident.js';
import type { Episode, Workload } from '../model/workload.js';
import { formatDuration } from '../util/duration.js';
import { kindLabel } from './diagnose.js';

export interface FindingContext {
  burst: Burst;
  facts: BurstFacts;
  match: ContainerMatch | null;
  workload: Workload | null;
  gaps: readonly EventGap[];
}

type Detected = { sentence: string; evidence: string[] } | null;

interface FindingRule {
  id: string;
  title: string;
  detect: (c: FindingContext) => Detected;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23) + 'Z';
}

function exitEvidence(ep: Episode): string {
  const parts: string[] = [];
  if (ep.stopRequestedAt !== null && ep.signals.length) parts.push(`${clock(ep.stopRequestedAt)} kill ${ep.signals.join(' → kill ')}`);
  if (ep.exitAt !== null) parts.push(`${clock(ep.exitAt)} die exitCode ${ep.exitCode ?? '?'}`);
  return parts.join(', ');
}

const short = (id: string) => id.slice(0, 12);

const FINDINGS: readonly FindingRule[] = [
  {
    id: 'sigterm-ignored',
    title: 'SIGTERM ignored: SIGKILL at the stop timeout',
    detect: ({ facts, match }) => {
      const eps = facts.episodes.filter((e) => e.exitKind === 'stop-timeout-kill');
      if (!eps.length) return null;
      const waits = eps.map((e) => formatDuration(e.sigtermIgnoredMs ?? 0)).join(', ');
      return {
        sentence: `${match?.name ?? 'the container'} ignored SIGTERM: Docker sent SIGKILL ${waits} later and it exited 137 (no OOM); the stop took that much longer`,
        evidence: eps.map(exitEvidence),
      };
    },
  },
  {
    id: 'oom-killed',
    title: 'OOM kill',
    detect: ({ facts, match }) => {
      const eps = facts.episodes.filter((e) => e.exitKind === 'oom');
      if (!eps.length) return null;
      return { sentence: `${match?.name ?? 'the container'} was killed by the kernel OOM killer (${eps.length} time${eps.length === 1 ? '' : 's'})`, evidence: eps.map(exitEvidence) };
    },
  },
  {
    id: 'crash-exit',
    title: 'Crash exit',
    detect: ({ facts, match }) => {
      const eps = facts.episodes.filter((e) => e.exitKind === 'crash');
      if (!eps.length) return null;
      const codes = [...new Set(eps.map((e) => e.exitCode))].join(', ');
      return { sentence: `${match?.name ?? 'the container'} exited on its own with code ${codes} (${eps.length} time${eps.length === 1 ? '' : 's'}, no stop request before)`, evidence: eps.map(exitEvidence) };
    },
  },
  {
    id: 'recreated',
    title: 'Recreated (new container)',
    detect: ({ workload }) => {
      if (!workload?.recreated) return null;
      const ids = workload.incarnations.map((i) => short(i.containerId));
      return {
        sentence: `${workload.key} was recreated (new container): ${ids.join(' → ')}; its old container's address and state are gone`,
        evidence: workload.incarnations.map((i) => `${short(i.containerId)} ${i.name}${Number.isNaN(i.from) ? '' : ` ${clock(i.from)}–${clock(i.to)}`}`),
      };
    },
  },
  {
    id: 'published-port-proxy',
    title: 'Errors through docker-proxy (published port)',
    detect: ({ match, burst, facts }) => {
      if (match?.method !== 'published-port') return null;
      const proxyKinds = (['reset', 'premature-close'] as const).filter((k) => (burst.kinds[k] ?? 0) > 0);
      const n = proxyKinds.reduce((s, k) => s + (burst.kinds[k] ?? 0), 0);
      if (n / facts.totalErrors < 0.5) return null;
      return {
        sentence: `${n} of the ${facts.totalErrors} errors are ${proxyKinds.map(kindLabel).join(' / ')}, not refusals: the upstream is a published port, and docker-proxy accepts the connection, then drops it while nothing listens in the container`,
        evidence: [match.explanation],
      };
    },
  },
  {
    id: 'events-gap',
    title: 'Docker events missing for part of the incident',
    detect: ({ gaps }) => (gaps.length ? { sentence: 'Docker events were unavailable for part of the incident: what happened to the container then is unknown', evidence: gaps.map((g) => `${clock(g.from)} → ${g.to === null ? 'now' : clock(g.to)} (${g.reason})`) } : null),
  },
  {
    id: 'fail-timeout-prolonged',
    title: 'fail_timeout kept peers marked failed',
    // Read from the nginx config's upstream group (correlate/upstreamGroups.ts): no config, no finding.
    detect: ({ facts, burst }) => {
      const g = facts.group;
      const nolive = burst.kinds['no-live-upstreams'] ?? 0;
      if (!g?.allPeersRestarted || g.lastPeerStartAt === null || g.errorsAfterStarts === 0 || nolive === 0) return null;
      return {
        sentence: `${g.errorsAfterStarts} of the ${facts.totalErrors} errors came after every peer of ${g.name} had started again (${clock(g.lastPeerStartAt)}): nginx keeps a peer marked failed for fail_timeout (${formatDuration(g.failTimeoutMs)}) after max_fails (${g.maxFails}) failed attempt${g.maxFails === 1 ? '' : 's'}, so it answered "no live upstreams" until ${clock(burst.last)}`,
        evidence: [`${clock(burst.first)} first failure on ${g.name}`, `${clock(g.lastPeerStartAt)} last peer start`, `${clock(burst.last)} last error`],
      };
    },
  },
  {
    id: 'single-peer-no-backup',
    title: 'One peer and no backup',
    // A fact of the nginx config (correlate/upstreamGroups.ts singlePeerOf): no config, no finding.
    // Only when the workload really went down in the window (a stop, a kill, an exit): for a slow
    // backend, a configuration fault or a fresh start a second peer would have failed the same way.
    detect: ({ facts, match }) => {
      const one = facts.singlePeer;
      const downs = facts.episodes.filter((e) => e.stopRequestedAt !== null || e.exitAt !== null);
      if (!one || downs.length === 0) return null;
      const at = one.at ? ` (${one.at})` : '';
      const place = one.group !== null ? `upstream ${one.group}${at} has one server, ${one.server}, and no backup` : `proxy_pass${at} sends straight to ${one.server}, with no upstream group and no backup`;
      return {
        sentence: `${place}: when ${match?.name ?? 'it'} went down, nginx had no other server to send its requests to, so each of the ${facts.totalErrors} errors failed a request`,
        evidence: [one.group !== null ? `${one.at ?? 'nginx config'}: upstream ${one.group} { server ${one.server}; }` : `${one.at ?? 'nginx config'}: proxy_pass → ${one.server}`, ...downs.map(exitEvidence).filter(Boolean)],
      };
    },
  },
];

/** Contributing findings of one incident, in table order. */
function contributingFindings(ctx: FindingContext): ContributingFinding[] {
  const out: ContributingFinding[] = [];
  for (const rule of FINDINGS) {
    const d = rule.detect(ctx);
    if (d) out.push({ id: rule.id, title: rule.title, sentence: d.sentence, evidence: d.evidence });
  }
  return out;
}

type PhaseFacts = Pick<BurstFacts, 'phases' | 'dominantPhase' | 'readyUnknown'>;

/**
 * Errors by phase, and the phase holding most, as every report gives them. When nothing timed
 * readiness (facts.readyUnknown) the engine placed errors against the last error as if it were
 * readiness, which it is not: the errors after the start are `afterStart` then, and "starting" and
 * "after ready" are unknown (null), never a count a reader would take for a slow start.
 */
export function reportedPhases(facts: PhaseFacts): { phases: ReportedPhaseCounts; dominant: ReportedPhase | null } {
  const p = facts.phases;
  if (!facts.readyUnknown) return { phases: { ...p }, dominant: facts.dominantPhase };
  const afterStart = p.starting + p.afterReady;
  // The engine's rule for the dominant phase, with the two merged in starting's place.
  const dominant = dominantPhase({ ...p, starting: afterStart, afterReady: 0 });
  return {
    phases: { stopping: p.stopping, down: p.down, starting: null, afterReady: null, afterStart, outside: p.outside },
    dominant: dominant === 'starting' ? 'afterStart' : dominant,
  };
}

/**
 * The burst's facts as `--json` gives them: the same phases as the diagnosis and, when readiness is
 * unknown, no episode "ready" at the last error (the time to ready is null then already).
 */
export function reportedFacts(facts: BurstFacts): Omit<BurstFacts, 'phases' | 'dominantPhase'> & { phases: ReportedPhaseCounts; dominantPhase: ReportedPhase | null } {
  // Readiness known: the facts are what --json gives, as they are (no copy of their ~30 fields
  // for each of 1,000 incidents: such copies are slow in code V8 has not optimized yet, addConfigFacts).
  if (!facts.readyUnknown) return facts;
  const { phases, dominant } = reportedPhases(facts);
  const episodes = facts.episodes.map((e) => (e.readySource === 'last-error' ? { ...e, readyAt: null, readySource: null } : e));
  return { ...facts, episodes, phases, dominantPhase: dominant };
}

/**
 * Adds the primary cause, contributing findings and per-phase error counts to `d`, in place: the
 * diagnosis diagnoseBurst.ts just made, not one anything else holds (not a copy with fields
 * added: slow in code V8 has not optimized yet, correlate/upstreamGroups.ts addConfigFacts).
 */
export function addFindings(d: Diagnosis, ctx: FindingContext): void {
  const contributing = contributingFindings(ctx);
  // The finding's remedy, a second instance or a `backup` server, goes with the primary cause's fixes.
  if (contributing.some((c) => c.id === 'single-peer-no-backup') && !d.fixIds.includes('nginx-backup-peer')) d.fixIds = [...d.fixIds, 'nginx-backup-peer'];
  const { phases, dominant } = reportedPhases(ctx.facts);
  d.primary = { patternId: d.patternId, title: d.title, summary: d.summary, confidence: d.confidence, confidenceLabel: d.confidenceLabel, phase: dominant };
  d.contributing = contributing;
  d.phases = phases;
  if (ctx.facts.readyUnknown) d.readyUnknown = ctx.facts.readyUnknown;
}
