/**
 * docker-compose fixes: a healthcheck on the backend service sized from the time to ready, a
 * restart policy when it has none, and `depends_on: {backend: {condition: service_healthy}}` on
 * the nginx service (the list form converted to the map form). Edits are text splices located
 * through the YAML Document, so comments, anchors and layout stay as the user wrote them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document, type YAMLMap, type Node, type Pair } from 'yaml';
import { InputError, oneLine } from '../../util/errors.js';
import type { FixInput, PlanResult, PlannedFile } from '../types.js';
import { describeReady, parseDuration, type Timing } from '../timing.js';
import { applyEdits, unifiedDiff, type Edit } from '../textEdit.js';
import { displayPath } from '../paths.js';
import { readOnce, type ConfigReads } from '../configReads.js';
import { detectStyle, findPair, insertIntoMap, isMap, isSeq, renderLines, replacePair, type YamlStyle } from '../yamlEdit.js';
import { chooseHealthTest, healthcheckLines } from './healthcheck.js';

type Services = Record<string, Record<string, unknown> | null>;

/** Host port → container port, from `ports:` entries in short or long syntax. */
function publishedTarget(service: Record<string, unknown>, hostPort: number): number | null {
  const ports = Array.isArray(service.ports) ? service.ports : [];
  for (const p of ports) {
    if (typeof p === 'object' && p !== null) {
      const { published, target } = p as { published?: unknown; target?: unknown };
      if (Number(published) === hostPort && target !== undefined) return Number(target);
      continue;
    }
    // [ip:]host[-range]:container[/proto] — only the single-port forms matter here.
    const parts = String(p).split('/')[0]!.split(':');
    if (parts.length < 2) continue;
    const container = Number(parts[parts.length - 1]);
    const host = Number(parts[parts.length - 2]);
    if (host === hostPort && Number.isInteger(container)) return container;
  }
  return null;
}

function findBackend(services: Services, input: FixInput): { name: string; how: string } | null {
  const names = Object.keys(services);
  if (input.service && names.includes(input.service)) return { name: input.service, how: 'the diagnosed compose service' };
  const host = input.upstream.host.toLowerCase();
  for (const n of names) if (n.toLowerCase() === host) return { name: n, how: `nginx dials it by service name (${host})` };
  for (const n of names) {
    const cn = String(services[n]?.container_name ?? '').toLowerCase();
    if (cn && (cn === host || cn === input.container?.toLowerCase())) return { name: n, how: `container_name ${cn}` };
  }
  if (input.upstream.port !== null) {
    for (const n of names) {
      if (publishedTarget(services[n] ?? {}, input.upstream.port) !== null) {
        return { name: n, how: `it publishes port ${input.upstream.port}` };
      }
    }
    // `expose: ["3000"]`, or a command line naming the port (`-b 0.0.0.0:3000`, `--port 3000`).
    const port = String(input.upstream.port);
    for (const n of names) {
      const svc = services[n] ?? {};
      const expose = Array.isArray(svc.expose) ? svc.expose.map((e) => String(e).split('/')[0]) : [];
      const cmd = [svc.command, svc.entrypoint].flat().filter((x) => x !== undefined && x !== null).map(String).join(' ');
      if (expose.includes(port) || new RegExp(`(:|--port[= ]|-p )${port}\\b`).test(cmd)) return { name: n, how: `it listens on port ${port}` };
    }
  }
  const others = names.filter((n) => !/nginx|openresty/.test(`${n} ${String(services[n]?.image ?? '')}`.toLowerCase()));
  if (others.length === 1) return { name: others[0]!, how: 'the only service besides nginx' };
  return null;
}

function findNginx(services: Services, backend: string): string | null {
  const names = Object.keys(services).filter((n) => n !== backend);
  const byImage = names.find((n) => /(^|\/)(nginx|openresty)|nginx/.test(String(services[n]?.image ?? '').toLowerCase()));
  if (byImage) return byImage;
  return names.find((n) => n.toLowerCase().includes('nginx') || n.toLowerCase() === 'proxy') ?? null;
}

interface ComposeCtx {
  text: string;
  style: YamlStyle;
  unit: string;
  edits: Edit[];
  notes: string[];
  warnings: string[];
  where: (node: unknown) => string;
}

/** A compose file as read and parsed: the planner only reads it (its edits are to the text), so one serves a pass of fixes. */
interface ParsedCompose {
  text: string;
  lineCounter: LineCounter;
  doc: Document.Parsed;
  js: { services?: Services } | null;
}

function parseCompose(file: string, given: string): ParsedCompose {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read compose file ${given}: ${oneLine(err)}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter, prettyErrors: false });
  return { text, lineCounter, doc, js: doc.errors.length > 0 ? null : (doc.toJS() as { services?: Services } | null) };
}

