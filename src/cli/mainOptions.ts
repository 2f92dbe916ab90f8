/**
 * Flags of the main command (postmortem, live and replay share them): a table of data that
 * flags.ts reads the line with and help.ts prints, zod for the values, values.ts for times and
 * durations. Every problem is one UsageError line. The global flags (--json, --no-color, --tz,
 * --docker, --help, --version) are flags.ts's GLOBAL_FLAGS.
 */
import { createRequire } from 'node:module';
import type { EnrichOptions } from '../session/enrich.js';
import { dockerHostSpec } from '../sources/dockerEndpoint.js';
import { UsageError } from '../util/errors.js';
import { refuseExportOverInputs } from '../util/sameFile.js';
import { expandLogArgs } from '../sources/logSet.js';
import { parseFlags, timeZoneOf, type FlagTable } from './flags.js';
import { wantsColor, type CliIo } from './io.js';
import { readDuration } from '../util/duration.js';
import { readTime } from './values.js';

export const MAIN_FLAGS = {
  log: { type: 'string', multiple: true, arg: 'FILE', group: 'Input', help: 'nginx error log (repeatable; "-" is stdin); \'DIR/error.log*\' or DIR: a rotated set, oldest first; gzip read as is; docker/compose/kubectl/journald/syslog lines too (README: Sources)' },
  events: { type: 'string', arg: 'FILE', group: 'Input', help: "Docker events: `docker events --since … --format '{{json .}}'` or /events JSON" },
  'nginx-container': { type: 'string', arg: 'NAME', group: 'Input', help: "nginx's log from this container, through the Docker API (demultiplexed, timestamped); a postmortem, or live with --follow/--docker; its /etc/nginx is the config the fix diffs" },
  containers: { type: 'string', arg: 'FILE', group: 'Input', help: '`docker inspect` output of the containers (port bindings, IPs, healthchecks)' },
  since: { type: 'string', arg: 'TIME', group: 'Input', help: 'only from TIME: 10m, 2h, 1d (ago), RFC 3339, epoch seconds, "2 hours ago", "2024-01-15 03:00" (read in --tz); live mode reads the log and Docker\'s events back from then (default 15 minutes ago) before following' },
  until: { type: 'string', arg: 'TIME', group: 'Input', help: 'only up to TIME (same forms); may be relative to --since: "1 hour later"' },
  'burst-gap': { type: 'string', arg: 'DUR', group: 'Detection', help: 'errors further apart than this start a new burst (default 5s)' },
  'min-errors': { type: 'string', arg: 'N', group: 'Detection', help: 'smallest burst that is an incident (default 3)' },
  patterns: { type: 'string', arg: 'DIR', group: 'Detection', help: 'own diagnosis rules, laid over the bundled patterns/ by id (same id replaces, a new id adds)' },
  export: { type: 'string', arg: 'FILE.md', group: 'Output', help: 'write a markdown incident summary' },
  'nginx-conf': { type: 'string', arg: 'FILE', group: 'Output', help: 'your nginx.conf: the fix is proposed as a diff of it' },
  compose: { type: 'string', arg: 'FILE', group: 'Output', help: 'your docker-compose.yml: the fix is proposed as a diff of it' },
  k8s: { type: 'string', multiple: true, arg: 'FILE', group: 'Output', help: 'a Kubernetes manifest to diff (repeatable)' },
  systemd: { type: 'string', arg: 'FILE', group: 'Output', help: "the backend's systemd unit to diff" },
  'all-platforms': { type: 'boolean', group: 'Output', help: 'fix advice for every platform (compose, Kubernetes, systemd, supervisord), not only those the evidence shows' },
  probe: { type: 'boolean', group: 'Output', help: 'postmortem: also run the checklist against the live upstream (off by default)' },
  'health-path': { type: 'string', arg: 'PATH', group: 'Output', help: "path for the HTTP probe (default: the container healthcheck's, else /health)" },
  progress: { type: 'boolean', group: 'Output', help: 'progress bar on stderr (automatic for logs over 50 MB on a terminal)' },
  follow: { type: 'boolean', group: 'Live and replay', help: 'live: follow --log FILE(s) and the Docker daemon (--docker) instead of reading them once' },
  replay: { type: 'string', arg: 'DIR', group: 'Live and replay', help: 'replay a recorded incident folder live (the demo: fixtures/incidents/restart-race)' },
  speed: { type: 'string', arg: 'N', group: 'Live and replay', help: 'replay speed factor (default 1, at most 10000)' },
  from: { type: 'string', arg: 'TIME', group: 'Live and replay', help: 'replay: start at TIME (a time of day is read on the recording\'s date) instead of 10 s before the first burst' },
  'no-tui': { type: 'boolean', group: 'Live and replay', help: 'live mode without the full-screen UI: one line per incident and check' },
} as const satisfies FlagTable;

