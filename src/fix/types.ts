/** The fix generator's input: what the diagnosis measured, and the user's config files. */
import type { FixFile } from '../model/incident.js';
import type { ReadySource } from './timing.js';

// The fix vocabulary is the patterns' (patterns/*.json name these ids); one list for both.
import { FIX_IDS as KNOWN_FIX_IDS, type FixId } from '../diagnose/fixIds.js';
export { KNOWN_FIX_IDS, type FixId };

export interface FixInput {
  fixIds: string[];
  upstream: { host: string; port: number | null; url?: string };
  upstreamKey: string;
  service: string | null;
  container: string | null;
  image: string | null;
  /** Start → ready, ms; null = unknown (safe defaults are used and said). */
  timeToReadyMs: number | null;
  /** How it was obtained (said in the notes): watched by the checklist, read off the log, or given. */
  timeToReadySource?: ReadySource;
  /** POST/PATCH/LOCK that got a 502 (nginx never retries them without non_idempotent). */
  notRetriedLost: number;
  /** POST/PUT/PATCH/DELETE that got a 502. */
  writesLost: number;
  nginxConf?: string | null;
  /** nginxConf is a copy of a container's config kept under this folder (absolute includes resolve under it). */
  nginxRoot?: string | null;
  compose?: string | null;
  k8s?: string[];
  systemdUnit?: string | null;
  /** Optional extras (not from the diagnosis model): exit codes seen, for the advice-only fixes. */
  exitCodes?: number[];
  /** The app's health endpoint, when known; probes use `/` (HTTP) or a TCP check without it. */
  healthPath?: string | null;
  /** Diff headers are written relative to this directory (default: the process's). */
  cwd?: string;
}

/** A planner's file: proposeFix gives it the name the reports use (FixFile.displayPath). */
export type PlannedFile = Omit<FixFile, 'displayPath'>;

/** What each file-specific planner returns. */
export interface PlanResult {
  files: PlannedFile[];
  warnings: string[];
  advice: string[];
}

export function isKnownFixId(id: string): id is FixId {
  return (KNOWN_FIX_IDS as readonly string[]).includes(id);
}
