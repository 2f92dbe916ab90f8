/**
 * Decodes `docker inspect` output (or `GET /containers/{id}/json`, the same shape) into
 * `ContainerInfo`. Validation is strict on the fields we read and passes everything else through,
 * so a newer Engine that adds fields still decodes; a wrong type is reported with its field path.
 */
import { z } from 'zod';
import type { ContainerInfo, HealthcheckConfig, HealthLogEntry, PortBinding } from '../model/container.js';

const COMPOSE_SERVICE = 'com.docker.compose.service';
const COMPOSE_PROJECT = 'com.docker.compose.project';

/** Docker's healthcheck defaults, applied when the config leaves a field at 0 (moby `container/health.go`). */
const HEALTHCHECK_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
} as const;

/** Go's zero time: Docker writes it for "never started" / "never finished". */
const GO_ZERO_TIME = /^0001-01-01T00:00:00/;

const nullableString = z.string().nullish();

const HealthLogSchema = z.looseObject({
  Start: z.string(),
  End: z.string(),
  ExitCode: z.number(),
  Output: z.string(),
});

const StateSchema = z.looseObject({
  Status: z.string(),
  Running: z.boolean(),
  Restarting: z.boolean(),
  OOMKilled: z.boolean(),
  ExitCode: z.number().nullish(),
  Pid: z.number().nullish(),
  StartedAt: nullableString,
  FinishedAt: nullableString,
  Health: z
    .looseObject({
      Status: z.string(),
      FailingStreak: z.number().nullish(),
      Log: z.array(HealthLogSchema).nullish(),
    })
    .nullish(),
});

const HealthcheckSchema = z.looseObject({
  Test: z.array(z.string()).nullish(),
  Interval: z.number().nullish(),
  Timeout: z.number().nullish(),
  StartPeriod: z.number().nullish(),
  Retries: z.number().nullish(),
});

const HostBindingSchema = z.looseObject({
  HostIp: nullableString,
  HostPort: nullableString,
});
/** `"8080/tcp": [{HostIp, HostPort}]` — null for an exposed port that is not published. */
const PortMapSchema = z.record(z.string(), z.array(HostBindingSchema).nullish()).nullish();

const ConfigSchema = z.looseObject({
  Image: nullableString,
  Labels: z.record(z.string(), z.string()).nullish(),
  Cmd: z.array(z.string()).nullish(),
  Entrypoint: z.array(z.string()).nullish(),
  ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
  Healthcheck: HealthcheckSchema.nullish(),
  StopTimeout: z.number().nullish(),
});

const NetworkSchema = z.looseObject({
  IPAddress: nullableString,
  // A fixed address (compose `ipv4_address`) stays here while the container is stopped or
  // restarting, when IPAddress is empty: the address nginx still dials.
  IPAMConfig: z.looseObject({ IPv4Address: nullableString, IPv6Address: nullableString }).nullish(),
  GlobalIPv6Address: nullableString,
  Aliases: z.array(z.string()).nullish(),
  DNSNames: z.array(z.string()).nullish(),
});

const InspectSchema = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Image: nullableString,
  RestartCount: z.number().nullish(),
  State: StateSchema,
  Config: ConfigSchema.nullish(),
  HostConfig: z
    .looseObject({
      NetworkMode: nullableString,
      RestartPolicy: z.looseObject({ Name: nullableString }).nullish(),
      PortBindings: PortMapSchema,
    })
    .nullish(),
  Mounts: z.array(z.looseObject({ Type: nullableString, Source: nullableString, Destination: nullableString })).nullish(),
  NetworkSettings: z
    .looseObject({
      IPAddress: nullableString,
      GlobalIPv6Address: nullableString,
      Ports: PortMapSchema,
      Networks: z.record(z.string(), NetworkSchema.nullish()).nullish(),
    })
    .nullish(),
});
type RawInspect = z.infer<typeof InspectSchema>;

/** `a.b.0.c` style path → `a.b[0].c`, the way a user reads the JSON. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod's messages start with "Invalid input: "; the field path already says where.
  const message = issue.message.replace(/^Invalid input:\s*/i, '').replace(/\s+/g, ' ');
  return `${formatPath(issue.path)}: ${message}`;
}

/** Docker durations are nanoseconds; 0 or absent means "use the default". */
function nsToMs(ns: number | null | undefined, fallbackMs: number): number {
  return ns && ns > 0 ? Math.round(ns / 1_000_000) : fallbackMs;
}

function timeOrNull(value: string | null | undefined): string | null {
  return value && !GO_ZERO_TIME.test(value) ? value : null;
}

function decodeHealthcheck(hc: z.infer<typeof HealthcheckSchema> | null | undefined): HealthcheckConfig | null {
  const test = hc?.Test ?? [];
  // Empty Test = inherit from the image; inspect already shows the merged config, so nothing is defined.
  // ["NONE"] = explicitly disabled (`--no-healthcheck`, compose `disable: true`).
  if (test.length === 0 || test[0] === 'NONE') return null;
  return {
    test,
    intervalMs: nsToMs(hc?.Interval, HEALTHCHECK_DEFAULTS.intervalMs),
    timeoutMs: nsToMs(hc?.Timeout, HEALTHCHECK_DEFAULTS.timeoutMs),
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : HEALTHCHECK_DEFAULTS.retries,
    startPeriodMs: nsToMs(hc?.StartPeriod, HEALTHCHECK_DEFAULTS.startPeriodMs),
  };
}

function splitPortKey(key: string): { containerPort: number; protocol: string } | null {
  const [port, protocol = 'tcp'] = key.split('/');
  const n = Number(port);
  return Number.isInteger(n) && n > 0 && n < 65536 ? { containerPort: n, protocol } : null;
}

