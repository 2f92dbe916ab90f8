/**
 * A fix's files are named in the reports as their diff headers name them, relative to where the
 * command runs: an exported incident carries no path of the machine it was made on. FixFile.path
 * stays the absolute file `--apply` writes.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { fixFileName } from '../../src/report/diffView.js';
import { REPO, runCli } from '../support/cli.js';
import { FIXTURES, input } from './helpers.js';

const RACE = 'fixtures/incidents/restart-race';
const FILES = ['error.log', 'docker-events.jsonl', 'inspect.json', 'nginx.conf', 'docker-compose.yml'];

/** The demo's arguments (npm run demo), relative to `dir`. */
function demoArgs(dir: string): string[] {
  const at = (f: string) => (dir ? `${dir}/${f}` : f);
  return ['--log', at('error.log'), '--events', at('docker-events.jsonl'), '--containers', at('inspect.json'), '--nginx-conf', at('nginx.conf'), '--compose', at('docker-compose.yml'), '--tz', 'UTC'];
}

/** Each fix file's heading in the markdown export and the `+++` header of the diff under it. */
function headingsAndHeaders(md: string): [string, string][] {
  const fix = md.slice(md.indexOf('### Proposed fix'), md.indexOf('### Evidence'));
  return [...fix.matchAll(/^`([^`]+)` \((?:nginx|compose)\)\n[\s\S]*?^\+\+\+ (.+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

describe('fix files named relative to the working directory', () => {
  it('the markdown export heads each file with its diff header name, and names no absolute path', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'rd-display-'));
    const out = path.join(tmp, 'incident.md');
    await runCli([...demoArgs(RACE), '--export', out]);
    const md = readFileSync(out, 'utf8');
    expect(headingsAndHeaders(md)).toEqual([
      [`${RACE}/nginx.conf`, `${RACE}/nginx.conf`],
      [`${RACE}/docker-compose.yml`, `${RACE}/docker-compose.yml`],
    ]);
    expect(md).not.toContain(path.resolve(RACE));
    expect(md).not.toMatch(/`\/[^`\s]+` \((?:nginx|compose)\)/);
  });

  it('the JSON keeps the absolute path --apply writes and adds the display path the reports print', async () => {
    const r = await runCli([...demoArgs(RACE), '--json']);
    const files = (JSON.parse(r.stdout) as { incidents: { fix: { files: { path: string; displayPath: string; diff: string }[] } }[] }).incidents[0]!.fix.files;
    expect(files.map((f) => [path.relative(REPO, f.path) === f.displayPath, path.isAbsolute(f.path), f.displayPath])).toEqual([
      [true, true, `${RACE}/nginx.conf`],
      [true, true, `${RACE}/docker-compose.yml`],
    ]);
    for (const f of files) expect(f.diff).toContain(`+++ ${f.displayPath}\n`);
  });

  it('a file that already holds the fix is named relative too, in the text report and the export', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-display-'));
    for (const f of FILES) cpSync(path.join(RACE, f), path.join(dir, f));
    const first = JSON.parse((await runCli([...demoArgs(''), '--json'], { cwd: dir })).stdout) as { incidents: { fix: { files: { diff: string }[] } }[] };
    writeFileSync(path.join(dir, 'fix.diff'), first.incidents[0]!.fix.files.map((f) => f.diff).join(''));
    execFileSync('patch', ['-p0', '--batch', '--forward', '-i', 'fix.diff'], { cwd: dir, stdio: 'pipe' });
    const text = (await runCli(demoArgs(''), { cwd: dir })).stdout;
    expect(text).toMatch(/^ {4}nginx\.conf: already has the fix$/m);
    expect(text).toMatch(/^ {4}docker-compose\.yml: already has the fix$/m);
    await runCli([...demoArgs(''), '--export', 'incident.md'], { cwd: dir });
    const md = readFileSync(path.join(dir, 'incident.md'), 'utf8');
    expect(md).toContain('`nginx.conf` (nginx)');
    expect(md).toContain('`docker-compose.yml` (compose)');
    // The `fix` command says the same of them.
    const fix = (await runCli(['fix', ...demoArgs('')], { cwd: dir })).stdout;
    expect(fix).toMatch(/^nginx\.conf: no change needed$/m);
    expect(fix).toMatch(/^docker-compose\.yml: no change needed$/m);
    expect(text + md + fix).not.toContain(dir);
  });

  it("a container's config copy is named as the container has it, not by the copy's folder", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rd-display-copy-'));
    mkdirSync(path.join(root, 'etc/nginx'), { recursive: true });
    cpSync(path.join(FIXTURES, 'nginx/single-peer/nginx.conf'), path.join(root, 'etc/nginx/nginx.conf'));
    const proposal = await proposeFix(input({ nginxConf: path.join(root, 'etc/nginx/nginx.conf'), nginxRoot: root, cwd: os.tmpdir() }));
    expect(proposal.files.map((f) => [f.path, f.displayPath])).toEqual([[path.join(root, 'etc/nginx/nginx.conf'), '/etc/nginx/nginx.conf']]);
    // With no diff (already fixed) the heading is that name; with one, the diff's own header.
    expect(fixFileName({ diff: '', displayPath: '/etc/nginx/nginx.conf' })).toBe('/etc/nginx/nginx.conf');
    expect(fixFileName({ diff: '--- web-1:/etc/nginx/nginx.conf\n+++ web-1:/etc/nginx/nginx.conf\n@@ -1 +1,2 @@\n', displayPath: '/etc/nginx/nginx.conf' })).toBe('web-1:/etc/nginx/nginx.conf');
  });
});
