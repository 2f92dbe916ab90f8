/**
 * The real thing: the built CLI in an 80×24 tmux pane, replaying a recorded incident. Needs
 * `npm run build` first (`npm test` does it) and tmux (installed by .ci/run; in CI its absence
 * fails the run, on a developer machine without it the test says so and skips).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireTmux } from '../support/tmux.js';
import stringWidth from 'string-width';

const run = promisify(execFile);
const SERVER = `rd-ui-test-${process.pid}`; // a private tmux server: never touches the user's sessions
const SESSION = 'live';
const BUILT = path.resolve('bin/restartdoctor.js');
const RECORDING = path.resolve('fixtures/incidents/restart-race');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-tmux-'));

const tmux = (...args: string[]) => run('tmux', ['-L', SERVER, ...args]).then((r) => r.stdout);
const capture = (session = SESSION) => tmux('capture-pane', '-p', '-t', session);

async function until(ok: (screen: string) => boolean, what: string, timeoutMs = 60_000, session = SESSION): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = await capture(session).catch(() => screen);
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
    requireTmux(ctx);
    const exitFile = path.join(work, 'exit-code');
    const cmd = `cd ${work} && ${BUILT} --replay ${RECORDING} --speed 100; echo $? > ${exitFile}; sleep 60`;
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

/** The rows of the detail pane: below its title row, above the two footer rows, from its column (side by side at 160). */
function detailRows(screen: string): string[] {
  const rows = screen.replace(/\n$/, '').split('\n');
  const title = rows.findIndex((r) => /(^| )[ ▌](Detail|Fix diff)\b/.test(r));
  if (title < 0) return [];
  const col = [...rows[title]!].join('').search(/[ ▌](Detail|Fix diff)\b/);
  return rows.slice(title + 1, rows.length - 2).map((r) => [...r].slice(col).join(''));
}

describe('what a person looks for, in real tmux panes at 80×24 and 160×45 (replay at --speed 20)', () => {
  for (const [cols, rows] of [
    [80, 24],
    [160, 45],
  ] as const) {
    it(`${cols}×${rows}: incident within seconds, failing upstream on top, rst ≥ 1, one cause, nothing cut with "…"`, async (ctx) => {
      requireTmux(ctx);
      const session = `size-${cols}x${rows}`;
      const started = Date.now();
      await tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), `cd ${work} && ${BUILT} --replay ${RECORDING} --speed 20; sleep 60`);
      // The first frame of the replay is already next to the incident: no 12 quiet minutes first.
      const first = await until((s) => /REPLAY \d\d:\d\d:\d\d/.test(s), 'the first replay frame', 60_000, session);
      expect(/REPLAY (\d\d:\d\d:\d\d)/.exec(first)![1]! >= '03:12:30').toBe(true);
      expect(first).toContain('skipped 12 min of quiet recording; --from to start earlier');
      await until((s) => /Incidents \(1\)/.test(s), 'the incident', 60_000, session);
      // A person sees the incident a few seconds after starting (it took 41 s before the skip).
      expect(Date.now() - started).toBeLessThan(20_000);

      const done = await until((s) => s.includes('Restart race') && /shop-backend-1\s+shop\/backend\s+\S+\s+\S+\s+[1-9]\d*\s+143/.test(s), 'the restart counted in rst', 60_000, session);
      for (const r of done.replace(/\n$/, '').split('\n')) expect([...r].length).toBeLessThanOrEqual(cols);
      // The failing upstream is the first row of the upstream panel (not a stray unix: socket).
      const up = done.split('\n').findIndex((r) => r.includes('Upstreams'));
      expect(done.split('\n')[up + 1]).toMatch(/^172\.18\.0\.5:3000 /);
      // One cause: the diagnosis; the checklist (not run in a replay) names no other.
      expect(done).not.toMatch(/Checklist — (?!.*restart race)(?!.*disagrees)/);

      // Every detail row, top to bottom (Tab gives the pane the keys, G goes to its end): none cut.
      const seen = [...detailRows(done)];
      await tmux('send-keys', '-t', session, 'Tab');
      for (let n = 0; n < 20; n++) {
        await tmux('send-keys', '-t', session, 'PageDown');
        seen.push(...detailRows(await capture(session)));
      }
      // The replay is still playing: a row added after `G` (the last error, the fix) moves the end
      // down again, so G is pressed until the pane shows its end (no ↓), as a person would.
      const bottom = await until(
        (s) => {
          const atEnd = /Detail (\[[^\]↓]*\] )?—/.test(s);
          if (!atEnd) void tmux('send-keys', '-t', session, 'G');
          return atEnd;
        },
        'the end of the detail pane',
        15_000,
        session,
      );
      seen.push(...detailRows(bottom));
      expect(seen.length).toBeGreaterThan(5);
      for (const r of seen) expect(r.trimEnd().endsWith('…'), `cut row: ${r}`).toBe(false);
      const text = seen.map((r) => r.trim()).join(' ');
      expect(text).toContain('Restart race: nginx sent traffic to the backend before it was listening again');
      await tmux('send-keys', '-t', session, 'q');
    }, 120_000);
  }
});

describe('wide characters in a real 80×24 pane (tmux)', () => {
  it('a log whose requests hold CJK characters wraps inside the detail pane; the header stays on top, no row is cut', async (ctx) => {
    requireTmux(ctx);
    // The recording with CJK characters (two columns each) in every failure's request and upstream path.
    const wide = path.join(work, 'wide');
    fs.cpSync(RECORDING, wide, { recursive: true });
    const log = path.join(wide, 'error.log');
    const cjk = '商品/a中文字符中文字符中文字符中文字符中文字符中文字符中文字符/';
    fs.writeFileSync(log, fs.readFileSync(log, 'utf8').replace(/request: "(\w+) \//g, `request: "$1 /${cjk}`).replace(/upstream: "http:\/\/([^/"]+)\//g, `upstream: "http://$1/${cjk}`));
    const session = 'wide';
    await tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `cd ${work} && ${BUILT} --replay ${wide} --speed 100; sleep 60`);
    await until((s) => /Incidents \(1\)/.test(s) && s.includes('Restart race'), 'the incident', 60_000, session);
    await tmux('send-keys', '-t', session, 'Tab');
    const seen: string[] = [];
    for (let n = 0; n < 12; n++) {
      await tmux('send-keys', '-t', session, 'PageDown');
      const screen = await capture(session);
      const rows = screen.replace(/\n$/, '').split('\n');
      expect(rows[0], screen).toMatch(/^REPLAY \d\d:\d\d:\d\d/); // never pushed off the top
      for (const r of rows) expect(stringWidth(r), r).toBeLessThanOrEqual(80);
      seen.push(...detailRows(screen));
    }
    for (const r of seen) expect(r.trimEnd().endsWith('…'), `cut row: ${r}`).toBe(false);
    expect(seen.map((r) => r.trim()).join('')).toContain('中文字符中文字符中文字符中文字符中文字符中文字符中文字符');
    await tmux('send-keys', '-t', session, 'q');
  }, 120_000);
});
