/**
 * A diagnosis made while Docker events were unavailable for part of its window (the daemon was
 * down, the stream was lost, a recording marks a gap): what happened to the container then is
 * unknown, so the events that are there may belong to an earlier restart. The diagnosis keeps its
 * pattern but says so, and its confidence is halved.
 */
import type { Diagnosis } from '../model/incident.js';
import type { EventGap } from '../correlate/eventStore.js';
import { confidenceLabel } from './diagnose.js';

/** Confidence is multiplied by this when the window overlaps a gap. */
const GAP_CONFIDENCE_FACTOR = 0.5;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The sentence a report shows for one gap. */
export function gapSentence(g: EventGap): string {
  const to = g.to === null ? 'now' : iso(g.to);
  return `Docker events were unavailable from ${iso(g.from)} to ${to} (${g.reason}): what happened to the container then is unknown`;
}

export function withEventGaps(d: Diagnosis, gaps: readonly EventGap[]): Diagnosis {
  if (gaps.length === 0) return d;
  const confidence = Math.round(d.confidence * GAP_CONFIDENCE_FACTOR * 100) / 100;
  return { ...d, confidence, confidenceLabel: confidenceLabel(confidence), reasons: [...d.reasons, ...gaps.map(gapSentence)] };
}
