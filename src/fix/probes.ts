/**
 * The Kubernetes probes a backend container gets (k8s.ts writes them into a manifest, advice.ts
 * names their values): apart from k8s.ts so that advice loads no YAML library.
 */
import type { Timing } from './timing.js';

export function probeLines(port: number, healthPath: string | null | undefined, t: Timing): Record<string, unknown> {
  // A fresh object per probe: shared ones would be rendered as YAML anchors and aliases.
  const check = () => (healthPath ? { httpGet: { path: healthPath, port } } : { tcpSocket: { port } });
  return {
    startupProbe: { ...check(), periodSeconds: t.startupPeriodS, failureThreshold: t.startupFailureThreshold },
    readinessProbe: { ...check(), periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...check(), periodSeconds: 10, failureThreshold: 3 },
  };
}