function hostPortOrNull(value: string | null | undefined): number | null {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Published ports come from NetworkSettings.Ports (what is bound now); a stopped container has
 * none there, so HostConfig.PortBindings (what will be bound) fills the gap; ExposedPorts adds
 * container ports that are not published at all (host-network containers only expose).
 */
function decodePorts(raw: RawInspect): PortBinding[] {
  const out: PortBinding[] = [];
  const seen = new Set<string>();
  const published = new Set<string>();
  const add = (key: string, hostIp: string | null, hostPort: number | null): void => {
    const parsed = splitPortKey(key);
    if (!parsed) return;
    const id = `${parsed.containerPort}/${parsed.protocol}|${hostIp}|${hostPort}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ ...parsed, hostIp, hostPort });
  };
  const addMap = (map: z.infer<typeof PortMapSchema>, skipKeys: Set<string>): void => {
    for (const [key, bindings] of Object.entries(map ?? {})) {
      if (skipKeys.has(key) || !bindings || bindings.length === 0) continue;
      for (const b of bindings) {
        // An empty HostIp in PortBindings means every interface, which Docker shows as 0.0.0.0.
        add(key, b.HostIp ? b.HostIp : '0.0.0.0', hostPortOrNull(b.HostPort));
        published.add(key);
      }
    }
  };
  addMap(raw.NetworkSettings?.Ports, new Set());
  addMap(raw.HostConfig?.PortBindings, new Set(published));
  const exposed = new Set([
    ...Object.keys(raw.Config?.ExposedPorts ?? {}),
    ...Object.keys(raw.NetworkSettings?.Ports ?? {}),
  ]);
  for (const key of exposed) if (!published.has(key)) add(key, null, null);
  return out;
}

function unique(values: Iterable<string | null | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) if (v && !out.includes(v)) out.push(v);
  return out;
}

function toContainerInfo(raw: RawInspect): ContainerInfo {
  const labels = raw.Config?.Labels ?? {};
  const service = labels[COMPOSE_SERVICE] ?? null;
  const networks = Object.values(raw.NetworkSettings?.Networks ?? {}).filter((n) => n != null);
  const state = raw.State;
  const health = state.Health
    ? {
        status: state.Health.Status,
        failingStreak: state.Health.FailingStreak ?? 0,
        log: (state.Health.Log ?? []).map(
          (e): HealthLogEntry => ({ start: e.Start, end: e.End, exitCode: e.ExitCode, output: e.Output }),
        ),
      }
    : null;
  const policy = raw.HostConfig?.RestartPolicy?.Name;
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config?.Image || raw.Image || '',
    service,
    project: labels[COMPOSE_PROJECT] ?? null,
    labels,
    status: state.Status,
    running: state.Running,
    restarting: state.Restarting,
    oomKilled: state.OOMKilled,
    exitCode: state.ExitCode ?? null,
    // Docker reports Pid 0 when no process runs.
    pid: state.Pid && state.Pid > 0 ? state.Pid : null,
    startedAt: timeOrNull(state.StartedAt),
    finishedAt: timeOrNull(state.FinishedAt),
    restartCount: raw.RestartCount ?? 0,
    restartPolicy: policy ? policy : null,
    health,
    healthcheck: decodeHealthcheck(raw.Config?.Healthcheck),
    ports: decodePorts(raw),
    networkMode: raw.HostConfig?.NetworkMode || null,
    ips: unique([
      ...networks.flatMap((n) => [n.IPAddress, n.GlobalIPv6Address, n.IPAMConfig?.IPv4Address, n.IPAMConfig?.IPv6Address]),
      raw.NetworkSettings?.IPAddress,
      raw.NetworkSettings?.GlobalIPv6Address,
    ]),
    aliases: unique([...networks.flatMap((n) => [...(n.Aliases ?? []), ...(n.DNSNames ?? [])]), service]),
    // What actually runs: the entrypoint followed by its arguments.
    cmd: [...(raw.Config?.Entrypoint ?? []), ...(raw.Config?.Cmd ?? [])],
    stopTimeout: raw.Config?.StopTimeout ?? null,
    mounts: (raw.Mounts ?? []).flatMap((m) => (m.Source && m.Destination ? [{ type: m.Type ?? '', source: m.Source, destination: m.Destination }] : [])),
  };
}

function decodeOne(raw: unknown, where: string): ContainerInfo {
  const parsed = InspectSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const detail = first ? describeIssue(first) : 'invalid container inspect object';
    throw new Error(where ? `${where}: ${detail}` : detail);
  }
  return toContainerInfo(parsed.data);
}

/**
 * One inspect object (an element of `docker inspect`'s array, or the Engine API's response).
 * `where` prefixes the error message, e.g. `inspect.json: item 2`.
 */
export function decodeContainerInspect(raw: unknown, where = ''): ContainerInfo {
  return decodeOne(raw, where);
}

/**
 * What `docker inspect a b c` prints (a JSON array), or a single object. Items are numbered from 1
 * in errors, the way a person counts them: `inspect.json: item 2: State.Status: expected string, received number`.
 */
export function decodeInspectFile(json: unknown, source = 'inspect'): ContainerInfo[] {
  if (Array.isArray(json)) return json.map((item, i) => decodeOne(item, `${source}: item ${i + 1}`));
  if (json !== null && typeof json === 'object') return [decodeOne(json, source)];
  throw new Error(`${source}: expected a docker inspect array or object, got ${json === null ? 'null' : typeof json}`);
}
