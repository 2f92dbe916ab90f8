/**
 * Signals in the full-screen UI, in a real 80×24 tmux pane: SIGTERM and SIGINT sent to the process
 * end it with the terminal restored — alternate screen left (`#{alternate_on}` 0), cursor shown
 * (`#{cursor_flag}` 1), raw mode off (`stty -a` in the pane says `icanon echo`) — and exit 143 / 130.
 * Ctrl-C typed in the pane is a key to the UI (raw mode): it quits like `q`, with the incident code.
 * Needs `npm run build` and tmux (installed by .ci/run; in CI its absence fails the run).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../support/wait.js';
import { requireTmux } from '../support/tmux.js';

const run = promisify(execFile);
const SERVER = `rd-signal-test-${process.pid}`; // a private tmux server: never touches the user's sessions
const BUILT = path.resolve('bin/restartdoctor.js');
const RECORDING = path.resolve('fixtures/incidents/restart-race');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-signals-'));

const tmux = (...args: string[]) => run('tmux', ['-L', SERVER, ...args]).then((r) => r.stdout);

const until = <T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> =>
  waitFor(probe, ok, { what, timeoutMs, intervalMs: 200 });

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * Starts the UI on a slow replay in its own pane; the inner `sh` writes its pid and execs the CLI
 * (bin/restartdoctor.js, which passes the signals it gets on to the Node process it starts). After it ends, the pane's shell
 * records the exit code and the terminal modes.
 */
async function startUi(name: string, speed = 1): Promise<{ pid: number; exitFile: string; sttyFile: string }> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const pidFile = path.join(dir, 'pid');
  const exitFile = path.join(dir, 'exit');
  const sttyFile = path.join(dir, 'stty');
  const cmd = `cd ${dir} && sh -c 'echo $$ > ${pidFile}; exec ${BUILT} --replay ${RECORDING} --speed ${speed}'; echo EXIT=$? > ${exitFile}.tmp; stty -a > ${sttyFile}; mv ${exitFile}.tmp ${exitFile}; sleep 60`;
  await tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', cmd);
  await until(() => tmux('capture-pane', '-p', '-t', name).catch(() => ''), (s) => s.includes('q quit'), 'the UI to draw');
  expect((await tmux('display', '-p', '-t', name, '#{alternate_on} #{cursor_flag}')).trim()).toBe('1 0'); // drawn in the alternate screen, cursor hidden
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  return { pid, exitFile, sttyFile };
}

async function expectRestored(name: string, exitFile: string, sttyFile: string, code: number): Promise<void> {
  await until(() => fs.existsSync(exitFile), Boolean, 'the process to exit', 20_000);
  expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe(`EXIT=${code}`);
  expect((await tmux('display', '-p', '-t', name, '#{alternate_on} #{cursor_flag}')).trim()).toBe('0 1');
  const stty = fs.readFileSync(sttyFile, 'utf8');
  expect(stty).toMatch(/(^|\s)icanon(\s|$)/); // raw mode left: line editing and echo are back
  expect(stty).toMatch(/(^|\s)echo(\s|$)/);
  await tmux('kill-session', '-t', name).catch(() => undefined);
}

describe('signals restore the terminal (real tmux pane)', () => {
  it('SIGTERM: alternate screen left, cursor shown, raw mode off, exit 143', async (ctx) => {
    requireTmux(ctx);
    const { pid, exitFile, sttyFile } = await startUi('term');
    process.kill(pid, 'SIGTERM');
    await expectRestored('term', exitFile, sttyFile, 143);
  }, 120_000);

  it('SIGINT: alternate screen left, cursor shown, raw mode off, exit 130', async (ctx) => {
    requireTmux(ctx);
    const { pid, exitFile, sttyFile } = await startUi('int');
    process.kill(pid, 'SIGINT');
    await expectRestored('int', exitFile, sttyFile, 130);
  }, 120_000);

  it('Ctrl-C typed in the pane is the quit key: restored, exit with the incident code (1)', async (ctx) => {
    requireTmux(ctx);
    const { exitFile, sttyFile } = await startUi('ctrlc', 100);
    // An incident first, so the exit code says something (a fast replay reaches it in a second).
    await until(() => tmux('capture-pane', '-p', '-t', 'ctrlc'), (s) => s.includes('Restart race'), 'the diagnosed incident');
    await tmux('send-keys', '-t', 'ctrlc', 'C-c');
    await expectRestored('ctrlc', exitFile, sttyFile, 1);
  }, 120_000);
});
