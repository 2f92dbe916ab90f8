import type { Incident } from '../model/incident.js';
import type { EngineCounters } from '../model/snapshot.js';

/** Everything a postmortem report needs, independent of the format it is written in. */
export interface ReportContext {
  tool: { name: 'restartdoctor'; version: string };
  generatedAt: number;
  tz: string;
  inputs: { logs: string[]; events: string | null; containers: string | null };
  window: { since: number | null; until: number | null };
  counters: EngineCounters & { isolatedErrors: number; droppedBursts: number };
  incidents: Incident[];
  /** Things the reader must know about the run itself (probing off, partial Docker history…). */
  notes: string[];
  /** Text report: colour the fix diffs (decided once by the CLI: MainOptions.color). */
  color?: boolean;
  /** Print fix advice for platforms the evidence does not show too (--all-platforms). */
  allPlatforms?: boolean;
}

/** What a run hands the report: its engine's counts and notes (the engine itself, seen from here). */
interface RunFacts {
  counts(): ReportContext['counters'];
  notes(): string[];
}

/**
 * The one way a report context is built, for the postmortem and for a live session's export:
 * the tool, the engine's counters, and the notes in one order (the run's own, the engine's —
 * bounds, gaps in Docker's history —, then the enrichment's).
 */
export function reportContext(o: Omit<ReportContext, 'tool' | 'counters' | 'notes'> & { engine: RunFacts; version: string; notes: string[]; enrichNotes?: string[] }): ReportContext {
  const { engine, version, notes, enrichNotes = [], ...rest } = o;
  return { ...rest, tool: { name: 'restartdoctor', version }, counters: engine.counts(), notes: [...notes, ...engine.notes(), ...enrichNotes] };
}
