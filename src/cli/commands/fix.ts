/**
 * `restartdoctor fix --nginx-conf FILE [--compose FILE] [--k8s FILE]... [--systemd FILE]
 *  --upstream HOST:PORT [--service NAME] [--time-to-ready 8s] [--lost-posts N] [--apply]`
 * Thin shell over proposeFix/applyFix: parses flags, prints diffs, notes, warnings and advice.
 * Exit 0 when the proposal is printed (or applied), 1 when --apply had to fail or roll back a file,
 * 2 on bad usage or an unreadable file.
 */
import path from 'node:path';
import { z } from 'zod';
import { applyFix } from '../../fix/apply.js';
import { proposeFix } from '../../fix/propose.js';
import type { FixInput } from '../../fix/types.js';
import { parseAddress } from '../../fix/nginx/query.js';
import type { FixProposal } from '../../model/incident.js';
import { analyze, judgedWarnings } from '../../session/analyze.js';
import { expandLogArgs } from '../../sources/logSet.js';
import { sanitizeForTerminal as safe } from '../../util/sanitize.js';
import { fixInputFor } from '../../session/enrich.js';
import { UsageError, UserError } from '../../util/errors.js';
import { loadPatternsOrExplain } from '../patternsOption.js';
import { EXIT } from '../../util/exitCodes.js';
import { FIX_FLAGS } from '../commandFlags.js';
import { parseFlags, timeZoneOf } from '../flags.js';
import { commandHelp } from '../help.js';
import type { CliIo, Command } from '../io.js';
import { readDuration } from '../../util/duration.js';
import { fixFileName } from '../../report/diffView.js';
import { JSON_SCHEMA_VERSION } from '../../report/jsonText.js';
import { countOf } from '../../util/plural.js';

const DEFAULT_FIXES = [
  'nginx-retry',
  'nginx-keepalive',
  'nginx-backup-peer',
  'compose-healthcheck',
  'compose-depends-on-healthy',
  'compose-restart-policy',
  'k8s-probes',
  'supervisor-grace',
];

const count = (flag: string) =>
  z
    .string()
    .regex(/^\d+$/, `${flag}: expected a whole number`)
    .transform(Number)
    .optional();