export function planCompose(input: FixInput, t: Timing, ids: Set<string>, cwd: string, reads?: ConfigReads): PlanResult {
  const file = path.resolve(input.compose!);
  const { text, lineCounter, doc, js } = readOnce(reads, `compose\0${file}`, () => parseCompose(file, input.compose!));
  const shown = displayPath(file, cwd);
  if (doc.errors.length > 0) {
    return { files: [], advice: [], warnings: [`${shown}: not valid YAML (${oneLine(doc.errors[0]!.message)}); compose fixes skipped.`] };
  }
  const servicesNode = doc.get('services', true);
  if (!isMap(servicesNode) || !js?.services) {
    return { files: [], advice: [], warnings: [`${shown}: no services mapping; compose fixes skipped.`] };
  }
  const services = js.services;
  const style = detectStyle(text);
  const ctx: ComposeCtx = {
    text,
    style,
    unit: ' '.repeat(style.indent),
    edits: [],
    notes: [],
    warnings: [],
    where: (node) => {
      const r = (node as { range?: [number, number, number] } | null)?.range;
      return r ? `${shown}:${lineCounter.linePos(r[0]).line}` : shown;
    },
  };

  const backend = findBackend(services, input);
  if (!backend) {
    ctx.warnings.push(`${shown}: no service matches ${input.upstreamKey} (pass --service NAME); compose fixes skipped.`);
    return { files: [], advice: [], warnings: ctx.warnings };
  }
  const rawBackend = servicesNode.get(backend.name, true);
  const backendNode = isMap(rawBackend) ? rawBackend : null;
  const backendJs = services[backend.name] ?? {};
  const hasHealthcheck = backendJs.healthcheck !== undefined && backendJs.healthcheck !== null;
  const healthDisabled = hasHealthcheck && (backendJs.healthcheck as { disable?: unknown }).disable === true;
  let willBeHealthy = hasHealthcheck && !healthDisabled;
  const backendLines: string[] = [];

  if (ids.has('compose-healthcheck')) {
    if (healthDisabled) {
      ctx.warnings.push(`${ctx.where(backendNode)}: service ${backend.name} disables its healthcheck; left as is (depends_on cannot wait for health).`);
    } else if (hasHealthcheck) {
      checkExistingHealthcheck(ctx, backend.name, backendJs.healthcheck as Record<string, unknown>, t);
    } else {
      const port = containerPort(backendJs, input);
      const image = input.image ?? (typeof backendJs.image === 'string' ? backendJs.image : null);
      const h = chooseHealthTest(image, backendJs.command ?? backendJs.entrypoint, port, input.healthPath ?? '/');
      backendLines.push(...healthcheckLines(h.test, t, ctx.unit));
      willBeHealthy = true;
      ctx.notes.push(
        `healthcheck for ${backend.name} (${backend.how}) uses ${h.tool} because ${h.why}; ` +
          `start_period ${t.healthStartPeriodS}s and interval ${t.healthIntervalS}s follow the ${describeReady(t)}.` +
          (input.healthPath ? '' : ` It checks \`/\`: point it at the app's health endpoint if \`/\` does not answer 2xx/3xx.`),
      );
    }
  }
  if (ids.has('compose-restart-policy')) {
    const deployPolicy = (backendJs.deploy as { restart_policy?: unknown } | undefined)?.restart_policy;
    if (backendJs.restart === undefined && deployPolicy === undefined) {
      backendLines.push('restart: unless-stopped');
      ctx.notes.push(`restart: unless-stopped on ${backend.name}: Docker brings it back after a crash, but not after a deliberate docker stop.`);
    }
  }
  if (backendLines.length > 0) {
    if (backendNode) addToService(ctx, backend.name, backendNode, backendLines);
    else ctx.warnings.push(`${shown}: service ${backend.name} is empty or not a mapping; add by hand:\n${backendLines.join('\n')}`);
  }

  if (ids.has('compose-depends-on-healthy')) {
    const nginx = findNginx(services, backend.name);
    if (!nginx) ctx.warnings.push(`${shown}: no nginx service found (image or name); depends_on not changed.`);
    else if (!willBeHealthy) {
      ctx.warnings.push(`${shown}: ${backend.name} has no healthcheck, so condition: service_healthy would never be met; depends_on not changed.`);
    } else {
      const nginxNode = servicesNode.get(nginx, true);
      if (isMap(nginxNode)) dependsOnHealthy(ctx, nginxNode, nginx, backend.name);
      else ctx.warnings.push(`${shown}: service ${nginx} is empty or not a mapping; depends_on not changed.`);
    }
  }

  const after = applyEdits(text, ctx.edits.map((e) => ({ ...e, file })));
  // Incidents of one upstream mostly propose the same edit: the pass checks each result once (by
  // its digest: up to 1,000 edited copies of a big file would otherwise be kept as keys).
  const digest = createHash('sha256').update(after).digest('base64');
  const reparseError = readOnce(reads, `compose-reparse\0${digest}`, () => parseDocument(after, { merge: true }).errors[0]?.message ?? null);
  if (reparseError !== null) {
    // A splice that breaks the YAML must never be proposed; say so instead.
    return { files: [], advice: [], warnings: [...ctx.warnings, `${shown}: the compose edit did not re-parse (${oneLine(reparseError)}); not proposed.`] };
  }
  const fixFile: PlannedFile = { path: file, kind: 'compose', diff: unifiedDiff(shown, text, after), notes: ctx.notes };
  if (!fixFile.diff && ctx.notes.length === 0) fixFile.notes.push('already holds the fix: healthcheck, restart policy and depends_on condition are set.');
  return { files: [fixFile], advice: [], warnings: ctx.warnings };
}

