/**
 * `--patterns DIR` through the built CLI: DIR's rules are laid over the bundled ones by id, so a
 * folder holding one edited rule changes that rule and keeps every other (it used to replace the
 * whole set, and a one-file folder was refused for having no fallback).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { tempDir } from './helpers.js';

const FIX = path.join(REPO, 'fixtures/incidents');
let t: ReturnType<typeof tempDir>;

beforeAll(() => {
  t = tempDir();
  const own = JSON.parse(readFileSync(path.join(REPO, 'patterns/header-too-big.json'), 'utf8')) as Record<string, unknown>;
  own.title = 'Header too big (our runbook: RB-42)';
  t.file('header-too-big.json', JSON.stringify(own));
});
afterAll(() => t.cleanup());

async function diagnosis(folder: string): Promise<{ patternId: string; title: string }[]> {
  const dir = path.join(FIX, folder);
  const args = ['--log', path.join(dir, 'error.log'), '--tz', 'UTC', '--json', '--patterns', t.dir];
  if (folder === 'restart-race') args.push('--events', path.join(dir, 'docker-events.jsonl'), '--containers', path.join(dir, 'inspect.json'));
  const r = await runCli(args);
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { incidents: { diagnosis: { patternId: string; title: string } }[] }).incidents.map((i) => ({ patternId: i.diagnosis.patternId, title: i.diagnosis.title }));
}

describe('--patterns DIR overlays the bundled rules', () => {
  it('the rule with the same id is replaced', async () => {
    expect(await diagnosis('classic-too-big-header')).toEqual([{ patternId: 'header-too-big', title: 'Header too big (our runbook: RB-42)' }]);
  });

  it('every other bundled rule still applies', async () => {
    const d = await diagnosis('restart-race');
    expect(d.map((x) => x.patternId)).toEqual(['restart-race']);
  });
});
