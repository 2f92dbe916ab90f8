/**
 * The closed bursts the engine keeps (at most `max`, the oldest summarised away as a count), each
 * one's diagnosed incident cached until something that can change every diagnosis happens (a
 * `version` bump: events, containers, a new upstream) or its own `recovered` changes (the log
 * went on past it), and what was attached to it (checklist, fix).
 */
import type { Burst, ChecklistResult, FixProposal, Incident } from '../model/incident.js';

interface CachedIncident {
  readonly version: number;
  readonly recovered: boolean;
  /** Replaced (not mutated) when a checklist or fix is attached. */
  incident: Incident;
}

export class KeptIncidents {
  /** Oldest first. */
  readonly bursts: Burst[] = [];
  /** Bursts dropped from memory by the bound, summarised as counts. */
  dropped = 0;
  private readonly checklists = new Map<string, ChecklistResult>();
  private readonly fixes = new Map<string, FixProposal>();
  private readonly cache = new Map<string, CachedIncident>();

  constructor(private readonly max: number) {}

  keep(b: Burst): void {
    this.bursts.push(b);
    if (this.bursts.length > this.max) {
      const old = this.bursts.shift()!;
      this.cache.delete(old.id);
      this.checklists.delete(old.id);
      this.fixes.delete(old.id);
      this.dropped++;
    }
  }

  /** `b`'s incident as diagnosed at `version` and `recovered`: the cached one, or `diagnose(b)` (then cached). */
  incidentFor(b: Burst, version: number, recovered: boolean, diagnose: (b: Burst) => Incident): Incident {
    const cached = this.cache.get(b.id);
    if (cached && cached.version === version && cached.recovered === recovered) return cached.incident;
    const incident = diagnose(b);
    this.cache.set(b.id, { version, recovered, incident });
    return incident;
  }

  /** What was attached to incident `id`, for a fresh diagnosis of it. */
  attachments(id: string): { checklist: ChecklistResult | null; fix: FixProposal | null } {
    return { checklist: this.checklists.get(id) ?? null, fix: this.fixes.get(id) ?? null };
  }

  attachChecklist(id: string, result: ChecklistResult): void {
    this.checklists.set(id, result);
    // Its measured time to ready is the incident's one time to ready: this incident is diagnosed again.
    this.cache.delete(id);
  }

  // A fix changes nothing a diagnosis reads: the cached incident only takes it on (a fix attached
  // to each of 1,000 incidents would otherwise re-diagnose all of them 1,000 times).
  attachFix(id: string, fix: FixProposal): void {
    this.fixes.set(id, fix);
    this.refresh(id);
  }

  private refresh(id: string): void {
    const cached = this.cache.get(id);
    if (cached) cached.incident = { ...cached.incident, ...this.attachments(id) };
  }
}
