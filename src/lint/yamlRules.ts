/** compose and Kubernetes lint rules, with lines from the YAML nodes. */
import { LineCounter, isMap, isSeq, parseAllDocuments, parseDocument, type Node } from 'yaml';
import { RULES } from './rules.js';
import type { Finding } from './types.js';

type Js = Record<string, unknown>;
const isObj = (v: unknown): v is Js => typeof v === 'object' && v !== null && !Array.isArray(v);

function lineOf(lc: LineCounter, node: unknown): number {
  const r = (node as Node | null)?.range;
  return r ? lc.linePos(r[0]).line : 1;
}

export function lintCompose(shown: string, text: string): Finding[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lc });
  const out: Finding[] = [];
  const js = doc.toJS() as { services?: Record<string, Js | null> } | null;
  const servicesNode = doc.get('services', true);
  if (!js?.services || !isMap(servicesNode)) return out;
  for (const [name, svc] of Object.entries(js.services)) {
    const node = servicesNode.items.find((p) => (p.key as { value?: unknown } | null)?.value === name);
    const line = lineOf(lc, node?.key);
    const service = svc ?? {};
    if (service.healthcheck === undefined || service.healthcheck === null) {
      out.push({ ruleId: RULES.healthcheck.id, severity: RULES.healthcheck.severity, file: shown, line, message: `service ${name} has no healthcheck.`, within: [line] });
    }
    const deps = service.depends_on;
    if (deps === undefined) continue;
    const depNode = isMap(node?.value) ? node.value.get('depends_on', true) : null;
    const depKey = isMap(node?.value) ? node.value.items.find((p) => (p.key as { value?: unknown } | null)?.value === 'depends_on')?.key : undefined;
    // A waiver on the service or on its `depends_on:` line covers each entry.
    const within = depKey ? [line, lineOf(lc, depKey)] : [line];
    if (Array.isArray(deps)) {
      out.push({
        ruleId: RULES.dependsOnHealthy.id,
        severity: RULES.dependsOnHealthy.severity,
        file: shown,
        line: lineOf(lc, depNode) || line,
        message: `service ${name}: depends_on ${deps.join(', ')} (list form) only waits for the container to start, not to be healthy.`,
        within,
      });
      continue;
    }
    if (!isObj(deps)) continue;
    for (const [dep, spec] of Object.entries(deps)) {
      const condition = isObj(spec) ? spec.condition : undefined;
      if (condition === 'service_healthy' || condition === 'service_completed_successfully') continue;
      const entry = isMap(depNode) ? depNode.items.find((p) => (p.key as { value?: unknown } | null)?.value === dep) : undefined;
      out.push({
        ruleId: RULES.dependsOnHealthy.id,
        severity: RULES.dependsOnHealthy.severity,
        file: shown,
        line: lineOf(lc, entry?.key ?? depNode),
        within,
        message: `service ${name}: depends_on ${dep} has condition ${String(condition ?? 'service_started (default)')}, not service_healthy.`,
      });
    }
  }
  return out;
}

export function lintKubernetes(shown: string, text: string): Finding[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  const out: Finding[] = [];
  if (!Array.isArray(docs)) return out;
  for (const doc of docs) {
    const js = doc.toJS() as Js | null;
    if (!isObj(js) || typeof js.kind !== 'string') continue;
    const podPath = js.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
    if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'].includes(js.kind)) continue;
    const seq = doc.getIn([...podPath, 'containers'], true);
    if (!isSeq(seq)) continue;
    const name = `${js.kind}/${String((js.metadata as Js | undefined)?.name ?? '?')}`;
    seq.items.forEach((item) => {
      if (!isMap(item)) return;
      const c = item.toJSON() as Js;
      const line = lineOf(lc, item);
      const label = `${name} container ${String(c.name ?? '?')}`;
      const within = [lineOf(lc, doc.contents)];
      if (c.readinessProbe === undefined) {
        out.push({ ruleId: RULES.readiness.id, severity: RULES.readiness.severity, file: shown, line, message: `${label} has no readinessProbe.`, within });
      }
      if (c.startupProbe === undefined) {
        out.push({ ruleId: RULES.startup.id, severity: RULES.startup.severity, file: shown, line, message: `${label} has no startupProbe.`, within });
      }
    });
  }
  return out;
}
