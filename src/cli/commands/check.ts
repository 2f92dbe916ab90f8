/**
 * `restartdoctor check --upstream HOST:PORT [--container NAME] [--health-path /health]
 *  [--docker unix:///var/run/docker.sock] [--json] [--wait-ready 60s]`
 * Runs the root-cause checklist once against one upstream and prints it. Exit 0 when every check
 * passes, 1 when any fails (unknown is not a failure), 2 on bad usage.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { z } from 'zod';
import { formatChecklist } from '../../checklist/format.js';
import { runChecklist } from '../../checklist/runChecklist.js';
import { decideCheckTarget, type TargetPolicyDeps } from '../../checklist/targetPolicy.js';
import { DEFAULT_DOCKER_ENDPOINT, parseDockerEndpoint } from '../../sources/dockerEndpoint.js';
import { parseDuration } from '../../util/duration.js';
import { UsageError, UserError } from '../errors.js';
import { EXIT } from '../exitCodes.js';
import type { CliIo, Command } from '../io.js';

export const CHECK_USAGE = `usage: restartdoctor check --upstream HOST:PORT [options]

Runs the root-cause checklist against one upstream: GET its health URL, look for a listening
socket on the host and inside the container, and read the container's state from Docker.
Only loopback, this host's addresses and local containers are probed (a host name by what it
resolves to); link-local, multicast and any other address are refused unless --allow-host names it.

  --upstream HOST:PORT    the upstream nginx fails to reach (127.0.0.1:3000, [::1]:3000)
  --container NAME        the container behind it (name or id)
  --health-path PATH      health URL path (default: the container healthcheck's, else /health)
  --docker URL            Docker endpoint: unix:///var/run/docker.sock (default, or $DOCKER_HOST), tcp://host:2375
  --wait-ready DURATION   poll until listening and healthy, up to DURATION (500ms, 60s, 2m; max 10m)
  --allow-host HOST       also probe HOST, which is not loopback, this host nor a local container (repeatable)
  --json                  print the result as JSON
  -h, --help              show this help`;

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
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${flag}: expected a duration like 500ms, 60s or 2m, got "${text}"`);
  if (ms <= 0 || ms > MAX_WAIT_MS) throw new UsageError(`${flag}: must be more than 0 and at most 10m, got "${text}"`);
  return ms;
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
  help: z.boolean().optional(),
});

function readArgs(argv: string[]): z.infer<typeof ArgsSchema> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        upstream: { type: 'string' },
        container: { type: 'string' },
        'health-path': { type: 'string' },
        docker: { type: 'string' },
        'wait-ready': { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // node's messages are multi-sentence; the first one names the flag.
    const first = ((err as Error).message.split('\n')[0] ?? '').replace(/\. To specify.*$/, '');
    throw new UsageError(`check: ${first}`);
  }
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
async function localContainerAddresses(endpointText: string): Promise<string[]> {
  const endpoint = parseDockerEndpoint(endpointText);
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
    write(io.stdout, [CHECK_USAGE]);
    return EXIT.ok;
  }
  const upstream = parseUpstream(args.upstream);
  const waitReadyMs = args['wait-ready'] ? parseWaitDuration(args['wait-ready'], '--wait-ready') : null;
  const container = args.container ?? null;
  const envHost = io.env.DOCKER_HOST;
  const dockerText = args.docker ?? (envHost ? envHost : DEFAULT_DOCKER_ENDPOINT);

  // Before any connection: is this an address we may probe at all?
  const decision = await decideCheckTarget(upstream.host, upstream.port, {
    allowHosts: args['allow-host'] ?? [],
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
    ...(deps.localAddresses ? { localAddresses: deps.localAddresses } : {}),
    containerAddresses: deps.containerAddresses ?? (() => localContainerAddresses(dockerText)),
  });
  if (!decision.allowed) throw new UserError(decision.reason, decision.hint, EXIT.usage);

  // Docker is only contacted when a container is named; a missing socket becomes `unknown` checks.
  let docker: Dockerode | null = null;
  let dockerEndpoint: string | undefined;
  if (container) {
    const endpoint = parseDockerEndpoint(dockerText);
    docker = new Dockerode(endpoint.options);
    dockerEndpoint = endpoint.label;
  }

  const result = await (deps.runChecklist ?? runChecklist)(
    { host: upstream.host, port: upstream.port, container, healthPath: args['health-path'] ?? null },
    { docker, dockerEndpoint, waitReadyMs },
  );

  if (args.json) write(io.stdout, [JSON.stringify(result, null, 2)]);
  else write(io.stdout, formatChecklist(result, { ascii: io.env.TERM === 'dumb' }));
  return result.checks.some((c) => c.status === 'fail') ? EXIT.found : EXIT.ok;
}
