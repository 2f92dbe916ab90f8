/**
 * After diagnosis: the checklist (probes, only when allowed) and the fix proposal for each
 * incident, attached to the engine so every report shows them. Side effects live in the modules
 * it calls; this file only decides what to run for which incident.
 */
import type { ChecklistResult, FixProposal, Incident } from '../model/incident.js';
import { inferredTimeToReady } from '../diagnose/diagnose.js';
import type { FixInput } from '../fix/index.js';
import type { IncidentEngine } from './incidentEngine.js';
import { resolveDockerEndpoint, type DockerEnv } from '../sources/dockerEndpoint.js';

export interface EnrichOptions {
  nginxConf: string | null;
  compose: string | null;
  k8s: string[];
  systemd: string | null;
  /** Postmortem probes nothing unless asked: the upstream may be someone else's machine by now. */
  probe: boolean;
  healthPath: string | null;
  docker: string;
  /** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH (and HOME) for a tcp:// endpoint; DOCKER_HOST is already in `docker`. */
  dockerEnv?: DockerEnv;
  /**
   * nginxConf is a copy of a container's config (sources/containerConfig.ts) kept under
   * `nginxRoot`: the fix names the container's path and says where to apply it.
   */
  nginxRoot?: string | null;
  nginxConfContainer?: string | null;
}

/** Runs the checklist once per probed upstream; returns notes for the report. */
async function runChecklists(engine: IncidentEngine, incidents: Incident[], o: Pick<EnrichOptions, 'healthPath' | 'docker' | 'dockerEnv' | 'nginxConf'>): Promise<string[]> {
  const notes: string[] = [];
  // Probing is rare in a postmortem: its modules (and dockerode) load only when asked for.
  const [{ default: Dockerode }, { readConfigPeers }, { probeRefusal }, { runChecklist }] = await Promise.all([
    import('dockerode'),
    import('./probeTargets.js'),
    import('../checklist/probeSafety.js'),
    import('../checklist/runChecklist.js'),
  ]);
  // Only the user's own config and containers say what may be probed, never the log's fields.
  const { config, peers } = readConfigPeers(o.nginxConf);
  const allowed = { upstreams: peers, containers: engine.probeContainers() };
  const docker = new Dockerode(resolveDockerEndpoint(o.docker, o.dockerEnv ?? {}).options);
  const done = new Map<string, ChecklistResult>();
  for (const i of incidents) {
    const { host, port } = i.burst.upstream;
    if (port === null) continue;
    const key = `${host}:${port}`;
    const refusal = probeRefusal(host, port, allowed, config);
    if (refusal) {
      if (!notes.includes(refusal)) notes.push(refusal);
      continue;
    }
    let result = done.get(key);
    if (!result) {
      result = await runChecklist({ host, port, container: i.match?.name ?? null, healthPath: o.healthPath }, { docker, dockerEndpoint: o.docker, events: i.facts.events });
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
export function fixInputFor(i: Incident, o: Pick<EnrichOptions, 'nginxConf' | 'compose' | 'k8s' | 'systemd' | 'healthPath' | 'nginxRoot'>): FixInput {
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
    nginxRoot: o.nginxRoot ?? null,
    compose: o.compose,
    k8s: o.k8s,
    systemdUnit: o.systemd,
    exitCodes: i.facts.exitCodes,
    healthPath: o.healthPath,
  };
}

/**
 * A fix of a container's config copy names the file as the container has it
 * (`NAME:/etc/nginx/nginx.conf`) and says where the change belongs: the image or its bind mount.
 */
export function containerFix(fix: FixProposal, o: Pick<EnrichOptions, 'nginxRoot' | 'nginxConfContainer'>): FixProposal {
  const root = o.nginxRoot;
  const name = o.nginxConfContainer;
  if (!root || !name) return fix;
  const inside = (p: string) => p.split(root).join(`${name}:`);
  return {
    ...fix,
    files: fix.files.map((f) =>
      f.kind !== 'nginx'
        ? f
        : {
            ...f,
            path: inside(f.path),
            // The header may name the copy relative to the working directory (run from /tmp).
            diff: f.diff.replace(/^(---|\+\+\+) (\S+)/gm, (_m, mark: string, p: string) => {
              const at = p.indexOf(`${root.slice(root.lastIndexOf('/') + 1)}/`);
              return `${mark} ${at === -1 ? p : `${name}:${p.slice(at + root.length - root.lastIndexOf('/') - 1)}`}`;
            }),
            notes: [...f.notes, `this is the config inside container ${name} (read through the Docker API): make the change in its image or in the file bind-mounted there, then reload nginx (docker kill -s HUP ${name})`],
          },
    ),
  };
}

/** The fix for one incident, as every mode proposes it. */
export async function fixFor(i: Incident, o: Pick<EnrichOptions, 'nginxConf' | 'compose' | 'k8s' | 'systemd' | 'healthPath' | 'nginxRoot' | 'nginxConfContainer'>): Promise<FixProposal> {
  const { proposeFix } = await import('../fix/index.js');
  return containerFix(await proposeFix(fixInputFor(i, o)), o);
}

async function proposeFixes(engine: IncidentEngine, o: EnrichOptions): Promise<void> {
  for (const i of engine.incidents()) engine.attachFix(i.id, await fixFor(i, o));
}

export async function enrichIncidents(engine: IncidentEngine, incidents: Incident[], o: EnrichOptions): Promise<string[]> {
  const notes: string[] = [];
  if (incidents.length === 0) return notes;
  if (o.probe) notes.push(...(await runChecklists(engine, incidents, o)));
  else notes.push('checklist not run: a postmortem probes nothing unless --probe is given');
  await proposeFixes(engine, o);
  return notes;
}
