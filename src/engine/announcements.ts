/**
 * What live mode prints, and when: an incident is announced once it has closed or settled, and
 * again only if it grew or its verdict changed since (the start event that turns "backend down"
 * into "restart race" arriving after the first line).
 */
import type { Burst, Incident } from '../model/incident.js';

export class Announcements {
  /** Incident id → what was last announced (count, diagnosis, container, workload, contributing causes). */
  private readonly said = new Map<string, string>();

  constructor(
    private readonly gapMs: number,
    private readonly maxIncidents: number,
  ) {}

  /**
   * Of the kept (`closed`) and provisional (`open`) incidents, those to print at `now`.
   * `keptIds`: the bursts still kept, when the memory of what was said needs trimming.
   */
  take(closed: readonly Incident[], open: readonly Incident[], now: number, keptIds: () => Iterable<string>): Incident[] {
    const ready = [...closed, ...open.filter((i) => this.settled(i.burst, now))];
    const out: Incident[] = [];
    for (const i of ready) {
      const said = `${i.burst.count} ${i.diagnosis.patternId} ${i.match?.name ?? '-'} ${i.workload?.key ?? '-'} ${(i.diagnosis.contributing ?? []).map((c) => c.id).join(',')}`;
      if (this.said.get(i.id) === said) continue;
      this.said.set(i.id, said);
      out.push(i);
    }
    if (this.said.size > this.maxIncidents * 2) {
      const keep = new Set(keptIds());
      for (const id of this.said.keys()) if (!keep.has(id)) this.said.delete(id);
    }
    return out;
  }

  /**
   * A burst has settled when it has been quiet for three times its own mean error spacing
   * (at least 1 s, at most the gap): under steady traffic that is about a second after the last
   * error, so live mode can announce an incident long before the gap closes it.
   */
  private settled(b: Burst, now: number): boolean {
    const spacing = b.count > 1 ? (b.last - b.first) / (b.count - 1) : this.gapMs;
    const quiet = Math.min(this.gapMs, Math.max(1000, 3 * spacing));
    return now - b.last >= quiet;
  }
}
