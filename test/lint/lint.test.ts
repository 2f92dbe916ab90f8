/** Each lint rule fires on its bad case and not on its fixed case; formats and exit codes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
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

test('lint text output is terminal-safe: a config with ESC and control bytes prints none of them', async () => {
  const file = write('nginx.conf', 'http {\n  upstream a\x1b[31mb {\n    server 10.0.0.1:80;\n  }\n  server {\n    location / { proxy_pass http://ab; }\n    location /x { proxy_pass http://ab\x00 \x01 }\n  }\n}\n');
  const t = io(path.dirname(file));
  expect(await lintCommand([file], t)).toBe(0);
  expect(t.out()).toMatch(/warning RD-NGX-000 skipped the "location \/x" block/);
  expect(t.out()).toContain('upstream "ab"'); // the ESC sequence in the name is removed
  expect(t.out()).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/); // eslint-disable-line no-control-regex
});

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

test('an error fails lint (exit 1) whatever --strict says', async () => {
  const file = write('ka.conf', 'http { upstream a { server 127.0.0.1:1 max_fails=3; server 127.0.0.1:2 max_fails=3; keepalive 4; } server { proxy_next_upstream error; location / { proxy_pass http://a; proxy_set_header Connection ""; } } }');
  const out = io(path.dirname(file));
  expect(await lintCommand([file], out)).toBe(1);
  expect(out.out()).toMatch(/error RD-NGX-004/);
  expect(out.out()).toMatch(/1 error, 0 warnings, 0 notes$/m); // plural forms: "1 error", "0 warnings"
});

describe('waivers', () => {
  const NGINX = [
    'http {',
    '  upstream a {',
    '    # restartdoctor: ignore RD-NGX-001',
    '    server 127.0.0.1:1;',
    '    server 127.0.0.1:2; # restartdoctor: ignore upstream-server-max-fails',
    '  }',
    '  # restartdoctor: ignore RD-NGX-001, RD-NGX-002',
    '  upstream b {',
    '    server 127.0.0.1:3;',
    '  }',
    '  upstream c {',
    '    server 127.0.0.1:4;',
    '    server 127.0.0.1:5 max_fails=3;',
    '  }',
    '  proxy_next_upstream error;',
    '}',
    '',
  ].join('\n');
  const COMPOSE = [
    'services:',
    '  # restartdoctor: ignore RD-DC-001 RD-DC-002',
    '  nginx:',
    '    image: nginx',
    '    depends_on: [app]',
    '  app: # restartdoctor: ignore RD-DC-001',
    '    image: app',
    '  db:',
    '    image: postgres',
    '  worker:',
    '    image: w',
    '    depends_on:',
    '      app: # restartdoctor: ignore compose-depends-on-healthy',
    '        condition: service_started',
    '      db:',
    '        condition: service_started',
    '',
  ].join('\n');

  test('nginx comments on the line above, on the line, and on the enclosing block waive; the rest stays', () => {
    const file = write('w.conf', NGINX);
    const r = lintFiles([file], path.dirname(file));
    expect(r.waived.map((w) => [w.ruleId, w.line, w.waivedBy])).toEqual([
      ['RD-NGX-001', 4, 'comment at w.conf:3'],
      ['RD-NGX-001', 5, 'comment at w.conf:5'],
      ['RD-NGX-001', 9, 'comment at w.conf:7'], // inside upstream b, waived on the block
      ['RD-NGX-002', 8, 'comment at w.conf:7'],
    ]);
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([['RD-NGX-001', 12]]);
  });

  test('compose comments on the service or the key waive; --ignore waives everywhere; all are listed and counted', async () => {
    const file = write('docker-compose.yml', COMPOSE);
    const r = lintFiles([file], path.dirname(file));
    expect(r.waived.map((w) => [w.ruleId, w.line])).toEqual([
      ['RD-DC-001', 3],
      ['RD-DC-002', 5],
      ['RD-DC-001', 6],
      ['RD-DC-002', 13],
    ]);
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([
      ['RD-DC-001', 8],
      ['RD-DC-001', 10],
      ['RD-DC-002', 15],
    ]);
    const text = io(path.dirname(file));
    expect(await lintCommand([file, '--ignore', 'RD-DC-001,compose-depends-on-healthy', '--strict'], text)).toBe(0);
    expect(text.out()).toMatch(/^docker-compose\.yml:8: waived warning RD-DC-001 service db has no healthcheck\. \(by --ignore\)$/m);
    expect(text.out()).toMatch(/^docker-compose\.yml:3: waived warning RD-DC-001 service nginx has no healthcheck\. \(by comment at docker-compose\.yml:2\)$/m);
    expect(text.out()).toMatch(/^1 file checked: no findings, 7 waived findings$/m);
    const json = io(path.dirname(file));
    expect(await lintCommand([file, '--ignore', 'RD-DC-001', '--ignore', 'RD-DC-002', '--json'], json)).toBe(0);
    const doc = JSON.parse(json.out());
    expect(doc).toMatchObject({ schemaVersion: 1, counts: { error: 0, warning: 0, note: 0, waived: 7 }, findings: [] });
    expect(doc.waived[0]).toEqual({ ruleId: 'RD-DC-001', severity: 'warning', file: 'docker-compose.yml', line: 3, message: 'service nginx has no healthcheck.', waivedBy: 'comment at docker-compose.yml:2' });
    expect(JSON.stringify(doc)).not.toContain('within');
  });

  test('SARIF keeps waived findings as suppressed results', () => {
    const file = write('docker-compose.yml', COMPOSE);
    const sarif = toSarif(lintFiles([file], path.dirname(file), new Set(['RD-DC-002'])), '0.1.0') as any;
    const results = sarif.runs[0].results as Array<{ ruleId: string; suppressions?: Array<{ kind: string }> }>;
    expect(results.filter((x) => !x.suppressions).map((x) => x.ruleId)).toEqual(['RD-DC-001', 'RD-DC-001']);
    expect(results.filter((x) => x.suppressions?.[0]?.kind === 'inSource')).toHaveLength(4);
    expect(results.filter((x) => x.suppressions?.[0]?.kind === 'external')).toHaveLength(1);
  });

  test('a comment naming no rule is itself a warning; --ignore of an unknown rule is a usage error naming the nearest', async () => {
    const file = write('docker-compose.yml', 'services:\n  app: # restartdoctor: ignore RD-DC-01\n    image: app\n');
    const r = lintFiles([file], path.dirname(file));
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([
      ['RD-DC-001', 2],
      ['RD-LINT-001', 2],
    ]);
    expect(r.findings[1]!.message).toBe('"# restartdoctor: ignore RD-DC-01" names no rule, so it waives nothing.');
    await expect(lintCommand([file, '--ignore', 'RD-DC-01'], io(path.dirname(file)))).rejects.toMatchObject({ exitCode: 2, message: 'lint: --ignore RD-DC-01: no such rule (did you mean RD-DC-001?)' });
  });
});
