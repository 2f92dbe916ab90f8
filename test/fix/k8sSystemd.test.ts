/** Kubernetes probes and the systemd hint: applied with `patch`, valid, idempotent, sized. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { expect, test } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { FIXTURES, golden, input, patchAll, tempCopy } from './helpers.js';

test('k8s: probes on the container behind the Service port, startup covers the time to ready', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'k8s'));
  const file = path.join(dir, 'deployment.yaml');
  const fixInput = input({ fixIds: ['k8s-probes'], k8s: [file], cwd: dir, upstream: { host: 'backend', port: 80 }, upstreamKey: 'backend:80', timeToReadyMs: 25_000 });
  const proposal = await proposeFix(fixInput);
  const diff = proposal.files[0]!.diff;
  expect(diff).toBe(golden('k8s-deployment', diff));
  patchAll(dir, proposal);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  expect(Array.isArray(docs) && docs.every((d) => d.errors.length === 0)).toBe(true);
  const dep = (docs as unknown as Array<{ toJS(): any }>)[0]!.toJS();
  const [backend, shipper] = dep.spec.template.spec.containers;
  expect(backend.startupProbe.periodSeconds * backend.startupProbe.failureThreshold).toBeGreaterThanOrEqual(25);
  expect(backend.readinessProbe.tcpSocket.port).toBe(3000);
  expect(backend.livenessProbe).toBeTruthy();
  expect(shipper.readinessProbe).toBeUndefined();
  expect((await proposeFix(fixInput)).files[0]!.diff).toBe('');
});

test('k8s: existing probes are kept; too short a startupProbe is warned about', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'k8s'));
  const proposal = await proposeFix(
    input({ fixIds: ['k8s-probes'], k8s: [path.join(dir, 'deployment-probes.yaml')], cwd: dir, timeToReadyMs: 90_000, healthPath: '/health' }),
  );
  expect(proposal.files[0]!.diff).toBe('');
  expect(proposal.warnings.join('\n')).toContain('startupProbe allows 60s');
});

test('systemd: ExecStartPost wait loop and TimeoutStartSec, idempotent', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'systemd'));
  const unit = path.join(dir, 'backend.service');
  const fixInput = input({ fixIds: ['supervisor-grace'], systemdUnit: unit, cwd: dir });
  const proposal = await proposeFix(fixInput);
  const diff = proposal.files[0]!.diff;
  expect(diff).toBe(golden('systemd-backend', diff));
  expect(diff).toContain('ExecStartPost=/bin/sh -c');
  expect(diff).toContain('$$((i+1))');
  expect(diff).toContain('TimeoutStartSec=24s');
  patchAll(dir, proposal);
  const text = readFileSync(unit, 'utf8');
  expect(text.indexOf('TimeoutStartSec')).toBeLessThan(text.indexOf('[Install]'));
  expect((await proposeFix(fixInput)).files[0]!.diff).toBe('');
});
