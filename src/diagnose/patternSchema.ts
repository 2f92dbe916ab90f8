/**
 * The shape of a diagnosis rule in `patterns/*.json`. Rules are data so an SRE can read, review
 * and extend them without reading the engine; the zod schema is their contract, and every
 * clause maps to one measured fact in `correlate/facts.ts`.
 */
import { z } from 'zod';
import { UPSTREAM_ERROR_KINDS } from '../model/logRecord.js';
import { PHASES } from '../model/workload.js';
import { parseDuration } from '../util/duration.js';
import { FIX_IDS } from './fixIds.js';

const duration = z.string().refine((s) => parseDuration(s) !== null, { message: 'expected a duration such as "20s" or "1m"' });

/** Every `{placeholder}` a pattern's text may use (patterns/README.md documents each; loadPatterns checks them). */
export const PLACEHOLDERS = [
  'container',
  'service',
  'upstream',
  'scheme',
  'count',
  'kind',
  'kinds',
  'duration',
  'timeToReady',
  'exitCodes',
  'dies',
  'starts',
  'writes',
  'notRetried',
  // From the nginx config (issue 13 items 4–5): empty-handed wording when the facts are absent.
  'group',
  'peers',
  'failTimeout',
  'configPeer',
  'failingAddress',
  'currentAddress',
  'oldOwner',
  'onlyServer',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const whenSchema = z.strictObject({
  /** Share of the burst's errors that are one of these kinds must reach `minKindShare` (default 0.5). */
  kindsAnyOf: z.array(z.enum(UPSTREAM_ERROR_KINDS)).min(1).optional(),
  minKindShare: z.number().min(0).max(1).optional(),
  containerMatched: z.boolean().optional(),
  minDies: z.number().int().min(0).optional(),
  maxDies: z.number().int().min(0).optional(),
  minStarts: z.number().int().min(0).optional(),
  deliberate: z.boolean().optional(),
  stopTimeoutKill: z.boolean().optional(),
  oom: z.boolean().optional(),
  crashExit: z.boolean().optional(),
  freshStart: z.boolean().optional(),
  startAfterFailure: z.boolean().optional(),
  recovered: z.boolean().optional(),
  /** The app took at least this long from `start` to the last error (or to healthy). */
  minTimeToReady: duration.optional(),
  finalState: z.array(z.enum(['running', 'exited', 'unknown'])).min(1).optional(),
  /** The lifecycle phase holding most of the errors (correlate/phases.ts) must be one of these. */
  dominantPhase: z.array(z.enum(PHASES)).min(1).optional(),
  /** The upstream is a unix socket (true) or a TCP address / name (false). */
  unixSocket: z.boolean().optional(),
  /** Every peer (two or more) of the upstream group the burst names restarted in the window (needs the nginx config). */
  allPeersRestarted: z.boolean().optional(),
  /** nginx dialled an address the workload its config names no longer has, after a recreate (needs the nginx config). */
  staleAddress: z.boolean().optional(),
});
export type PatternWhen = z.infer<typeof whenSchema>;

export const patternSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'lowercase words joined by "-"' }),
  title: z.string().min(3),
  /** One line with {placeholders} filled from the incident. */
  summary: z.string().min(3),
  /** Several sentences: what happened and why, with {placeholders}. */
  explanation: z.string().min(3),
  /** Higher wins when several patterns match one burst. */
  priority: z.number().int(),
  /** Confidence when every clause holds and the container link is certain (0..1). */
  confidence: z.number().min(0).max(1),
  /** Multiplier when no container is linked to the upstream (log-only evidence). */
  unmatchedFactor: z.number().min(0).max(1).default(0.6),
  /** A fallback matches every burst; exactly one pattern should be the fallback. */
  fallback: z.boolean().default(false),
  when: whenSchema,
  fixes: z.array(z.enum(FIX_IDS)),
});
export type Pattern = z.infer<typeof patternSchema>;
