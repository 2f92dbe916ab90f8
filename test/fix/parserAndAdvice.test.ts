/** Tokenizer/parser details, include globs, and the advice-only fixes. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { matchSegment } from '../../src/fix/nginx/glob.js';
import { loadNginxConfig } from '../../src/fix/nginx/load.js';
import { parseNginx } from '../../src/fix/nginx/parser.js';
import { proposeFix } from '../../src/fix/propose.js';
import { parseDuration, timing } from '../../src/fix/timing.js';
import { input } from './helpers.js';

test('tokens: quotes with escapes, comments, ${var}, line numbers', () => {
  const p = parseNginx('x.conf', 'a "q \\"x\\" ;{}" # c\n  \'it\\\'s\';\nset $v "${host}_x";\nb {\n  c d; # e\n}\n');
  expect(p.warnings).toEqual([]);
  expect(p.directives.map((d) => [d.name, d.args, d.line])).toEqual([
    ['a', ['q "x" ;{}', "it's"], 1],
    ['set', ['$v', '${host}_x'], 3],
    ['b', [], 4],
  ]);
  expect(p.directives[2]!.block![0]!.line).toBe(5);
  expect(p.directives[2]!.comments.map((c) => c.value)).toEqual([' e']);
});

test('errors skip the block and go on: missing ;, unterminated string, stray }', () => {
  const p = parseNginx('x.conf', 'http {\n  server {\n    location / {\n      proxy_pass x\n    }\n    listen 80;\n  }\n}\n}\n');
  expect(p.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
    '3: skipped the "location /" block: "proxy_pass" is not terminated by ";" (line 5)',
    '9: unexpected "}" skipped',
  ]);
  expect(p.directives[0]!.block![0]!.block!.map((d) => d.name)).toEqual(['listen']);
  const q = parseNginx('y.conf', 'a 1;\nb "never closed;\n');
  expect(q.warnings[0]!.message).toContain('unterminated');
  expect(q.directives.map((d) => d.name)).toEqual(['a']);
});

test('warnings quote the file terminal-safe: NUL, ESC sequences and other controls never reach a printer', () => {
  const p = parseNginx('x.conf', 'http {\n  location / { proxy_pass \x1b[31mred\x00\x07 }\n}\n\x01\x02 }\n');
  expect(p.warnings.length).toBeGreaterThan(0);
  for (const w of p.warnings) expect(w.message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/); // eslint-disable-line no-control-regex
  expect(p.warnings[1]!.message).toBe('"\uFFFD\uFFFD" is not terminated by ";"; statement at line 4 skipped'); // control bytes shown as U+FFFD
});

test('glob segments as glob(3) matches them', () => {
  expect(matchSegment('*.conf', 'a.conf')).toBe(true);
  expect(matchSegment('*.conf', '.hidden.conf')).toBe(false);
  expect(matchSegment('[0-9]?-*.conf', '10-gzip.conf')).toBe(true);
  expect(matchSegment('[!a]*', 'abc')).toBe(false);
  expect(matchSegment('site\\*', 'site*')).toBe(true);
});

test('includes: relative to the prefix, sorted, nested, missing file reported', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-inc-'));
  mkdirSync(path.join(dir, 'conf.d'));
  writeFileSync(path.join(dir, 'nginx.conf'), 'http {\n  include conf.d/*.conf;\n  include missing.conf;\n}\n');
  writeFileSync(path.join(dir, 'conf.d/b.conf'), 'server { listen 81; }\n');
  writeFileSync(path.join(dir, 'conf.d/a.conf'), 'upstream u { server 127.0.0.1:1; }\ninclude conf.d/b.conf;\n');
  const c = loadNginxConfig(path.join(dir, 'nginx.conf'));
  const http = c.root[0]!;
  expect(http.block!.filter((d) => d.name !== 'include').map((d) => `${path.basename(d.file)}:${d.line}:${d.name}`)).toEqual([
    'a.conf:1:upstream',
    'b.conf:1:server',
    'b.conf:1:server',
  ]);
  expect(http.block!.find((d) => d.name === 'upstream')!.parent).toBe(http);
  expect(c.warnings.map((w) => w.message).join()).toContain('cannot read');
});

test('durations and sizing', () => {
  expect(parseDuration('8s')).toBe(8000);
  expect(parseDuration('1m30s')).toBe(90_000);
  expect(parseDuration('1500ms')).toBe(1500);
  expect(parseDuration('soon')).toBeNull();
  const t = timing(8000);
  expect(t.nextUpstreamTimeoutS).toBeGreaterThanOrEqual(8);
  expect(t.startupFailureThreshold * t.startupPeriodS).toBeGreaterThanOrEqual(8);
});

test('advice without config files, unknown ids warned about', async () => {
  const p = await proposeFix(
    input({
      fixIds: ['nginx-retry', 'compose-healthcheck', 'app-sigterm', 'memory-limit', 'crash-investigate', 'nginx-timeouts', 'nginx-resolve', 'bogus'],
      container: 'shop-api-1',
      service: 'api', // compose labels: compose advice is printed (propose.ts evidencedPlatforms)
      exitCodes: [137],
    }),
  );
  const advice = p.advice.join('\n');
  expect(advice).toContain('proxy_next_upstream_timeout 12s');
  expect(advice).toContain('start_period: 12s');
  expect(advice).toContain('init: true');
  expect(advice).toContain('exit code 137');
  expect(advice).toContain('docker logs --tail 200 shop-api-1');
  expect(advice).toContain('proxy_read_timeout');
  expect(advice).toContain('resolver 127.0.0.11 valid=10s');
  expect(advice).toContain('resolve;');
  expect(p.warnings).toContain('unknown fix id "bogus" ignored.');
  expect(p.files).toEqual([]);
});
