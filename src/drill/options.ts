/**
 * `restartdoctor drill`'s options from its flags (the table is flags.ts's): zod for the values the
 * CLI read, the one duration grammar for --timeout. Every bad value becomes one UsageError line
 * naming the flag. Reading argv is the CLI's job (cli/commands/drill.ts): this layer sits below it.
 */
import { z } from 'zod';
import { UsageError } from '../util/errors.js';
import { readDuration } from '../util/duration.js';
import { checkTargetUrl } from './urlPolicy.js';
import { resolveDockerEndpoint, type DockerEndpoint, type DockerEnv } from '../sources/dockerEndpoint.js';
import { DRILL_ACTIONS, type DrillAction } from './flags.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface DrillOptions {
  container: string;
  url: URL;
  requests: number;
  ratePerSec: number;
  methods: string[];
  action: DrillAction;
  /** Seconds Docker waits after SIGTERM before SIGKILL; null: the container's own (default 10 s). */
  stopTimeoutS: number | null;
  log: string | null;
  /** --docker, else DOCKER_HOST, else the local socket. */
  docker: DockerEndpoint;
  /** Bound on the whole drill (traffic, action, waiting for the container), ms. */
  timeoutMs: number;
  /** Bound on one request, ms (never more than the drill's timeout). */
  requestTimeoutMs: number;
  export: string | null;
  json: boolean;
  maxFailures: number;
  allowHosts: string[];
}

function intIn(flag: string, min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, `--${flag}: expected a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `--${flag}: must be between ${min} and ${max}`);
}

const flagSchema = z.object({
  container: z
    .string({ error: '--container is required' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, '--container: not a valid container name'),
  url: z.string({ error: '--url is required' }),
  requests: intIn('requests', 1, 100_000).default(200),
  rate: z
    .string()
    .regex(/^\d+(\.\d+)?$/, '--rate: expected a number')
    .transform(Number)
    .refine((n) => n > 0 && n <= 1000, '--rate: must be more than 0 and at most 1000')
    .default(50),
  method: z
    .string()
    .transform((s) => s.split(',').map((m) => m.trim().toUpperCase()))
    .refine((ms) => ms.length > 0 && ms.every((m) => (METHODS as readonly string[]).includes(m)), {
      message: `--method: use a comma-separated list of ${METHODS.join(', ')}`,
    })
    .default(['GET']),
  action: z.enum(DRILL_ACTIONS, { error: `--action: use ${DRILL_ACTIONS.join(', ')}` }).default('restart'),
  'stop-timeout': intIn('stop-timeout', 0, 3600).optional(),
  log: z.string().min(1, '--log: empty path').optional(),
  docker: z.string().optional(),
  timeout: z.string().default('60s'),
  'request-timeout': z.string().default('5s'),
  export: z.string().min(1, '--export: empty path').optional(),
  json: z.boolean().default(false),
  'max-failures': intIn('max-failures', 0, 100_000).default(0),
  'allow-host': z.array(z.string().min(1)).default([]),
  help: z.boolean().default(false),
});

/** The drill's options from the values the CLI read with DRILL_FLAGS (and its global flags). */
export function drillOptions(values: Record<string, unknown>, env: DockerEnv): DrillOptions {
  const parsed = flagSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`drill: ${issue?.message ?? 'invalid flags'}`, 'run `restartdoctor drill --help` for usage');
  }
  const f = parsed.data;
  const timeoutMs = readDuration('--timeout', f.timeout);
  const allowHosts = f['allow-host'].map((h) => h.toLowerCase());
  const options: DrillOptions = {
    container: f.container,
    url: checkTargetUrl(f.url, allowHosts),
    requests: f.requests,
    ratePerSec: f.rate,
    methods: f.method,
    action: f.action,
    stopTimeoutS: f['stop-timeout'] ?? null,
    log: f.log ?? null,
    docker: resolveDockerEndpoint(f.docker, env),
    timeoutMs,
    requestTimeoutMs: Math.min(readDuration('--request-timeout', f['request-timeout']), timeoutMs),
    export: f.export ?? null,
    json: f.json,
    maxFailures: f['max-failures'],
    allowHosts,
  };
  return options;
}