type Mode = 'postmortem' | 'live' | 'replay';

/**
 * The flags that mean something in some modes only: given in another, each is one UsageError line
 * naming it and the flag that chose that mode, never dropped. The one place these pairs are kept;
 * a flag not listed here (--since, --tz, the config files, --export, the detection flags) works in
 * every mode. `{mode}` is replaced by what chose the mode (`--replay DIR`, `--follow`, `--log FILE`…).
 */
const ONLY_IN_REPLAY = 'only applies to --replay DIR';
const NOT_WITH_REPLAY = 'cannot be used with {mode}:';
const MODE_FLAGS: Readonly<Record<string, { refused: Partial<Record<Mode, string>>; hint?: string }>> = {
  log: { refused: { replay: `${NOT_WITH_REPLAY} a replay reads DIR/error.log` } },
  'nginx-container': { refused: { replay: `${NOT_WITH_REPLAY} a replay reads DIR/error.log, not a container` } },
  events: {
    refused: { replay: `${NOT_WITH_REPLAY} a replay reads DIR/docker-events.jsonl (or events.jsonl)`, live: "does not apply to live mode ({mode}): live mode reads Docker's events from the daemon" },
    hint: 'for a postmortem of recorded files leave out --follow/--docker',
  },
  containers: {
    refused: { replay: `${NOT_WITH_REPLAY} a replay reads DIR/inspect.json`, live: 'does not apply to live mode ({mode}): live mode inspects the containers through the daemon' },
    hint: 'for a postmortem of recorded files leave out --follow/--docker',
  },
  follow: { refused: { replay: `${NOT_WITH_REPLAY} a replay is already played live` } },
  docker: { refused: { replay: `${NOT_WITH_REPLAY} a replay talks to no Docker daemon` } },
  until: { refused: { live: 'does not apply to live mode ({mode}): live mode follows on with no end' }, hint: 'for a window that ends, leave out --follow/--docker (a postmortem)' },
  probe: { refused: { replay: `${NOT_WITH_REPLAY} a replay probes nothing`, live: 'does not apply to live mode ({mode}): live mode always runs the checklist' } },
  progress: { refused: { replay: `${NOT_WITH_REPLAY} the progress bar is a postmortem's`, live: "does not apply to live mode ({mode}): the progress bar is a postmortem's" } },
  speed: { refused: { postmortem: ONLY_IN_REPLAY, live: ONLY_IN_REPLAY } },
  from: { refused: { postmortem: ONLY_IN_REPLAY, live: ONLY_IN_REPLAY }, hint: 'to read a log from a time use --since TIME' },
  'no-tui': { refused: { postmortem: 'only applies to live mode and --replay DIR: a postmortem ({mode}) prints a report, not a screen' } },
};

/** What chose the mode, as the user wrote it, for MODE_FLAGS' messages. */
function modeChooser(mode: Mode, v: Partial<Record<string, unknown>>): string {
  if (mode === 'replay') return '--replay DIR';
  if (mode === 'live') return v.follow ? '--follow' : v.docker ? '--docker' : 'no log named, on a terminal';
  return v.log ? '--log FILE' : v['nginx-container'] ? '--nginx-container NAME' : v.events ? '--events FILE' : 'a piped log';
}

function assertModeFlags(mode: Mode, v: Partial<Record<string, unknown>>): void {
  for (const [flag, rule] of Object.entries(MODE_FLAGS)) {
    const why = rule.refused[mode];
    if (why === undefined || v[flag] === undefined || v[flag] === false) continue;
    throw new UsageError(`--${flag} ${why.replace('{mode}', modeChooser(mode, v))}`, rule.hint ?? 'run `restartdoctor --help` for usage');
  }
}

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
  /** `--nginx-container NAME`: nginx's log read through the Docker API instead of a file. */
  nginxContainer: string | null;
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

/** The numbers among the flags. */
type Numbers = { 'min-errors'?: number; speed?: number };

/**
 * The numbers' values checked by zod, which is loaded only when one is given: its ~230 modules
 * cost ~0.1 s, and the installed command parses these options in a process that, for a big log,
 * only starts Node again with the heap flags (relaunch.ts).
 */
