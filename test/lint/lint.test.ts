/** Each lint rule fires on its bad case and not on its fixed case; formats and exit codes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { lintCommand } from '../../src/cli/commands/lint.js';
import type { CliIo } from '../../src/cli/io.js';
import { detectKind, lintFiles, RULE_LIST, toSarif } from '../../src/lint/index.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(REPO, 'fixtures/configs');

function write(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-lint-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function ids(file: string): string[] {
  return lintFiles([file], path.dirname(file)).findings.map((f) => f.ruleId);
}

const CASES: Array<{ rule: string; name: string; bad: string; good: string }> = [
  {
    rule: 'RD-NGX-000',
    name: 'n.conf',
    bad: 'http { server { location / { proxy_pass http://a } } }',
    good: 'http { server { location / { return 200; } } }',
  },
  {
    rule: 'RD-NGX-001',
    name: 'n.conf',
    bad: 'http { upstream a { server 127.0.0.1:1; server 127.0.0.1:2 max_fails=3; } }',
    good: 'http { upstream a { server 127.0.0.1:1 max_fails=3; server 127.0.0.1:2 max_fails=3; } }',
  },
  {
    rule: 'RD-NGX-002',
    name: 'n.conf',
    bad: 'http { upstream a { server 127.0.0.1:1 max_fails=3; } }',
    good: 'http { upstream a { server 127.0.0.1:1 max_fails=3; server 127.0.0.1:2 backup; } }',
  },
  {
    rule: 'RD-NGX-003',
    name: 'n.conf',
    bad: 'http { server { location / { proxy_pass http://127.0.0.1:1; } } }',
    good: 'http { proxy_next_upstream error timeout; server { location / { proxy_pass http://127.0.0.1:1; } } }',
  },
  {
    rule: 'RD-NGX-004',
    name: 'n.conf',
    bad: 'http { upstream a { server 127.0.0.1:1; keepalive 4; } server { location / { proxy_pass http://a; } } }',
    good: 'http { upstream a { server 127.0.0.1:1; keepalive 4; } server { proxy_http_version 1.1; location / { proxy_pass http://a; } } }',
  },
  {
    rule: 'RD-NGX-005',
    name: 'n.conf',
    bad: 'http { upstream a { server 127.0.0.1:1; keepalive 4; } server { location / { proxy_pass http://a; } } }',
    good: 'http { upstream a { server 127.0.0.1:1; keepalive 4; } server { location / { proxy_pass http://a; proxy_set_header Connection ""; } } }',
  },
  {
    rule: 'RD-DC-001',
    name: 'c.yml',
    bad: 'services:\n  app:\n    image: x\n',
    good: 'services:\n  app:\n    image: x\n    healthcheck:\n      test: ["CMD", "true"]\n',
  },
  {
    rule: 'RD-DC-002',
    name: 'c.yml',
    bad: 'services:\n  web:\n    image: nginx\n    depends_on:\n      - app\n',
    good: 'services:\n  web:\n    image: nginx\n    depends_on:\n      app:\n        condition: service_healthy\n',
  },
  {
    rule: 'RD-K8S-001',
    name: 'k.yaml',
    bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: x\n',
    good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: x\n          readinessProbe: {tcpSocket: {port: 1}}\n',
  },
  {
    rule: 'RD-K8S-002',
    name: 'k.yaml',
    bad: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: x\n',
    good: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: x\n      startupProbe: {tcpSocket: {port: 1}}\n',
  },
];

for (const c of CASES) {
  test(`${c.rule} fires on its bad case, not on its fixed case`, () => {
    expect(ids(write(c.name, c.bad))).toContain(c.rule);
    expect(ids(write(c.name, c.good))).not.toContain(c.rule);
  });
}

test('findings carry file:line of the offending directive', () => {
  const file = write('x.conf', 'http {\n  upstream a {\n    server 127.0.0.1:1;\n  }\n}\n');
  const f = lintFiles([file], path.dirname(file)).findings.find((x) => x.ruleId === 'RD-NGX-001')!;
  expect(f).toMatchObject({ file: 'x.conf', line: 3, severity: 'warning' });
});

test('kind is detected from the content, not the name', () => {
  expect(detectKind('events {}\nhttp { }\n')).toBe('nginx');
  expect(detectKind('services:\n  a:\n    image: x\n')).toBe('compose');
  expect(detectKind('apiVersion: v1\nkind: Pod\n')).toBe('kubernetes');
  expect(detectKind('just some words\n')).toBeNull();
});

test('the fixed fixtures lint clean of failures; the unfixed ones do not', () => {
  const fixed = lintFiles([path.join(FIX, 'nginx/already-fixed/nginx.conf')], REPO).findings;
  expect(fixed.filter((f) => f.severity !== 'note')).toEqual([]);
  expect(lintFiles([path.join(FIX, 'nginx/single-peer/nginx.conf')], REPO).findings.map((f) => f.ruleId)).toEqual(
    expect.arrayContaining(['RD-NGX-001', 'RD-NGX-002', 'RD-NGX-003']),
  );
});

test('SARIF 2.1.0: rules, results with rule index, locations and regions', () => {
  const file = path.join(FIX, 'nginx/single-peer/nginx.conf');
  const sarif = toSarif(lintFiles([file, path.join(FIX, 'compose/basic.yml')], REPO), '0.1.0') as any;
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
  const run = sarif.runs[0];
  expect(run.tool.driver.name).toBe('restartdoctor');
  expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(RULE_LIST.map((r) => r.id));
  expect(run.results.length).toBeGreaterThan(0);
  for (const r of run.results) {
    expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(['error', 'warning', 'note']).toContain(r.level);
    expect(typeof r.message.text).toBe('string');
    const loc = r.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toMatch(/^fixtures\/configs\//);
    expect(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1).toBe(true);
  }
});

function io(cwd: string): CliIo & { out: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d) => (text += String(d)));
  return { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cwd, now: () => 0, out: () => text };
}

test('lint command: warnings exit 0 (1 with --strict), errors 1, 2 on unreadable input; json output', async () => {
  const bad = io(REPO);
  expect(await lintCommand(['fixtures/configs/nginx/single-peer/nginx.conf'], bad)).toBe(0);
  expect(bad.out()).toMatch(/nginx\.conf:\d+: warning RD-NGX-001/);
  expect(await lintCommand(['--strict', 'fixtures/configs/nginx/single-peer/nginx.conf'], io(REPO))).toBe(1);
  const clean = io(REPO);
  expect(await lintCommand(['fixtures/configs/nginx/already-fixed/nginx.conf', 'fixtures/configs/compose/existing-healthcheck.yml'], clean)).toBe(0);
  expect(await lintCommand(['--strict', 'fixtures/configs/nginx/already-fixed/nginx.conf', 'fixtures/configs/compose/existing-healthcheck.yml'], io(REPO))).toBe(1);
  const ok = io(REPO);
  expect(await lintCommand(['fixtures/configs/nginx/already-fixed/nginx.conf'], ok)).toBe(0);
  const json = io(REPO);
  await lintCommand(['--format', 'json', 'fixtures/configs/compose/basic.yml'], json);
  expect(JSON.parse(json.out()).files[0].kind).toBe('compose');
  await expect(lintCommand(['/nonexistent/nginx.conf'], io(REPO))).rejects.toMatchObject({ exitCode: 2 });
  await expect(lintCommand(['--format', 'xml', 'a'], io(REPO))).rejects.toMatchObject({ exitCode: 2 });
});
