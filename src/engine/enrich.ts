/**
 * After diagnosis: the checklist (probes, only when allowed) and the fix proposal for each
 * incident, attached to the engine so every report shows them. Side effects live in the modules
 * it calls; this file only decides what to run for which incident.
 */
import type { ChecklistResult, Incident } from '../model/incident.js';
import { inferredTimeToReady } from '../diagnose/diagnose.js';
import type { FixInput } from '../fix/index.js';
import type { IncidentEngine } from './incidentEngine.js';
import { dockerOptionsFromUrl } from '../sources/dockerEndpoint.js';

export interface EnrichOptions {
  nginxConf: string | null;
  compose: string | null;
  k8s: string[];
  systemd: string | null;
  /** Postmortem probes nothing unless asked: the upstream may be someone else's machine by now. */
  probe: boolean;
  healthPath: string | null;
  docker: string;
}

/** Runs the checklist once per probed upstream; returns notes for the report. */
export async function runChecklists(engine: IncidentEngine, incidents: Incident[], o: Pick<EnrichOptions, 'healthPath' | 'docker'>): Promise<string[]> {
  const notes: string[] = [];
  // Probing is rare in a postmortem: its modules (and dockerode) load only when asked for.
  const [{ default: Dockerode }, { isProbeAllowed }, { runChecklist }] = await Promise.all([
    import('dockerode'),
    import('../checklist/probeSafety.js'),
    import('../checklist/runChecklist.js'),
  ]);
  const docker = new Dockerode(dockerOptionsFromUrl(o.docker));
  const done = new Map<string, ChecklistResult>();
  for (const i of incidents) {
    const { host, port } = i.burst.upstream;
    if (port === null) continue;
    const key = `${host}:${port}`;
    if (!isProbeAllowed(host, port, engine.probeAllowList())) {
      notes.push(`checklist skipped for ${key}: not an upstream of this nginx nor a local container's address`);
      continue;
    }
    let result = done.get(key);
    if (!result) {
      result = await runChecklist({ host, port, container: i.match?.name ?? null, healthPath: o.healthPath }, { docker, dockerEndpoint: o.docker });
      done.set(key, result);
    }
    engine.attachChecklist(i.id, result);
  }
  return notes;
}

function staleUpstream(configPeer: string, url: string | undefined): FixInput['upstream'] {
  const colon = configPeer.lastIndexOf(':');
  return { host: configPeer.slice(0, colon), port: Number(configPeer.slice(colon + 1)), url };
}

/** What the fix generator needs from an incident: the measured values, not the whole model. */
export function fixInputFor(i: Incident, o: Pick<EnrichOptions, 'nginxConf' | 'compose' | 'k8s' | 'systemd' | 'healthPath'>): FixInput {
  const measured = i.checklist?.timeToListenMs ?? i.checklist?.timeToHealthyMs ?? null;
  const source = i.facts.timeToReady?.source;
  return {
    fixIds: i.diagnosis.fixIds,
    // A stale address: the fix is about the name the config resolved once (`backend`), not the old IP.
    upstream: i.facts.stale ? staleUpstream(i.facts.stale.configPeer, i.burst.upstream.url) : { host: i.burst.upstream.host, port: i.burst.upstream.port, url: i.burst.upstream.url },
    upstreamKey: i.burst.upstreamKey,
    // The workload's compose service (labels of the snapshot or of its events), never a guess.
    service: i.workload?.service ?? i.match?.service ?? null,
    container: i.match?.name ?? null,
    image: i.facts.events.find((e) => e.image)?.image ?? null,
    // Measured by the checklist when it ran, else what the log and events show (start → last error / healthy).
    timeToReadyMs: measured ?? inferredTimeToReady(i.facts),
    timeToReadySource: measured !== null || source === 'probe' ? 'checklist' : source === 'health' ? 'health' : 'log',
    notRetriedLost: i.burst.notRetried,
    writesLost: i.burst.writes,
    nginxConf: o.nginxConf,
    compose: o.compose,
    k8s: o.k8s,
    systemdUnit: o.systemd,
    exitCodes: i.facts.exitCodes,
    healthPath: o.healthPath,
  };
}

export async function proposeFixes(engine: IncidentEngine, o: EnrichOptions): Promise<void> {
  const { proposeFix } = await import('../fix/index.js');
  for (const i of engine.incidents()) engine.attachFix(i.id, await proposeFix(fixInputFor(i, o)));
}

export async function enrichIncidents(engine: IncidentEngine, incidents: Incident[], o: EnrichOptions): Promise<string[]> {
  const notes: string[] = [];
  if (incidents.length === 0) return notes;
  if (o.probe) notes.push(...(await runChecklists(engine, incidents, o)));
  else notes.push('checklist not run: a postmortem probes nothing unless --probe is given');
  await proposeFixes(engine, o);
  return notes;
}
