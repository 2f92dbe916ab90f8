/**
 * The built CLI's first two lines are its launcher: `#!/bin/sh`, then a line that sh runs
 * (exec Node with the heap flags of src/cli/nodeFlags.ts) and Node skips as a comment. Node takes
 * heap sizes only at start-up, so a flag lost here would silently bring back a peak memory that
 * grows with the log (the benchmark starts its children with NODE_FLAGS, not with this line).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/cli/nodeFlags.js';
import { CLI } from '../support/cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'rd-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A preload that reports the flags Node was started with (what `process.execArgv` says inside the CLI). */
function execArgvProbe(): { env: NodeJS.ProcessEnv; read: () => string[] } {
  const out = path.join(dir, `argv-${Math.random().toString(36).slice(2)}.json`);
  const probe = path.join(dir, 'probe.mjs');
  writeFileSync(probe, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.ARGV_OUT, JSON.stringify(process.execArgv));\n`);
  return {
    env: { ...process.env, ARGV_OUT: out, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
    read: () => JSON.parse(readFileSync(out, 'utf8')) as string[],
  };
}

describe('the launcher lines of dist/src/cli/main.js', () => {
  it('say: run by sh, exec node with NODE_FLAGS on this file and its arguments', () => {
    const [shebang, launch] = readFileSync(CLI, 'utf8').split('\n');
    expect(shebang).toBe('#!/bin/sh');
    expect(launch).toBe(`//usr/bin/env true; exec node ${NODE_FLAGS.join(' ')} "$0" "$@"`);
  });

  it('run by sh (what the kernel does with #!/bin/sh), Node starts with the flags and the arguments arrive intact', async () => {
    const p = execArgvProbe();
    const { stdout } = await run('sh', [CLI, '--version'], { env: p.env });
    expect(stdout).toMatch(/^restartdoctor \d+\.\d+\.\d+\n$/);
    expect(p.read()).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    // An argument with spaces and quotes is passed through as one argument.
    const bad = await run('sh', [CLI, '--tz', 'Not/A "Zone"', '--log', CLI]).catch((e: { stderr: string; code: number }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('Not/A "Zone"');
  });

  it('run by node directly, the launcher line is a comment: same program, no flags', async () => {
    const p = execArgvProbe();
    const { stdout } = await run(process.execPath, [CLI, '--version'], { env: p.env });
    expect(stdout).toMatch(/^restartdoctor \d+\.\d+\.\d+\n$/);
    expect(p.read()).not.toContain(NODE_FLAGS[0]);
  });
});
