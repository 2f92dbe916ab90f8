/**
 * Flags of the main command (postmortem and live share them): util.parseArgs for the syntax,
 * zod for the values, chrono-node for human times. Every problem is one UsageError line.
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { assertTimeZone, systemTimeZone, zoneOffsetMs } from '../parse/localTime.js';
import { parseDuration } from '../util/duration.js';
import type { EnrichOptions } from '../engine/enrich.js';
import { DEFAULT_DOCKER_ENDPOINT } from '../sources/dockerEndpoint.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

export const MAIN_FLAGS = {
  log: { type: 'string', multiple: true },
  events: { type: 'string' },
  containers: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  tz: { type: 'string' },
  'burst-gap': { type: 'string' },
  'min-errors': { type: 'string' },
  patterns: { type: 'string' },
  json: { type: 'boolean' },
  export: { type: 'string' },
  'nginx-conf': { type: 'string' },
  compose: { type: 'string' },
  k8s: { type: 'string', multiple: true },
  systemd: { type: 'string' },
  'all-platforms': { type: 'boolean' },
  probe: { type: 'boolean' },
  'health-path': { type: 'string' },
  follow: { type: 'boolean' },
  docker: { type: 'string' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  from: { type: 'string' },
  'no-tui': { type: 'boolean' },
  'no-color': { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export type Mode = 'postmortem' | 'live' | 'replay';

/** The flags of the main command; the config paths, probing and Docker endpoint are enrich's. */
export interface MainOptions extends EnrichOptions {
  mode: Mode;
  logs: string[];
  events: string | null;
  containers: string | null;
  since: number | null;
  until: number | null;
  tz: string;
  burstGapMs: number;
  minErrors: number;
  patternsDir: string | null;
  json: boolean;
  exportPath: string | null;
  replay: string | null;
  speed: number;
  /** `--from TIME` of a replay, read against the recording's own date once it is loaded. */
  replayFrom: string | null;
  noTui: boolean;
  color: boolean;
  /** Fix advice for every platform, not only those the evidence shows. */
  allPlatforms: boolean;
  progress: boolean;
  help: boolean;
  version: boolean;
}

export const DEFAULT_LOG = '/var/log/nginx/error.log';

const durationFlag = (flag: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `${flag} "${s}": expected a duration such as 5s, 500ms or 1m` });
        return z.NEVER;
      }
      return ms;
    });

const valuesSchema = z.object({
  'burst-gap': durationFlag('--burst-gap').optional(),
  'min-errors': z.coerce.number({ message: '--min-errors: expected a whole number ≥ 1' }).int('--min-errors: expected a whole number ≥ 1').min(1, '--min-errors: expected a whole number ≥ 1').optional(),
  speed: z.coerce.number({ message: '--speed: expected a number > 0' }).positive('--speed: expected a number > 0').max(10_000, '--speed: at most 10000').optional(),
});

/**
 * A human time for --since/--until, read in the log's zone: "2024-01-15 03:00", "2 hours ago",
 * "yesterday 14:00". --until may be relative to --since ("1 hour later").
 */
export function parseHumanTime(flag: string, text: string, tz: string, ref: number): number {
  // Loaded only when a time is given: chrono's locale tables cost half a second of start-up.
  const chrono = createRequire(import.meta.url)('chrono-node') as typeof import('chrono-node');
  const parseAt = (offsetAt: number): Date | null =>
    chrono.parseDate(text, { instant: new Date(ref), timezone: Math.round(zoneOffsetMs(offsetAt, tz) / 60_000) });
  const first = parseAt(ref);
  if (!first) throw new UsageError(`${flag} "${text}": not a time I can read`, 'try "2024-01-15 03:00", "2 hours ago" or "yesterday 14:00"');
  // The zone's offset at the date being read, not at `ref`: a summer date read in winter differs by an hour.
  const second = parseAt(first.getTime());
  return (second ?? first).getTime();
}

export function parseMainOptions(argv: string[], io: CliIo): MainOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: MAIN_FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/^TypeError \[\w+\]: /, ''));
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, 'logs are passed with --log FILE (or piped on stdin)');
  }
  const checked = valuesSchema.safeParse(v);
  if (!checked.success) throw new UsageError(checked.error.issues[0]!.message);

  const tz = v.tz ?? io.env.TZ ?? systemTimeZone();
  try {
    assertTimeZone(tz);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  const stdinPiped = io.stdin.isTTY !== true;
  const live = Boolean(v.follow || v.docker) || (!v.log && !stdinPiped && !v.replay && !v.events);
  const mode: Mode = v.replay ? 'replay' : live ? 'live' : 'postmortem';
  let logs = v.log ?? [];
  if (logs.length === 0) logs = mode === 'postmortem' ? (stdinPiped ? ['-'] : []) : mode === 'live' ? [DEFAULT_LOG] : [];
  if (mode === 'postmortem' && logs.length === 0 && !v.help && !v.version) {
    throw new UsageError('no log to read', 'pass --log FILE, or pipe a log: cat error.log | restartdoctor');
  }

  const now = io.now();
  const since = v.since ? parseHumanTime('--since', v.since, tz, now) : null;
  const until = v.until ? parseHumanTime('--until', v.until, tz, since ?? now) : null;
  if (since !== null && until !== null && until <= since) {
    throw new UsageError(`--until (${new Date(until).toISOString()}) is not after --since (${new Date(since).toISOString()})`);
  }
  if (v.from !== undefined && !v.replay) throw new UsageError('--from only applies to --replay DIR', 'to read a log from a time use --since TIME');
  if (v.export !== undefined && v.export.trim() === '') throw new UsageError('--export needs a file name, e.g. --export incident.md');

  const noColor = v['no-color'] === true || v.json === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.env.TERM === 'dumb';
  return {
    mode,
    logs,
    events: v.events ?? null,
    containers: v.containers ?? null,
    since,
    until,
    tz,
    burstGapMs: checked.data['burst-gap'] ?? 5_000,
    minErrors: checked.data['min-errors'] ?? 3,
    patternsDir: v.patterns ?? null,
    json: v.json === true,
    exportPath: v.export ?? null,
    nginxConf: v['nginx-conf'] ?? null,
    compose: v.compose ?? null,
    k8s: v.k8s ?? [],
    systemd: v.systemd ?? null,
    probe: v.probe === true,
    healthPath: v['health-path'] ?? null,
    docker: v.docker ?? DEFAULT_DOCKER_ENDPOINT,
    replay: v.replay ?? null,
    speed: checked.data.speed ?? 1,
    replayFrom: v.from ?? null,
    // Decided once: the full screen needs a terminal on stdout (a CI job, a pipe, journald get lines).
    noTui: v['no-tui'] === true || io.stdout.isTTY !== true,
    color: !noColor && io.stdout.isTTY === true,
    allPlatforms: v['all-platforms'] === true,
    progress: v.progress === true,
    help: v.help === true,
    version: v.version === true,
  };
}
