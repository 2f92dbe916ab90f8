/**
 * After diagnosis: the checklist (probes, only when allowed) and the fix proposal for each
 * incident, attached to the engine so every report shows them. One Enricher for the postmortem
 * and for live mode and replay, so both run the same steps and say the same sentences; side
 * effects live in the modules it calls, this file only decides what to run for which incident.
 */
import type Dockerode from 'dockerode';
import type { ChecklistResult, FixProposal, Incident } from '../model/incident.js';
import { inferredTimeToReady } from '../diagnose/diagnose.js';
import type { ConfigReads, FixInput } from '../fix/index.js';
import type { IncidentEngine } from '../engine/incidentEngine.js';
import { resolveDockerEndpoint, type DockerEnv } from '../sources/dockerEndpoint.js';
import { oneLine } from '../util/errors.js';

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

/** What the enricher says, in every mode: a postmortem's report notes, live mode's lines. */
export const ENRICH_SAYS = {
  noPort: 'no port to probe for this upstream',
  notProbed: 'checklist not run: a postmortem probes nothing unless --probe is given',
  failed: (step: 'checklist' | 'fix', id: string, err: unknown) => `${step} of incident ${id} failed: ${oneLine(err)}`,
};

/** How long the checklist watches a restarted app for readiness before judging it (live mode). */
const WATCH_READY_MS = 60_000;

export interface EnricherHooks {
  /** A sentence the reader must see: a refused probe (the same one once per upstream in a postmortem). */
  say?: (text: string) => void;
  /** A checklist ran and was attached (live lines print it). */
  onChecklist?: (i: Incident, result: ChecklistResult) => void;
  /** The engine's incidents changed (a checklist or a fix was attached): redraw. */
  onChange?: () => void;
}

/**
 * The checklist and the fix of incidents, attached to `engine`. Probes only what the user's own
 * config and containers allow (probeTargets.ts), never an address a log line names.
 */
export class Enricher {
  private docker: Promise<{ client: Dockerode; label: string }> | null = null;
  /** A postmortem probes each upstream once, however many incidents it had. */
  private readonly byUpstream = new Map<string, Promise<ChecklistResult | string>>();
  /** While a postmortem's enrichment runs (all): its report notes, each sentence once. */
  private notes: string[] | null = null;

  constructor(
    private readonly engine: IncidentEngine,
    private readonly o: EnrichOptions,
    private readonly hooks: EnricherHooks = {},
  ) {}

  /**
   * Runs the checklist for `i` and attaches it; returns its conclusion, or why it did not run.
   * `watchFrom`: started while the app comes back, it watches it get ready, timed from the
   * container's start event. `reuse`: a result for the same upstream this run is taken as is.
   */
  async checklist(i: Incident, opts: { watchFrom?: number | null; reuse?: boolean } = {}): Promise<string> {
    const { host, port } = i.burst.upstream;
    if (port === null) return ENRICH_SAYS.noPort;
    const key = `${host}:${port}`;
    let run = opts.reuse ? this.byUpstream.get(key) : undefined;
    if (!run) {
      run = this.probe(i, host, port, opts.watchFrom ?? null);
      if (opts.reuse) this.byUpstream.set(key, run);
    }
    const result = await run;
    if (typeof result === 'string') return result;
    this.engine.attachChecklist(i.id, result);
    this.hooks.onChange?.();
    this.hooks.onChecklist?.(i, result);
    return result.conclusion;
  }

  /** The refusal (said once per run of it), or the checklist's result. */
  private async probe(i: Incident, host: string, port: number, watchFrom: number | null): Promise<ChecklistResult | string> {
    // Probing is rare in a postmortem: its modules (and dockerode) load only when asked for.
    const [{ probeTargetRefusal }, { runChecklist }] = await Promise.all([import('./probeTargets.js'), import('../checklist/runChecklist.js')]);
    // Read at each decision: a config edited while live mode runs counts at the next probe.
    const refusal = probeTargetRefusal(host, port, this.engine.probeContainers(), this.o.nginxConf);
    if (refusal) {
      this.say(refusal);
      return refusal;
    }
    this.docker ??= import('dockerode').then(({ default: Docker }) => {
      const endpoint = resolveDockerEndpoint(this.o.docker, this.o.dockerEnv ?? {});
      return { client: new Docker(endpoint.options), label: endpoint.label };
    });
    const docker = await this.docker;
    const watch = watchFrom !== null ? { waitReadyMs: WATCH_READY_MS, startMs: watchFrom } : {};
    return runChecklist({ host, port, container: i.match?.name ?? null, healthPath: this.o.healthPath }, { docker: docker.client, dockerEndpoint: docker.label, events: i.facts.events, ...watch });
  }

  /** Proposes the fix for `i` as the engine sees it now (a checklist that ran has measured the time to ready) and attaches it. */
  async fix(i: Incident): Promise<void> {
    const now = this.engine.incidents().find((x) => x.id === i.id) ?? i;
    this.engine.attachFix(now.id, await fixFor(now, this.o));
    this.hooks.onChange?.();
  }

  /**
   * A postmortem's enrichment of every incident: the checklist only with --probe (each upstream
   * once), then the fixes. Returns the notes for the report.
   */
  async all(incidents: Incident[]): Promise<string[]> {
    if (incidents.length === 0) return [];
    const notes: string[] = (this.notes = []);
    try {
      if (!this.o.probe) this.say(ENRICH_SAYS.notProbed);
      else for (const i of incidents) await this.checklist(i, { reuse: true });
    } finally {
      this.notes = null;
    }
    // One pass: the config files are read once for all of its incidents, not once each.
    const { ConfigReads } = await fixModuleLoaded();
    const reads = new ConfigReads();
    for (const i of this.engine.incidents()) this.engine.attachFix(i.id, await fixFor(i, this.o, reads));
    return notes;
  }

  /** A sentence for the reader: a note of the postmortem's report (once), else the hook's line. */
  private say(text: string): void {
    if (!this.notes) this.hooks.say?.(text);
    else if (!this.notes.includes(text)) this.notes.push(text);
  }
}

// The fix generator loads on the first fix only; asked for once, not by an import() per incident
// (each goes through the module loader again, 1,000 times for a postmortem of 1,000 incidents).
let fixModule: Promise<typeof import('../fix/index.js')> | null = null;

function fixModuleLoaded(): Promise<typeof import('../fix/index.js')> {
  return (fixModule ??= import('../fix/index.js'));
}

/** The fix for one incident, as every mode proposes it; `reads`: a pass's config files, read once for it. */
async function fixFor(i: Incident, o: Pick<EnrichOptions, 'nginxConf' | 'compose' | 'k8s' | 'systemd' | 'healthPath' | 'nginxRoot' | 'nginxConfContainer'>, reads?: ConfigReads): Promise<FixProposal> {
  const { proposeFix } = await fixModuleLoaded();
  return containerFix(await proposeFix(fixInputFor(i, o), reads), o);
}
