/** Compose fixes: each fixture's diff is golden, applies with `patch`, parses, and is idempotent. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { expect, test } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { FIXTURES, golden, input, patchAll, tempCopy } from './helpers.js';

const COMPOSE_IDS = ['compose-healthcheck', 'compose-depends-on-healthy', 'compose-restart-policy'];

interface Case {
  file: string;
  backend: string;
  nginx: string | null;
  host?: string;
  port?: number;
  tool: string | null;
}

const CASES: Case[] = [
  { file: 'basic.yml', backend: 'backend', nginx: 'nginx', tool: '"node", "-e"' },
  { file: 'map-depends.yml', backend: 'api', nginx: 'proxy', host: 'api', port: 8000, tool: '"curl", "-fsS"' },
  { file: 'existing-healthcheck.yml', backend: 'backend', nginx: 'nginx', tool: null },
  { file: 'anchors.yml', backend: 'backend', nginx: 'nginx', tool: '"python", "-c"' },
  { file: 'python-ports.yml', backend: 'web', nginx: 'nginx', tool: 'http://127.0.0.1:8000/' },
  { file: 'alpine-wget.yml', backend: 'backend', nginx: 'gateway', tool: '"wget", "-qO-"' },
  { file: 'no-depends.yml', backend: 'backend', nginx: 'nginx', host: 'backend', tool: '"curl", "-fsS"' },
  { file: 'long-ports-4space.yml', backend: 'backend', nginx: 'nginx', tool: '"node", "-e"' },
  { file: 'flush-seq.yml', backend: 'backend', nginx: 'nginx', tool: '"node", "-e"' },
];

for (const c of CASES) {
  test(`compose ${c.file}`, async () => {
    const dir = tempCopy(path.join(FIXTURES, 'compose'));
    const compose = path.join(dir, c.file);
    const fixInput = input({
      fixIds: COMPOSE_IDS,
      compose,
      cwd: dir,
      upstream: { host: c.host ?? '127.0.0.1', port: c.port ?? 3000 },
      upstreamKey: `${c.host ?? '127.0.0.1'}:${c.port ?? 3000}`,
    });
    const proposal = await proposeFix(fixInput);
    const diff = proposal.files.map((f) => f.diff).join('');
    expect(diff).toBe(golden(`compose-${c.file}`, diff));
    if (c.tool) expect(diff).toContain(c.tool);
    patchAll(dir, proposal);
    const doc = parseDocument(readFileSync(compose, 'utf8'), { merge: true });
    expect(doc.errors).toEqual([]);
    const services = (doc.toJS() as { services: Record<string, Record<string, unknown>> }).services;
    const backend = services[c.backend]!;
    expect(backend.healthcheck).toBeTruthy();
    expect(backend.restart ?? (backend.deploy as { restart_policy?: unknown } | undefined)?.restart_policy).toBeTruthy();
    if (c.nginx) {
      const deps = services[c.nginx]!.depends_on as Record<string, { condition: string }>;
      expect(deps[c.backend]!.condition).toBe('service_healthy');
    }
    // Comments survive.
    const original = readFileSync(path.join(FIXTURES, 'compose', c.file), 'utf8');
    for (const line of original.split('\n').filter((l) => l.trim().startsWith('#'))) expect(readFileSync(compose, 'utf8')).toContain(line);
    const again = await proposeFix(fixInput);
    expect(again.files.map((f) => f.diff).join('')).toBe('');
  });
}

test('the healthcheck is sized from the time to ready', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'compose'));
  const proposal = await proposeFix(input({ fixIds: COMPOSE_IDS, compose: path.join(dir, 'basic.yml'), cwd: dir, timeToReadyMs: 40_000 }));
  const diff = proposal.files[0]!.diff;
  expect(diff).toContain('start_period: 60s');
  expect(diff).toContain('interval: 10s');
  expect(diff).toContain('condition: service_healthy');
  expect(proposal.files[0]!.notes.join('\n')).toContain('list form was converted');
});

test('unknown time to ready: safe defaults, and a warning that says so', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'compose'));
  const proposal = await proposeFix(input({ fixIds: COMPOSE_IDS, compose: path.join(dir, 'basic.yml'), cwd: dir, timeToReadyMs: null }));
  expect(proposal.warnings.join('\n')).toContain('time to ready unknown');
  expect(proposal.files[0]!.diff).toContain('start_period: 45s');
});

test('an existing short healthcheck is kept, with a note', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'compose'));
  const proposal = await proposeFix(input({ fixIds: COMPOSE_IDS, compose: path.join(dir, 'existing-healthcheck.yml'), cwd: dir, timeToReadyMs: 60_000 }));
  expect(proposal.files[0]!.diff).toBe('');
  expect(proposal.files[0]!.notes.join('\n')).toContain('existing healthcheck of backend is kept');
});