const FlagsSchema = z.object({
  upstream: z.string().min(1, '--upstream needs HOST:PORT').optional(),
  log: z.array(z.string()).optional(),
  events: z.string().optional(),
  containers: z.string().optional(),
  tz: z.string().optional(),
  incident: count('--incident'),
  'nginx-conf': z.string().optional(),
  compose: z.string().optional(),
  k8s: z.array(z.string()).optional(),
  systemd: z.string().optional(),
  service: z.string().optional(),
  image: z.string().optional(),
  'time-to-ready': z.string().optional(),
  'lost-posts': count('--lost-posts'),
  'lost-writes': count('--lost-writes'),
  'health-path': z.string().startsWith('/', '--health-path must start with /').optional(),
  fix: z.array(z.string()).optional(),
  apply: z.boolean().optional(),
  force: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** Where the incident values come from when `--log` is given instead of `--upstream`. */
export interface FixFromLog {
  logs: string[];
  events: string | null;
  containers: string | null;
  tz: string | null;
  incident: number | null;
}

export function parseFixArgs(argv: string[], cwd: string): FixInput & { apply: boolean; force: boolean; json: boolean; help: boolean; fromLog: FixFromLog | null } {
  const { values } = parseFlags(argv, FIX_FLAGS, { command: 'fix' });
  if (values.help) return { help: true, apply: false, force: false, json: false, fromLog: null } as ReturnType<typeof parseFixArgs>;
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`fix: ${parsed.error.issues[0]?.message ?? 'invalid flags'}`, 'run `restartdoctor fix --help`');
  const f = parsed.data;
  if (!f.upstream && !f.log) throw new UsageError('fix: pass --upstream HOST:PORT, or --log FILE to take it from the diagnosed incident', 'run `restartdoctor fix --help`');
  // Two sources of one value: --log takes the upstream (and service, image, time to ready) from the
  // incident, --upstream gives them by hand. Taking one would drop the other silently.
  if (f.upstream && f.log) throw new UsageError('fix: --upstream and --log both name the upstream: give --upstream HOST:PORT, or --log FILE to take it from the diagnosed incident', 'with several incidents in the log, --incident N picks one');
  const logOnly = (['events', 'containers', 'incident'] as const).find((k) => f[k] !== undefined);
  if (!f.log && logOnly) throw new UsageError(`fix: --${logOnly} is read with --log FILE only (it finds the incident there)`, 'run `restartdoctor fix --help`');
  const fromLog: FixFromLog | null = f.log
    ? { logs: f.log, events: f.events ?? null, containers: f.containers ?? null, tz: f.tz ?? null, incident: f.incident ?? null }
    : null;
  const upstreamText = f.upstream ?? '0.0.0.0:1'; // replaced by the incident's upstream when fromLog
  const address = parseAddress(upstreamText.replace(/^https?:\/\//, '').replace(/\/.*$/, ''));
  if (!address) throw new UsageError(`fix: --upstream: expected HOST:PORT or an upstream name, got "${f.upstream}"`);
  let timeToReadyMs: number | null = null;
  if (f['time-to-ready'] !== undefined) timeToReadyMs = readDuration('--time-to-ready', f['time-to-ready']);
  // By default, the fixes for the files given (all of them, as advice, when no file is given).
  const given = DEFAULT_FIXES.filter((id) =>
    id.startsWith('nginx-') ? !!f['nginx-conf'] : id.startsWith('compose-') ? !!f.compose : id === 'k8s-probes' ? (f.k8s ?? []).length > 0 : !!f.systemd,
  );
  const fixIds = (f.fix ?? (given.length > 0 ? given : DEFAULT_FIXES)).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const lostPosts = f['lost-posts'] ?? 0;
  return {
    help: false,
    fromLog,
    apply: f.apply ?? false,
    force: f.force ?? false,
    json: f.json ?? false,
    fixIds,
    upstream: { host: address.host, port: address.port },
    upstreamKey: address.port === null ? address.host : `${address.host}:${address.port}`,
    service: f.service ?? null,
    container: f.service ?? null,
    image: f.image ?? null,
    timeToReadyMs,
    notRetriedLost: lostPosts,
    writesLost: Math.max(f['lost-writes'] ?? 0, lostPosts),
    nginxConf: f['nginx-conf'] ?? null,
    compose: f.compose ?? null,
    k8s: f.k8s ?? [],
    systemdUnit: f.systemd ?? null,
    healthPath: f['health-path'] ?? null,
    cwd,
  };
}

export function formatProposal(p: FixProposal): string {
  const out: string[] = [];
  for (const file of p.files) {
    out.push(file.diff ? file.diff.replace(/\n?$/, '\n') : `${fixFileName(file)}: no change needed\n`);
    for (const n of file.notes) out.push(`  note: ${n}\n`);
    out.push('\n');
  }
  // `fix` prints the advice for every platform: the fix ids asked for are the filter here.
  for (const a of [...p.advice, ...(p.otherPlatformAdvice ?? [])]) out.push(`advice: ${a}\n`);
  for (const w of p.warnings) out.push(`warning: ${w}\n`);
  return out.join('');
}

/**
 * The incident's measured values (upstream, service, image, time to ready, lost requests, the
 * diagnosis's fix ids) with the user's config paths and explicit flags on top.
 */
async function inputFromIncident(from: FixFromLog, flags: FixInput, argv: string[], io: CliIo): Promise<FixInput> {
  const tz = timeZoneOf(from.tz ?? undefined, io.env);
  const logs = expandLogArgs(from.logs, (note) => io.stderr.write(`restartdoctor fix: ${safe(note)}\n`));
  const analysis = await analyze({ logs, stdin: io.stdin, events: from.events, containers: from.containers, tz, patterns: loadPatternsOrExplain(null) });
  // Judged as the postmortem judges it: an empty or binary log is "can't tell" (exit 2), not "nothing to fix".
  for (const w of judgedWarnings(analysis, { since: null, until: null, tz })) io.stderr.write(`restartdoctor fix: warning: ${safe(w)}\n`);
  const { incidents } = analysis;
  if (incidents.length === 0) throw new UserError(`fix: no incident found in ${from.logs.join(', ')}: nothing to fix`, null, EXIT.ok);
  const n = from.incident ?? incidents.length;
  const incident = incidents[n - 1];
  if (!incident) throw new UsageError(`fix: --incident ${n}: the log has ${countOf(incidents.length, 'incident')}`);
  io.stderr.write(`restartdoctor fix: incident ${n} of ${incidents.length}: ${incident.diagnosis.patternId} on ${incident.burst.upstreamKey}\n`);
  const fromIncident = fixInputFor(incident, { nginxConf: flags.nginxConf ?? null, compose: flags.compose ?? null, k8s: flags.k8s ?? [], systemd: flags.systemdUnit ?? null, healthPath: flags.healthPath ?? null });
  const given = (flag: string) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  return {
    ...fromIncident,
    cwd: flags.cwd,
    image: given('--image') ? flags.image : fromIncident.image,
    service: given('--service') ? flags.service : fromIncident.service,
    timeToReadyMs: given('--time-to-ready') ? flags.timeToReadyMs : fromIncident.timeToReadyMs,
    timeToReadySource: given('--time-to-ready') ? 'given' : fromIncident.timeToReadySource,
    fixIds: given('--fix') ? flags.fixIds : fromIncident.fixIds,
  };
}

export const fixCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const args = parseFixArgs(argv, io.cwd);
  if (args.help) {
    io.stdout.write(commandHelp('fix'));
    return EXIT.ok;
  }
  if (!args.nginxConf && !args.compose && (args.k8s ?? []).length === 0 && !args.systemdUnit) {
    io.stderr.write('restartdoctor fix: no config file given; printing advice only (pass --nginx-conf/--compose/--k8s for diffs)\n');
  }
  const { apply, force, json, help: _help, fromLog, ...flags } = args;
  const input = fromLog ? await inputFromIncident(fromLog, flags, argv, io) : flags;
  const proposal = await proposeFix(input);
  if (json) io.stdout.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...proposal }, null, 2)}\n`);
  else io.stdout.write(formatProposal(proposal));
  if (!apply) return EXIT.ok;
  const result = await applyFix(proposal, { backup: true, force, now: io.now, nginxConf: input.nginxConf ? path.resolve(io.cwd, input.nginxConf) : null });
  for (const r of result.files) io.stderr.write(`${r.status}: ${r.path}: ${r.message}\n`);
  return result.ok ? EXIT.ok : EXIT.found;
};
