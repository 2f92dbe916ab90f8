/**
 * Kubernetes probes for the backend container: a startupProbe whose failureThreshold ×
 * periodSeconds covers the time to ready (liveness waits for it), a readinessProbe that keeps
 * the pod out of the Service until it answers, and a livenessProbe. Existing probes are kept.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments, type YAMLMap } from 'yaml';
import { InputError, oneLine } from '../util/errors.js';
import type { FixInput, PlanResult, PlannedFile } from './types.js';
import { describeReady, type Timing } from './timing.js';
import { probeLines } from './probes.js';
import { applyEdits, unifiedDiff, type Edit } from './textEdit.js';
import { displayPath } from './paths.js';
import { detectStyle, insertIntoMap, isMap, renderLines } from './yamlEdit.js';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);

interface Container {
  name?: string;
  ports?: Array<{ containerPort?: number; name?: string }>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: { periodSeconds?: number; failureThreshold?: number };
}

interface Candidate {
  workload: string;
  path: Array<string | number>;
  container: Container;
  docIndex: number;
}

/** Service port → targetPort (numeric only), so `backend:80` can lead to containerPort 3000. */
function servicePortMap(docs: unknown[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of docs) {
    const doc = d as { kind?: string; spec?: { ports?: Array<{ port?: number; targetPort?: unknown }> } } | null;
    if (doc?.kind !== 'Service') continue;
    for (const p of doc.spec?.ports ?? []) {
      if (typeof p.port === 'number' && typeof p.targetPort === 'number') out.set(p.port, p.targetPort);
    }
  }
  return out;
}

export function planK8s(file: string, input: FixInput, t: Timing, cwd: string): PlanResult {
  const abs = path.resolve(file);
  const shown = displayPath(abs, cwd);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read Kubernetes manifest ${file}: ${oneLine(err)}`);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) return { files: [], advice: [], warnings: [`${shown}: no YAML documents; Kubernetes fixes skipped.`] };
  const bad = docs.find((d) => d.errors.length > 0);
  if (bad) return { files: [], advice: [], warnings: [`${shown}: not valid YAML (${oneLine(bad.errors[0]!.message)}); Kubernetes fixes skipped.`] };
  const values = docs.map((d) => d.toJS() as unknown);
  const candidates: Candidate[] = [];
  values.forEach((v, docIndex) => {
    const doc = v as { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> } | null;
    if (!doc?.kind || !WORKLOADS.has(doc.kind)) return;
    const podPath: Array<string | number> = doc.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
    let pod: unknown = doc;
    for (const k of podPath) pod = (pod as Record<string, unknown> | null)?.[k as string];
    const containers = (pod as { containers?: Container[] } | null)?.containers ?? [];
    containers.forEach((container, i) =>
      candidates.push({ workload: `${doc.kind}/${doc.metadata?.name ?? '?'}`, path: [...podPath, 'containers', i], container, docIndex }),
    );
  });
  if (candidates.length === 0) return { files: [], advice: [], warnings: [`${shown}: no Deployment/StatefulSet/DaemonSet/Pod containers; Kubernetes fixes skipped.`] };

  const upstreamPort = input.upstream.port;
  const ports = servicePortMap(values);
  const wantedPort = upstreamPort === null ? null : (ports.get(upstreamPort) ?? upstreamPort);
  const notes: string[] = [];
  let chosen = candidates.filter((c) => c.container.ports?.some((p) => p.containerPort === wantedPort));
  if (chosen.length === 0) {
    const byName = candidates.filter((c) => c.container.name && [input.service, input.container, input.upstream.host].includes(c.container.name));
    chosen = byName.length > 0 ? byName : candidates.length === 1 ? candidates : [];
    if (chosen.length === 0) return { files: [], advice: [], warnings: [`${shown}: no container declares port ${wantedPort ?? '?'}; Kubernetes fixes skipped.`] };
    notes.push(`no container declares containerPort ${wantedPort ?? '?'}; using ${chosen[0]!.workload} container ${chosen[0]!.container.name ?? '#0'}.`);
  }

  const style = detectStyle(text);
  const edits: Edit[] = [];
  const warnings: string[] = [];
  for (const c of chosen) {
    const port = wantedPort ?? c.container.ports?.[0]?.containerPort ?? 80;
    const probes = probeLines(port, input.healthPath, t);
    const missing: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(probes)) if ((c.container as Record<string, unknown>)[key] === undefined) missing[key] = value;
    const sp = c.container.startupProbe;
    if (sp) {
      const covered = (sp.periodSeconds ?? 10) * (sp.failureThreshold ?? 3);
      if (covered * 1000 < t.readyMs) {
        warnings.push(
          `${shown}: ${c.workload} container ${c.container.name ?? ''} startupProbe allows ${covered}s (failureThreshold × periodSeconds) but the ${describeReady(t)}: ` +
            `use failureThreshold: ${Math.ceil(t.coverS / (sp.periodSeconds ?? 10))}.`,
        );
      }
    }
    if (Object.keys(missing).length === 0) continue;
    const node = docs[c.docIndex]!.getIn(c.path, true);
    if (!isMap(node)) continue;
    const edit = insertIntoMap(text, node as YAMLMap, renderLines(missing, style));
    if (!edit) {
      warnings.push(`${shown}: ${c.workload} container is a flow mapping; add the probes by hand.`);
      continue;
    }
    edits.push({ ...edit, file: abs });
    notes.push(
      `${c.workload} container ${c.container.name ?? ''}: added ${Object.keys(missing).join(', ')} on port ${port}; ` +
        `startupProbe failureThreshold ${t.startupFailureThreshold} × periodSeconds ${t.startupPeriodS} = ${t.startupFailureThreshold * t.startupPeriodS}s ≥ ${describeReady(t)}.` +
        (input.healthPath ? '' : ' The probes check the TCP port; switch to httpGet on the health endpoint when the app has one.'),
    );
  }
  const after = applyEdits(text, edits);
  const check = parseAllDocuments(after);
  if (Array.isArray(check) && check.some((d) => d.errors.length > 0)) {
    return { files: [], advice: [], warnings: [...warnings, `${shown}: the probe edit did not re-parse; not proposed.`] };
  }
  const fixFile: PlannedFile = { path: abs, kind: 'kubernetes', diff: unifiedDiff(shown, text, after), notes };
  if (!fixFile.diff && notes.length === 0) fixFile.notes.push('already holds the fix: readiness, liveness and startup probes are set.');
  return { files: [fixFile], advice: [], warnings };
}
