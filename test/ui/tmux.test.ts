/**
 * The real thing: the built CLI in an 80×24 tmux pane, replaying a recorded incident. Needs
 * `npm run build` first (`npm test` does it) and tmux (installed by .ci/run; in CI its absence
 * fails the run, on a developer machine without it the test says so and skips).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVER = `rd-ui-test-${process.pid}`; // a private tmux server: never touches the user's sessions
const SESSION = 'live';
const BUILT = path.resolve('dist/src/cli/main.js');
const RECORDING = path.resolve('fixtures/incidents/restart-race');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-tmux-'));

const tmux = (...args: string[]) => run('tmux', ['-L', SERVER, ...args]).then((r) => r.stdout);
const capture = () => tmux('capture-pane', '-p', '-t', SESSION);

async function until(ok: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = await capture().catch(() => screen);
    if (ok(screen)) return screen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
}

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

describe('live mode in a real 80×24 terminal (tmux)', () => {
  it('shows the diagnosis and the container, exports on e, quits cleanly on q', async (ctx) => {
    try {
      execFileSync('tmux', ['-V']);
    } catch (err) {
      if (process.env.CI) throw err;
      console.warn('[skip] tmux is not installed (apt-get install -y tmux)');
      ctx.skip();
    }
    expect(fs.existsSync(BUILT), `${BUILT} missing: run npm run build first`).toBe(true);
    const exitFile = path.join(work, 'exit-code');
    const cmd = `cd ${work} && sh ${BUILT} --replay ${RECORDING} --speed 100; echo $? > ${exitFile}; sleep 60`;
    await tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', cmd);

    const screen = await until((s) => s.includes('Restart race') && s.includes('shop-backend-1'), 'the diagnosed incident');
    const rows = screen.replace(/\n$/, '').split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);
    expect(screen).toMatch(/Incidents \(\d+\)/);
    expect(screen).toContain('q quit');

    await tmux('send-keys', '-t', SESSION, 'e');
    const exported = await until((s) => /exported to \S+\.md/.test(s), 'the export message');
    const file = /exported to (\S+\.md)/.exec(exported)![1]!;
    expect(path.dirname(file)).toBe(fs.realpathSync(work));
    expect(fs.readFileSync(file, 'utf8')).toContain('Restart race');

    await tmux('send-keys', '-t', SESSION, 'q');
    await until(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim() !== '', 'the process to exit', 15_000);
    expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe('1'); // EXIT.found: an incident was detected
    const after = await capture();
    expect(after).not.toContain('↑↓ select'); // the alternate screen is gone
    expect(after).toMatch(/INCIDENT(\(open\))? restart-race/); // the summary lines stay in the scrollback
  }, 120_000);
});
