/** The incident fixture folders every fixture test runs: generated (fixtures/incidents) and recorded for real (fixtures/recorded). */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './cli.js';

function foldersOf(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'expected.json'))).sort() : [];
}

export const INCIDENTS_ROOT = path.join(REPO, 'fixtures/incidents');
export const RECORDED_ROOT = path.join(REPO, 'fixtures/recorded');
export const INCIDENT_FOLDERS = foldersOf(INCIDENTS_ROOT);
export const RECORDED_FOLDERS = foldersOf(RECORDED_ROOT);

/**
 * Recorded incidents whose primary cause is a rule this branch does not have yet. Empty since issue
 * 13 items 4 and 5 (upstream groups from the nginx config, stale addresses) exist; an entry here is
 * checked to be really missing (test/fixtures/incidents.test.ts), so it cannot outlive its reason.
 */
export const AWAITING_RULE: Record<string, string> = {};

/** Every folder whose diagnosis the tests check, with a display name. */
export function checkedFixtures(): { name: string; dir: string }[] {
  return [
    ...INCIDENT_FOLDERS.map((n) => ({ name: n, dir: path.join(INCIDENTS_ROOT, n) })),
    ...RECORDED_FOLDERS.filter((n) => !AWAITING_RULE[n]).map((n) => ({ name: `recorded/${n}`, dir: path.join(RECORDED_ROOT, n) })),
  ];
}
