/** The fix command: flags → proposeFix → printed diffs; --apply writes; bad flags are one-line errors. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { fixCommand, parseFixArgs } from '../../src/cli/commands/fix.js';
import type { CliIo } from '../../src/cli/io.js';
import { FIXTURES, tempCopy } from './helpers.js';

function io(cwd: string): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { stdin: new PassThrough(), stdout, stderr, env: { PATH: process.env.PATH }, cwd, now: () => 0, out: () => o, err: () => e };
}

test('prints nginx + compose diffs, notes and the non_idempotent warning', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/single-peer'));
  const c = tempCopy(path.join(FIXTURES, 'compose'));
  const t = io(dir);
  const code = await fixCommand(
    ['--nginx-conf', 'nginx.conf', '--compose', path.join(c, 'basic.yml'), '--upstream', '127.0.0.1:3000', '--service', 'backend', '--time-to-ready', '8s', '--lost-posts', '4'],
    t,
  );
  expect(code).toBe(0);
  expect(t.out()).toContain('--- nginx.conf');
  expect(t.out()).toContain('+        keepalive 16;');
  expect(t.out()).toContain('condition: service_healthy');
  expect(t.out()).toContain('warning: 4 POST/PATCH/LOCK');
  expect(readFileSync(path.join(dir, 'nginx.conf'), 'utf8')).not.toContain('keepalive');
});

test('--apply writes and reports each file', async () => {
  const dir = tempCopy(path.join(FIXTURES, 'nginx/already-fixed'));
  const t = io(dir);
  expect(await fixCommand(['--nginx-conf', 'nginx.conf', '--upstream', '127.0.0.1:3000', '--apply'], t)).toBe(0);
  expect(t.err()).toContain('unchanged:');
});

test('bad flags are usage errors (exit 2)', () => {
  expect(() => parseFixArgs(['--nginx-conf', 'x'], '/')).toThrow(/--upstream/);
  expect(() => parseFixArgs(['--upstream', 'a:1', '--time-to-ready', 'soon'], '/')).toThrow(/--time-to-ready/);
  expect(() => parseFixArgs(['--upstream', 'a:1', '--lost-posts', 'x'], '/')).toThrow(/whole number/);
  expect(() => parseFixArgs(['--bogus'], '/')).toThrow(/unknown flag --bogus for fix/);
  const a = parseFixArgs(['--upstream', 'backend', '--fix', 'nginx-retry,nginx-keepalive'], '/');
  expect(a.upstreamKey).toBe('backend');
  expect(a.fixIds).toEqual(['nginx-retry', 'nginx-keepalive']);
  expect(a.force).toBe(false);
  expect(parseFixArgs(['--upstream', 'a:1', '--apply', '--force'], '/').force).toBe(true);
});

test('unreadable nginx config: one-line input error', async () => {
  await expect(fixCommand(['--nginx-conf', '/nope/nginx.conf', '--upstream', '127.0.0.1:3000'], io('/'))).rejects.toThrow(/cannot read nginx config/);
});

test('a binary given as --nginx-conf: its parse warnings are printed terminal-safe (no NUL, ESC or other C0 byte)', async () => {
  const t = io(process.cwd());
  const code = await fixCommand(['--nginx-conf', '/bin/ls', '--log', 'fixtures/incidents/restart-race/error.log', '--tz', 'UTC'], t);
  expect(code).toBe(0);
  const warnings = t.out().split('\n').filter((l) => l.startsWith('warning: /bin/ls:'));
  expect(warnings.length).toBeGreaterThan(0);
  // eslint-disable-next-line no-control-regex
  expect(`${t.out()}${t.err()}`).not.toMatch(/[\x00-\x08\x0e-\x1f\x7f]/);
});
