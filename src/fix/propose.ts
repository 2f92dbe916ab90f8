/**
 * proposeFix: the one entry point the engine calls. Splits the diagnosis's fix ids between the
 * file planners (nginx, compose, Kubernetes, systemd) and advice, and gathers their diffs, notes
 * and warnings into one FixProposal. Reads files; never writes (see apply.ts).
 */
import { countOf } from '../util/plural.js';
import path from 'node:path';
import type { FixProposal } from '../model/incident.js';
import { adviceOnly, configAdvice, type Platform } from './advice.js';
import { planClassic } from './classic.js';
import { nginxFacts, planNginx } from './nginx/plan.js';
import { planSystemd } from './systemd.js';
import { DEFAULT_TIME_TO_READY_MS, timing } from './timing.js';
import { displayPath } from './paths.js';
import { isKnownFixId, type FixInput, type PlanResult } from './types.js';
import type { ConfigReads } from './configReads.js';

const NGINX_IDS = ['nginx-retry', 'nginx-keepalive', 'nginx-backup-peer'];
const COMPOSE_IDS = ['compose-healthcheck', 'compose-depends-on-healthy', 'compose-restart-policy'];
const ADVICE_IDS = ['app-sigterm', 'memory-limit', 'crash-investigate', 'nginx-timeouts', 'nginx-resolve', 'rolling-restart'];
/** Fixes whose values come from the time to ready (the others do not need it). */
const SIZED_IDS = new Set(['nginx-retry', ...COMPOSE_IDS.slice(0, 1), 'k8s-probes', 'supervisor-grace']);

// The compose and Kubernetes planners (and the YAML library they parse with) load only for a run
// given such a file: most postmortems propose advice, and loading them cost every run with an incident.
/** `reads`: the config files of a pass of fixes (a postmortem's), each read once for it; without it each is read afresh. */
export async function proposeFix(given: FixInput, reads?: ConfigReads): Promise<FixProposal> {
  const cwd = given.cwd ?? process.cwd();
  // Relative paths are the caller's, relative to its cwd (not necessarily this process's).
  const at = (p: string | null | undefined): string | null => (p ? path.resolve(cwd, p) : null);
  const input: FixInput = {
    ...given,
    nginxConf: at(given.nginxConf),
    compose: at(given.compose),
    systemdUnit: at(given.systemdUnit),
    k8s: (given.k8s ?? []).map((p) => path.resolve(cwd, p)),
  };
  const t = timing(input.timeToReadyMs, input.timeToReadySource);
  const proposal: FixProposal = { fixIds: [], advice: [], otherPlatformAdvice: [], files: [], warnings: [], sizedForMs: t.readyMs };
  const ids = new Set<string>();
  for (const id of input.fixIds) {
    if (isKnownFixId(id)) ids.add(id);
    else proposal.warnings.push(`unknown fix id "${id}" ignored.`);
  }
  proposal.fixIds = [...ids];
  const merge = (r: PlanResult): void => {
    proposal.files.push(...r.files.map((f) => ({ ...f, displayPath: shownAs(f.path, input.nginxRoot ?? null, cwd) })));
    proposal.warnings.push(...r.warnings);
    proposal.advice.push(...r.advice);
  };
  const shown = evidencedPlatforms(input);
  const adviseFor = (list: string[]): void => {
    for (const id of list) {
      if (!ids.has(id)) continue;
      for (const a of configAdvice(id, input, t)) (shown.has(a.platform) ? proposal.advice : proposal.otherPlatformAdvice!).push(a.text);
    }
  };

  if (!t.measured && [...ids].some((id) => SIZED_IDS.has(id))) {
    proposal.warnings.push(
      `time to ready unknown: timeouts and probes are sized for ${DEFAULT_TIME_TO_READY_MS / 1000}s; pass the measured value (--time-to-ready) for tighter ones.`,
    );
  }

  if (NGINX_IDS.some((id) => ids.has(id))) {
    if (input.nginxConf) merge(planNginx(input, t, ids, cwd, reads));
    else adviseFor(NGINX_IDS);
  }
  // Only where a retry or second peer is proposed: for a configuration fault another peer fails the same way.
  if (input.notRetriedLost > 0 && NGINX_IDS.some((id) => ids.has(id))) proposal.warnings.push(nonIdempotentWarning(input.notRetriedLost, input.writesLost));

  if (COMPOSE_IDS.some((id) => ids.has(id))) {
    if (input.compose) merge((await import('./compose/plan.js')).planCompose(input, t, ids, cwd, reads));
    else adviseFor(COMPOSE_IDS);
  }
  if (ids.has('k8s-probes')) {
    if (input.k8s && input.k8s.length > 0) {
      const { planK8s } = await import('./k8s.js');
      for (const file of input.k8s) merge(planK8s(file, input, t, cwd));
    }
    else adviseFor(['k8s-probes']);
  }
  if (ids.has('supervisor-grace')) {
    if (input.systemdUnit) merge(planSystemd(input, t, cwd));
    else adviseFor(['supervisor-grace']);
  }
  const wantsAdvice = ADVICE_IDS.filter((id) => ids.has(id));
  if (wantsAdvice.length > 0) {
    const facts = input.nginxConf ? nginxFacts(input, cwd, reads) : { readTimeout: null, hostLines: [] };
    for (const id of wantsAdvice) proposal.advice.push(...adviceOnly(id, input, t, facts));
  }
  // Configuration and environment faults: their own diffs and advice (no restart or retry advice).
  merge(planClassic(input, ids, cwd, reads));
  return proposal;
}

/**
 * A file's name in the reports: the one its diff headers give (relative to cwd when inside it), so
 * an exported incident names no path of this machine. A container's config copied under `root` is
 * named as the container has it: the copy's folder means nothing to the reader.
 */
function shownAs(file: string, root: string | null, cwd: string): string {
  const inCopy = root ? path.relative(root, file) : null;
  return inCopy && !inCopy.startsWith('..') && !path.isAbsolute(inCopy) ? `/${inCopy}` : displayPath(file, cwd);
}

/**
 * The platforms the evidence shows, whose advice every report prints: nginx always (its errors are
 * the input); compose when the matched container carries compose labels (a service name) or a
 * compose file was given; Kubernetes and systemd only when their manifest or unit was given.
 */
function evidencedPlatforms(input: Pick<FixInput, 'service' | 'compose' | 'k8s' | 'systemdUnit'>): Set<Platform> {
  const on = new Set<Platform>(['nginx']);
  if (input.service || input.compose) on.add('compose');
  if ((input.k8s ?? []).length > 0) on.add('kubernetes');
  if (input.systemdUnit) on.add('systemd');
  return on;
}

function nonIdempotentWarning(notRetried: number, writes: number): string {
  const others = writes > notRetried ? ` (${writes} writes in all; nginx retries PUT/DELETE like GETs)` : '';
  return (
    `${countOf(notRetried, 'POST/PATCH/LOCK request')} got a 502 during the incident${others}. nginx never passes these to another peer ` +
    'unless `proxy_next_upstream … non_idempotent` is set, and it was NOT added: if the first attempt reached the app before the ' +
    'connection failed, a retry submits it twice (a double order, a double charge). Add non_idempotent only where those endpoints ' +
    'are idempotent (idempotency keys); otherwise the clients must retry those writes.'
  );
}