function checkNumbers(v: { 'min-errors'?: string; speed?: string }): Numbers {
  if (v['min-errors'] === undefined && v.speed === undefined) return {};
  const { z } = createRequire(import.meta.url)('zod') as typeof import('zod');
  const checked = z
    .object({
      'min-errors': z.coerce.number({ message: '--min-errors: expected a whole number ≥ 1' }).int('--min-errors: expected a whole number ≥ 1').min(1, '--min-errors: expected a whole number ≥ 1').optional(),
      speed: z.coerce.number({ message: '--speed: expected a number > 0' }).positive('--speed: expected a number > 0').max(10_000, '--speed: at most 10000').optional(),
    })
    .safeParse({ 'min-errors': v['min-errors'], speed: v.speed });
  if (!checked.success) throw new UsageError(checked.error.issues[0]!.message);
  return checked.data;
}

export function parseMainOptions(argv: string[], io: CliIo, others: Readonly<Record<string, FlagTable>> = {}): MainOptions {
  const v = parseFlags(argv, MAIN_FLAGS, { command: 'restartdoctor', others }).values;
  const numbers = checkNumbers(v);

  const tz = timeZoneOf(v.tz, io.env);

  const stdinPiped = io.stdin.isTTY !== true;
  // --docker with --probe (and no --follow) is the endpoint a postmortem probes through, not live mode.
  const docker = Boolean(v.docker) && !(v.probe && !v.follow);
  const live = Boolean(v.follow || docker) || (!v.log && !v['nginx-container'] && !stdinPiped && !v.replay && !v.events);
  const mode: Mode = v.replay ? 'replay' : live ? 'live' : 'postmortem';
  let logs = v.log ?? [];
  if (logs.length === 0 && !v['nginx-container']) logs = mode === 'postmortem' ? (stdinPiped ? ['-'] : []) : mode === 'live' ? [DEFAULT_LOG] : [];
  if (!v.help && !v.version) assertModeFlags(mode, v);
  if (mode === 'postmortem' && logs.length === 0 && !v['nginx-container'] && !v.help && !v.version) {
    throw new UsageError('no log to read', 'pass --log FILE, or pipe a log: cat error.log | restartdoctor');
  }

  const now = io.now();
  const since = v.since !== undefined ? readTime('--since', v.since, tz, now) : null;
  const until = v.until !== undefined ? readTime('--until', v.until, tz, now, since ?? now) : null;
  if (since !== null && until !== null && until <= since) {
    throw new UsageError(`--until (${new Date(until).toISOString()}) is not after --since (${new Date(since).toISOString()})`);
  }
  if (v.export !== undefined && v.export.trim() === '') throw new UsageError('--export needs a file name, e.g. --export incident.md');
  // Here, before anything is read: an export over an input would replace the evidence with the report
  // (a directory or pattern of --log counts by the files it names). A replay's folder: liveSession.ts.
  if (v.export !== undefined) {
    refuseExportOverInputs(v.export, { logs: expandLogArgs(logs), events: v.events, containers: v.containers, nginxConf: v['nginx-conf'], compose: v.compose, k8s: v.k8s, systemd: v.systemd });
  }

  return {
    mode,
    logs,
    events: v.events ?? null,
    containers: v.containers ?? null,
    since,
    until,
    tz,
    burstGapMs: v['burst-gap'] !== undefined ? readDuration('--burst-gap', v['burst-gap']) : 5_000,
    minErrors: numbers['min-errors'] ?? 3,
    patternsDir: v.patterns ?? null,
    json: v.json === true,
    exportPath: v.export ?? null,
    nginxConf: v['nginx-conf'] ?? null,
    compose: v.compose ?? null,
    k8s: v.k8s ?? [],
    systemd: v.systemd ?? null,
    probe: v.probe === true,
    healthPath: v['health-path'] ?? null,
    docker: dockerHostSpec(v.docker, io.env),
    dockerEnv: { DOCKER_TLS_VERIFY: io.env.DOCKER_TLS_VERIFY, DOCKER_CERT_PATH: io.env.DOCKER_CERT_PATH, HOME: io.env.HOME },
    replay: v.replay ?? null,
    nginxContainer: v['nginx-container'] ?? null,
    speed: numbers.speed ?? 1,
    replayFrom: v.from ?? null,
    // Decided once: the full screen needs a terminal on stdout (a CI job, a pipe, journald get lines).
    noTui: v['no-tui'] === true || io.stdout.isTTY !== true,
    // --json is data: never coloured, whatever the terminal.
    color: wantsColor(v['no-color'] === true || v.json === true, io),
    allPlatforms: v['all-platforms'] === true,
    progress: v.progress === true,
    help: v.help === true,
    version: v.version === true,
  };
}
