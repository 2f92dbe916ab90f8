/**
 * The subcommands' flags as tables of data (one entry per flag with its help text), kept apart
 * from the commands themselves so the main help, `help COMMAND` and the "that flag belongs to
 * another command" message can read them without loading a command's modules (dockerode, ink).
 */
import { DRILL_FLAGS, DRILL_INTRO } from '../drill/flags.js';
import { KNOWN_FIX_IDS } from '../fix/types.js';
import { RULE_LIST } from '../lint/rules.js';
import type { FlagTable } from './flags.js';

export const CHECK_FLAGS = {
  upstream: { type: 'string', arg: 'HOST:PORT', help: 'the upstream nginx fails to reach (127.0.0.1:3000, [::1]:3000)' },
  container: { type: 'string', arg: 'NAME', help: 'the container behind it (name or id)' },
  'health-path': { type: 'string', arg: 'PATH', help: "health URL path (default: the container healthcheck's, else /health)" },
  'wait-ready': { type: 'string', arg: 'DUR', help: 'poll until listening and healthy, up to DUR (500ms, 60s, 2m; max 10m)' },
  strict: { type: 'boolean', help: 'warnings fail too (exit 1), e.g. a container without a healthcheck' },
  'allow-host': { type: 'string', multiple: true, arg: 'HOST', help: 'also probe HOST, which is not loopback, this host nor a local container (repeatable)' },
} as const satisfies FlagTable;

export const FIX_FLAGS = {
  upstream: { type: 'string', arg: 'HOST:PORT', help: 'the failing upstream as nginx logged it (or an upstream group name)' },
  log: { type: 'string', multiple: true, arg: 'FILE', help: 'or: take upstream, service, time to ready, lost POSTs and fixes from the incident in this log' },
  events: { type: 'string', arg: 'FILE', help: 'Docker events for --log' },
  containers: { type: 'string', arg: 'FILE', help: '`docker inspect` output for --log' },
  incident: { type: 'string', arg: 'N', help: 'which incident of the log (1 = first; default: the last one)' },
  'nginx-conf': { type: 'string', arg: 'FILE', help: 'the main nginx config (includes are followed)' },
  compose: { type: 'string', arg: 'FILE', help: 'docker-compose.yml' },
  k8s: { type: 'string', multiple: true, arg: 'FILE', help: 'a Kubernetes manifest (repeatable)' },
  systemd: { type: 'string', arg: 'FILE', help: "the backend's systemd unit" },
  service: { type: 'string', arg: 'NAME', help: 'the compose service / container behind the upstream' },
  image: { type: 'string', arg: 'NAME', help: 'its image (picks the healthcheck command)' },
  'time-to-ready': { type: 'string', arg: 'DUR', help: 'measured start → ready (8s, 1500ms, 1m); sizes timeouts and probes' },
  'lost-posts': { type: 'string', arg: 'N', help: 'POST/PATCH requests that got a 502 (for the non_idempotent warning)' },
  'lost-writes': { type: 'string', arg: 'N', help: 'POST/PUT/PATCH/DELETE that got a 502' },
  'health-path': { type: 'string', arg: 'PATH', help: "the app's health endpoint (default: / for HTTP checks, TCP for probes)" },
  fix: { type: 'string', multiple: true, arg: 'ID', help: 'only these fixes (repeatable or a comma list; default: every config fix)' },
  apply: { type: 'boolean', help: 'write the changes: atomically, with a backup in .restartdoctor/ beside each file, checked by nginx -t; any failure puts every file back as it was' },
  force: { type: 'boolean', help: 'with --apply: replace a backup of the same name that already exists' },
} as const satisfies FlagTable;

export const LINT_FLAGS = {
  format: { type: 'string', arg: 'text|json|sarif', help: 'output format (default text; --json is --format json); sarif is SARIF 2.1.0' },
  ignore: { type: 'string', multiple: true, arg: 'RULE', help: 'waive a rule by id or name (repeatable or a comma list); waived findings are listed as such' },
  strict: { type: 'boolean', help: 'warnings fail too (exit 1)' },
} as const satisfies FlagTable;