/** The port to probe from inside the backend container. */
function containerPort(service: Record<string, unknown>, input: FixInput): number {
  const port = input.upstream.port ?? 80;
  const target = publishedTarget(service, port);
  return target ?? port;
}

function checkExistingHealthcheck(ctx: ComposeCtx, name: string, hc: Record<string, unknown>, t: Timing): void {
  const interval = parseDuration(String(hc.interval ?? '30s')) ?? 30_000;
  const retries = Number(hc.retries ?? 3);
  const start = parseDuration(String(hc.start_period ?? '0s')) ?? 0;
  // Unhealthy is declared after start_period + retries × interval without a pass.
  const window = start + retries * interval;
  if (window < t.readyMs) {
    ctx.notes.push(
      `the existing healthcheck of ${name} is kept, but it allows only ${Math.round(window / 1000)}s (start_period + retries × interval) ` +
        `while the ${describeReady(t)}: consider start_period: ${t.healthStartPeriodS}s.`,
    );
  }
}

function addToService(ctx: ComposeCtx, name: string, node: YAMLMap, lines: string[]): void {
  const edit = insertIntoMap(ctx.text, node, lines);
  if (edit) ctx.edits.push(edit);
  else ctx.warnings.push(`${ctx.where(node)}: service ${name} is a flow mapping; add by hand:\n${lines.join('\n')}`);
}

function dependsOnHealthy(ctx: ComposeCtx, nginxNode: YAMLMap, nginx: string, backend: string): void {
  const wanted = { condition: 'service_healthy' };
  const pair = findPair(nginxNode, 'depends_on');
  const note = `depends_on ${backend}: condition: service_healthy on ${nginx}: compose starts nginx only once ${backend} passes its healthcheck.`;
  if (!pair) {
    addToService(ctx, nginx, nginxNode, renderLines({ depends_on: { [backend]: wanted } }, ctx.style));
    ctx.notes.push(note);
    return;
  }
  const value = pair.value;
  if (isSeq(value)) {
    // List form: every entry keeps the list's meaning (service_started); the backend waits for health.
    const entries = (value.toJSON() as unknown[]).map(String);
    const map: Record<string, unknown> = {};
    for (const e of entries) map[e] = e === backend ? wanted : { condition: 'service_started' };
    if (!entries.includes(backend)) map[backend] = wanted;
    pushReplace(ctx, pair, renderLines({ depends_on: map }, ctx.style), nginx);
    const others = entries.length > 1 || !entries.includes(backend) ? ' (the other entries keep service_started)' : '';
    ctx.notes.push(`${note} The list form was converted to the map form${others}.`);
    return;
  }
  if (isMap(value)) {
    const entry = findPair(value, backend);
    if (!entry) {
      const edit = insertIntoMap(ctx.text, value, renderLines({ [backend]: wanted }, ctx.style));
      if (edit) ctx.edits.push(edit);
      else ctx.warnings.push(`${ctx.where(value)}: depends_on of ${nginx} is a flow mapping; set ${backend}: {condition: service_healthy} by hand.`);
      ctx.notes.push(note);
      return;
    }
    const current = (entry.value as Node | null)?.toJSON?.() as Record<string, unknown> | null | undefined;
    if (current && current.condition === 'service_healthy') return;
    pushReplace(ctx, entry, renderLines({ [backend]: { ...(current ?? {}), ...wanted } }, ctx.style), nginx);
    ctx.notes.push(note);
    return;
  }
  ctx.warnings.push(`${ctx.where(pair.key)}: depends_on of ${nginx} has an unexpected form; set ${backend}: {condition: service_healthy} by hand.`);
}

function pushReplace(ctx: ComposeCtx, pair: Pair<Node, Node | null>, lines: string[], service: string): void {
  const edit = replacePair(ctx.text, pair, lines);
  if (edit) ctx.edits.push(edit);
  else ctx.warnings.push(`${ctx.where(pair.key)}: depends_on of ${service} could not be edited in place; set it by hand:\n${lines.join('\n')}`);
}
