/**
 * `restartdoctor check --upstream HOST:PORT [--container NAME] [--health-path /health]
 *  [--docker URL] [--json] [--wait-ready 60s] [--strict]`
 * Runs the root-cause checklist once against one upstream and prints it. Exit 0 when nothing
 * fails (a warning such as a missing healthcheck fails only with --strict), 1 when a check
 * fails (unknown is not a failure), 2 on bad usage. Flags: commandFlags.ts's CHECK_FLAGS.
 */
import net from 'node:net';
import Dockerode from 'dockerode';
import { z } from 'zod';
import { checklistTally } from '../../checklist/checkLevel.js';
import { formatChecklist } from '../../checklist/format.js';
import { runChecklist } from '../../checklist/runChecklist.js';
import { decideCheckTarget, type TargetPolicyDeps } from '../../checklist/targetPolicy.js';
import { JSON_SCHEMA_VERSION } from '../../report/jsonText.js';
import { resolveDockerEndpoint, type DockerEndpoint } from '../../sources/dockerEndpoint.js';
import { CHECK_FLAGS } from '../commandFlags.js';
import { UsageError, UserError } from '../../util/errors.js';
import { EXIT, verdictExit } from '../../util/exitCodes.js';
import { parseFlags } from '../flags.js';
import { commandHelp } from '../help.js';
import type { CliIo, Command } from '../io.js';
import { countOf } from '../../util/plural.js';
import { readDuration } from '../../util/duration.js';

const MAX_WAIT_MS = 600_000;

export interface Upstream {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `http://host:port[/path]` → host and port. */
export function parseUpstream(text: string): Upstream {
  const trimmed = text.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:[\]]+):(\d+)$/.exec(trimmed);
  if (!m) throw new UsageError(`--upstream: expected HOST:PORT (or [IPv6]:PORT), got "${text}"`);
  const host = m[1] ?? '';
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--upstream: port must be 1-65535, got ${m[2]}`);
  if (trimmed.startsWith('[') && !net.isIPv6(host)) throw new UsageError(`--upstream: "${host}" is not an IPv6 address`);
  return { host, port };
}

/** A --wait-ready style duration → ms, bounded to 10 minutes. */
export function parseWaitDuration(text: string, flag: string): number {
  return readDuration(flag, text, MAX_WAIT_MS);
}

const ArgsSchema = z.object({
  upstream: z.string({ error: '--upstream HOST:PORT is required' }).min(1, '--upstream HOST:PORT is required'),
  container: z.string().min(1, '--container: must not be empty').optional(),
  'health-path': z
    .string()
    .regex(/^\/[^\s]*$/, '--health-path: must start with / and contain no spaces')
    .optional(),
  docker: z.string().min(1, '--docker: must not be empty').optional(),
  'wait-ready': z.string().optional(),
  'allow-host': z.array(z.string().min(1, '--allow-host: must not be empty')).optional(),
  json: z.boolean().optional(),
  strict: z.boolean().optional(),
  help: z.boolean().optional(),
});

function readArgs(argv: string[]): z.infer<typeof ArgsSchema> {
  const { values } = parseFlags(argv, CHECK_FLAGS, { command: 'check' });
  if (values.help) return { upstream: '-', help: true };
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`check: ${parsed.error.issues[0]?.message ?? 'invalid arguments'}`);
  return parsed.data;
}

function write(stream: CliIo['stdout'], lines: string[]): void {
  stream.write(`${lines.join('\n')}\n`);
}

/** What a test replaces: the checklist itself (so a refusal can be shown to connect nowhere) and the policy's inputs. */
export interface CheckDeps extends Partial<Omit<TargetPolicyDeps, 'allowHosts'>> {
  runChecklist?: typeof runChecklist;
}

/** Addresses of the containers a local daemon runs (none from a remote tcp:// daemon, or without one). */
async function localContainerAddresses(endpoint: DockerEndpoint): Promise<string[]> {
  if (!endpoint.options.socketPath) return [];
  try {
    const list = await new Dockerode({ ...endpoint.options, timeout: 5000 }).listContainers();
    return list.flatMap((c) => Object.values(c.NetworkSettings?.Networks ?? {}).flatMap((n) => [n.IPAddress, n.GlobalIPv6Address].filter(Boolean)));
  } catch {
    return [];
  }
}

export const checkCommand: Command = async (argv, io) => runCheck(argv, io);

export async function runCheck(argv: string[], io: CliIo, deps: CheckDeps = {}): Promise<number> {
  const args = readArgs(argv);
  if (args.help) {
    io.stdout.write(commandHelp('check'));
    return EXIT.ok;
  }
  const upstream = parseUpstream(args.upstream);
  const waitReadyMs = args['wait-ready'] ? parseWaitDuration(args['wait-ready'], '--wait-ready') : null;
  const container = args.container ?? null;
  const endpoint = resolveDockerEndpoint(args.docker, io.env);

  // Before any connection: is this an address we may probe at all?
  const decision = await decideCheckTarget(upstream.host, upstream.port, {
    allowHosts: args['allow-host'] ?? [],
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
    ...(deps.localAddresses ? { localAddresses: deps.localAddresses } : {}),
    containerAddresses: deps.containerAddresses ?? (() => localContainerAddresses(endpoint)),
  });
  if (!decision.allowed) throw new UserError(decision.reason, decision.hint, EXIT.usage);

  // Docker is only contacted when a container is named; a missing socket becomes `unknown` checks.
  let docker: Dockerode | null = null;
  let dockerEndpoint: string | undefined;
  if (container) {
    docker = new Dockerode(endpoint.options);
    dockerEndpoint = endpoint.label;
  }

  const result = await (deps.runChecklist ?? runChecklist)(
    { host: upstream.host, port: upstream.port, container, healthPath: args['health-path'] ?? null },
    { docker, dockerEndpoint, waitReadyMs },
  );

  const { failures, warnings } = checklistTally(result.checks);
  const strict = args.strict === true;
  if (args.json) write(io.stdout, [JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...result, failures, warnings, strict }, null, 2)]);
  else {
    const lines = formatChecklist(result, { ascii: io.env.TERM === 'dumb' });
    const warned = warnings.length > 0 ? `, ${countOf(warnings.length, 'warning')} (${warnings.join(', ')})${strict ? ', failing under --strict' : ': not failing without --strict'}` : '';
    // Before the conclusion, which stays the last word.
    lines.splice(lines.length - 1, 0, `${countOf(failures.length, 'failure')}${warned}`);
    write(io.stdout, lines);
  }
  return verdictExit(failures.length, warnings.length, strict);
}