export const RECORD_FLAGS = {
  log: { type: 'string', arg: 'FILE', help: "nginx's error log (default /var/log/nginx/error.log, or the running nginx containers when it is not readable)" },
  'nginx-container': { type: 'string', arg: 'NAME', help: "nginx's log from this container, through the Docker API" },
  'max-size': { type: 'string', arg: 'SIZE', help: "the folder's budget: 200MB, 1.5G, 500k (default 200MB, at least 64KB); the oldest segments are dropped" },
  'inspect-every': { type: 'string', arg: 'DUR', help: 'how often inspect.json is refreshed (default 60s, at least 1s)' },
} as const satisfies FlagTable;

export interface CommandInfo {
  /** One line for the main help's command list. */
  summary: string;
  /** How it is called, and what it does (before the generated list of flags). */
  intro: string;
  flags: FlagTable;
  /** After the flags: exit codes, lists of ids. */
  outro?: string;
  /** Whether it takes words that are not flags (lint's files, record's folder). */
  positionals?: boolean;
}

export const COMMANDS: Record<string, CommandInfo> = {
  check: {
    summary: 'run the root-cause checklist against one upstream now',
    intro: `usage: restartdoctor check --upstream HOST:PORT [options]

Runs the root-cause checklist against one upstream: GET its health URL, look for a listening
socket on the host and inside the container, and read the container's state from Docker.`,
    flags: CHECK_FLAGS,
    outro: 'Exit 0 when nothing fails (warnings too, unless --strict), 1 when a check fails, 2 on bad usage.',
  },
  fix: {
    summary: 'propose (or --apply) the config fix as diffs of your files',
    intro: `usage: restartdoctor fix --upstream HOST:PORT [files] [options]
       restartdoctor fix --log error.log [--events F] [--containers F] [--tz Z] [files] [options]

Proposes config changes, as unified diffs of your own files, that stop a backend restart from
turning into 502s: nginx retries/keepalive, a compose healthcheck + depends_on service_healthy,
Kubernetes probes, a systemd readiness wait. Prints; writes only with --apply.`,
    flags: FIX_FLAGS,
    outro: `fix ids: ${KNOWN_FIX_IDS.join(', ')}\nExit 0 when the proposal is printed or applied, 1 when --apply failed or rolled back, 2 on bad usage.`,
  },
  lint: {
    summary: 'check nginx, compose and Kubernetes configs for restart-race settings (CI)',
    intro: `usage: restartdoctor lint FILE... [options]

Checks nginx configs, docker-compose files and Kubernetes manifests (kind detected from the
content) for the settings that turn a backend restart into 502s. A finding is waived by a
comment \`# restartdoctor: ignore RULE\` on its line or the line above (the directive, block,
service or key), or by --ignore RULE; waived findings are counted and listed.`,
    flags: LINT_FLAGS,
    positionals: true,
    outro: `Rules (id, name, severity):\n${RULE_LIST.map((r) => `  ${r.id}  ${r.name} (${r.severity})`).join('\n')}\nExit 1 on errors, 0 on warnings and notes (1 with --strict), 2 on unreadable input.`,
  },
  drill: { summary: 'restart a container under bounded traffic and measure what clients saw', intro: DRILL_INTRO, flags: DRILL_FLAGS, outro: 'Exit: 0 pass, 1 fail, 2 usage or setup error.' },
  record: {
    summary: "keep nginx's log, Docker's events and inspect snapshots in a bounded folder",
    intro: `usage: restartdoctor record DIR [options]

Keeps nginx's error log, the Docker event stream (the daemon itself keeps only its last 256
events) and docker inspect snapshots in DIR, bounded in size (oldest segments dropped), until
interrupted (SIGINT/SIGTERM). A later postmortem reads them:
  restartdoctor --log DIR/error.log --events DIR/events.jsonl --containers DIR/inspect.json
or replays them: restartdoctor --replay DIR`,
    flags: RECORD_FLAGS,
    positionals: true,
    outro: 'Exit 0 when stopped by a signal, 2 on bad usage or a folder it cannot write.',
  },
};

export const COMMAND_NAMES = [...Object.keys(COMMANDS), 'help'];
