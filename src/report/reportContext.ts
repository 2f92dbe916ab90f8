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
