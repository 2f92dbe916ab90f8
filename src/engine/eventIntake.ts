/**
 * The engine's Docker-event intake: raw event objects checked and decoded (parse/dockerEvent.ts),
 * kept within --since/--until and the correlation window, de-duplicated (a live stream's history
 * replayed after a reconnect), and the blind spots noted: gaps without events, and how far back
 * the events reach. Every rejected event is counted with its reason, never dropped silently.
 */
import type { ContainerEvent } from '../model/container.js';
import type { EngineCounters } from '../model/snapshot.js';
import { EventStore, type EventGap } from '../correlate/eventStore.js';
import type { CorrelationWindow } from '../correlate/facts.js';
import { gapSentence } from '../diagnose/eventGaps.js';
import { decodeDockerEvent, decodeEventGapMarker } from '../parse/dockerEvent.js';
import { eventObjectProblem } from '../parse/dockerEventLine.js';
import type { InvalidEventReason } from '../model/snapshot.js';
import type { LatestTimes } from '../scan/lineScreen.js';

export interface EventBounds {
  since: number | null;
  until: number | null;
  window: CorrelationWindow;
  /** Container events kept (in all; the store also bounds each container). */
  maxEvents?: number;
}

export class EventIntake {
  readonly store: EventStore;
  /** Earliest time every Docker event is known from: the oldest one seen, or what a source says (noteFrom). */
  from: number | null = null;

  /**
   * `counters` and `times` are the engine's own (shared with its line intake); `changed` is called
   * on every change that can alter a diagnosis.
   */
  constructor(
    private readonly bounds: EventBounds,
    private readonly counters: EngineCounters,
    private readonly times: LatestTimes,
    private readonly changed: () => void,
  ) {
    this.store = new EventStore(bounds.maxEvents !== undefined ? { total: bounds.maxEvents } : {});
  }

  /** One raw event object (or a recording's gap marker); returns the event kept, else null. */
  ingest(raw: unknown): ContainerEvent | null {
    const gap = decodeEventGapMarker(raw);
    if (gap) {
      this.addGap({ ...gap, reason: 'marked in the events recording' });
      return null;
    }
    const problem = eventObjectProblem(raw);
    if (problem) {
      this.countInvalid(problem);
      return null;
    }
    const decoded = decodeDockerEvent(raw);
    if (!decoded.ok) {
      if (decoded.ignored) this.counters.ignoredEvents++;
      else this.countInvalid(decoded.code);
      return null;
    }
    this.add(decoded.event);
    return decoded.event;
  }

  /** Counts an invalid event by its reason: rejected before decoding (not JSON, too large, too deeply nested: parse/dockerEventLine.ts) or by the decoder. */
  countInvalid(reason: InvalidEventReason = 'not-json'): void {
    this.counters.invalidEvents++;
    this.counters.invalidEventReasons[reason] = (this.counters.invalidEventReasons[reason] ?? 0) + 1;
    // An event that cannot be placed in time may be any burst's: the diagnoses say so (unplaced).
    if (reason === 'implausible-time') this.changed();
  }

  /** Events rejected for a time that is not a Docker time: read, but placed nowhere. */
  get unplaced(): number {
    return this.counters.invalidEventReasons['implausible-time'] ?? 0;
  }

  /** Counts an event skipped before decoding (parse/dockerEvent.ts isIgnoredEventLine): what `ingest` counts it as. */
  countIgnored(): void {
    this.counters.ignoredEvents++;
  }

  /** An interval without Docker events (live: the stream was lost; a recording's marker). */
  addGap(gap: EventGap): void {
    this.store.addGap(gap);
    this.changed();
  }

  add(event: ContainerEvent): void {
    const { since, until, window } = this.bounds;
    if ((since !== null && event.time < since - window.beforeMs) || (until !== null && event.time > until + window.afterMs)) {
      this.counters.ignoredEvents++;
      return;
    }
    if (!this.store.add(event)) {
      this.counters.duplicateEvents++;
      return;
    }
    this.counters.dockerEvents++;
    this.noteFrom(event.time);
    if (event.time > this.times.latest) this.times.latest = event.time;
    this.changed();
  }

  /** A source's word on how far back its events reach: only an earlier time moves it. */
  noteFrom(time: number): void {
    if (this.from !== null && time >= this.from) return;
    this.from = time;
    this.changed();
  }

  /** The events' blind spots for the report: what the bound dropped, and each gap without events. */
  notes(): string[] {
    const out: string[] = [];
    if (this.store.dropped > 0) out.push(`${this.store.dropped.toLocaleString('en-US')} Docker events beyond the per-container bound were dropped (repeated health states first, then the oldest)`);
    for (const g of this.store.allGaps()) out.push(gapSentence(g));
    return out;
  }
}
