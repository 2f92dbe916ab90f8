/**
 * `restartdoctor drill` for real: a real nginx in front of a real slow-starting container.
 * Before the fix (one peer) the restart loses requests; after it (a backup peer and
 * proxy_next_upstream) the same drill shows fewer failures, or none.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { drillCommand } from '../../src/cli/commands/drill.js';
import { UserError } from '../../src/util/errors.js';
import { EXIT } from '../../src/util/exitCodes.js';
import type { DrillReport } from '../../src/drill/report.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker, runSlowApp } from '../support/docker.js';
import { readAccessLog, requireNginx, startNginx, type NginxHandle } from '../support/nginx.js';
import { captureIo } from '../support/captureIo.js';

const PRIMARY = 'rd-drill-primary';
const SPARE = 'rd-drill-spare';
const CRASHY = 'rd-drill-crashy';
const PRIMARY_PORT = 39620;
const SPARE_PORT = 39621;
const CRASHY_PORT = 39622;
const NGINX_PORT = 39520;
const NGINX_KILL_PORT = 39521;

let ok = false;
let nginx: NginxHandle | null = null;
let nginxKill: NginxHandle | null = null;
const work = mkdtempSync(path.join(os.tmpdir(), 'rd-drill-test-'));

const runApp = (name: string, port: number, startDelayS: number, extra: string[] = []): Promise<void> =>
  runSlowApp({ name, port, startDelayS, extra, www: path.join(work, 'www'), project: 'drill' });

/** Bounded wait for the backend; on a timeout the error carries the container's state and logs. */
async function waitReady(port: number, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok200 = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const state = await docker('inspect', '-f', '{{.State.Status}} exit={{.State.ExitCode}} {{.State.Error}}', name).catch((e: Error) => e.message);
  const logs = await docker('logs', '--tail', '5', name).catch((e: Error) => e.message);
  throw new Error(`backend ${name} on ${port} not ready within 30 s: ${state}; logs: ${logs}`);
}

async function drill(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(work);
  const code = await drillCommand(args, io);
  return { code, out: io.out(), err: io.err() };
}

function baseArgs(url: string, errorLog: string): string[] {
  return ['--container', PRIMARY, '--url', url, '--requests', '150', '--rate', '25', '--method', 'GET,POST', '--log', errorLog, '--stop-timeout', '3', '--timeout', '30s'];
}

/** The access log's 502s between two instants: nginx's own count, to hold the client's against. */
function accessLog502(file: string, from: number, to: number): number {
  return readAccessLog(file).filter((a) => a.status === 502 && a.time >= from - 1000 && a.time <= to + 1000).length;
}

beforeAll(async () => {
  ok = (await requireDocker()) && requireNginx();
  if (!ok) return;
  await ensureBusyboxImage();
  const { mkdirSync, writeFileSync, chmodSync } = await import('node:fs');
  mkdirSync(path.join(work, 'www/cgi-bin'), { recursive: true });
  writeFileSync(path.join(work, 'www/health'), 'ok\n');
  const cgi = path.join(work, 'www/cgi-bin/health');
  writeFileSync(cgi, '#!/bin/sh\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n');
  chmodSync(cgi, 0o755);
  await removeContainers(PRIMARY, SPARE, CRASHY);
  await Promise.all([
    runApp(PRIMARY, PRIMARY_PORT, 2),
    runApp(SPARE, SPARE_PORT, 0),
    runApp(CRASHY, CRASHY_PORT, 1, ['--restart', 'unless-stopped']),
  ]);
  await Promise.all([waitReady(PRIMARY_PORT, PRIMARY), waitReady(SPARE_PORT, SPARE), waitReady(CRASHY_PORT, CRASHY)]);
  [nginx, nginxKill] = await Promise.all([
    startNginx({ port: NGINX_PORT, peers: [{ port: PRIMARY_PORT }] }),
    startNginx({ port: NGINX_KILL_PORT, peers: [{ port: CRASHY_PORT }] }),
  ]);
});

afterAll(async () => {
  await nginx?.stop();
  await nginxKill?.stop();
  if (ok) await removeContainers(PRIMARY, SPARE, CRASHY);
});

describe('restartdoctor drill against real nginx and a real container', () => {
  let before: DrillReport | null = null;

  it('fails before the fix: one peer, a slow start, 502s during the restart', async (ctx) => {
    if (!ok || !nginx) ctx.skip();
    const n = nginx!;
    const exportFile = path.join(work, 'before.md');
    const r = await drill([...baseArgs(n.url('/health'), n.errorLog), '--json', '--export', exportFile]);
    expect(r.code, r.err).toBe(EXIT.found);
    const report = JSON.parse(r.out) as DrillReport;
    before = report;
    const m = report.measurement;
    console.log(`[drill before the fix]\n${(await import('../../src/drill/report.js')).renderText(report)}`);

    expect(report.pass).toBe(false);
    expect(m.sent).toBe(150);
    expect(m.byMethod).toEqual({ GET: 75, POST: 75 });
    expect(m.failures.s502).toBeGreaterThan(10);
    expect(m.failures.byMethod.POST).toBeGreaterThan(0);
    // The app sleeps 2 s before it listens: the window and the time to ready show it.
    expect(m.failureWindow!.durationMs).toBeGreaterThan(1200);
    expect(m.timeToReadyMs!).toBeGreaterThanOrEqual(1800);
    expect(m.timeToReadyMs!).toBeLessThan(15_000);
    expect(m.readyAnchor).toBe('start-event');
    expect(m.events.map((e) => e.action)).toEqual(['kill', 'die', 'stop', 'start', 'restart']);
    expect(m.events.find((e) => e.action === 'die')?.exitCode).toBe(0);
    // Client, nginx access log and nginx error log agree: with one peer each failed request is one
    // error line — a refused connect or a request cut mid-flight (502), or, on a loaded machine, a
    // connect timed out on a full accept backlog (504).
    expect(accessLog502(n.accessLog, report.startedAt, report.endedAt)).toBe(m.failures.s502);
    expect(m.log!.upstreamErrors).toBe(m.failures.s502 + m.failures.s504);
    expect(m.log!.byKind.refused).toBeGreaterThan(0);
    expect(Object.keys(m.log!.byUpstream)).toEqual([`127.0.0.1:${PRIMARY_PORT}`]);

    const md = readFileSync(exportFile, 'utf8');
    expect(md).toContain('FAIL');
    expect(md).toContain(`| failures | ${m.failures.total} (max allowed 0) |`);
    expect(md).toContain('```text');
  });

  it('improves after the fix: a backup peer and proxy_next_upstream', async (ctx) => {
    if (!ok || !nginx || !before) ctx.skip();
    const n = nginx!;
    await n.reload({
      port: NGINX_PORT,
      peers: [{ port: PRIMARY_PORT, maxFails: 1, failTimeout: '10s' }, { port: SPARE_PORT, backup: true }],
      nextUpstream: 'error timeout http_502 http_503',
    });
    await waitReady(PRIMARY_PORT, PRIMARY);
    const r = await drill(baseArgs(n.url('/health'), n.errorLog));
    console.log(`[drill after the fix: backup peer + proxy_next_upstream error timeout http_502 http_503]\n${r.out}`);
    const failures = Number(/^failures +(\d+):/m.exec(r.out)?.[1]);
    expect(Number.isNaN(failures)).toBe(false);
    expect(failures).toBeLessThan(before!.measurement.failures.total);
    // A refused connect never sent the request, so nginx passes GET and POST alike to the backup;
    // only a request cut mid-flight (sent, then the peer died) is a POST nginx will not re-send.
    expect(r.out).not.toMatch(/failures +\d+: .*GET \d/);
    expect(r.out).toMatch(/^events +kill\(15\) → die\(exit 0\) → stop → start → restart$/m);
    expect(r.code).toBe(failures === 0 ? EXIT.ok : EXIT.found);
    expect(r.out).toMatch(failures === 0 ? /^result +PASS/m : /^result +FAIL/m);
  });

  it('passes with non_idempotent too (deliberately: a POST cut mid-flight is re-sent, a duplicate-write risk)', async (ctx) => {
    if (!ok || !nginx || !before) ctx.skip();
    const n = nginx!;
    await n.reload({
      port: NGINX_PORT,
      peers: [{ port: PRIMARY_PORT, maxFails: 1, failTimeout: '10s' }, { port: SPARE_PORT, backup: true }],
      nextUpstream: 'error timeout http_502 http_503 non_idempotent',
    });
    await waitReady(PRIMARY_PORT, PRIMARY);
    const r = await drill(baseArgs(n.url('/health'), n.errorLog));
    console.log(`[drill after the fix + non_idempotent]\n${r.out}`);
    expect(r.out).toMatch(/^failures +0:/m);
    expect(r.out).toMatch(/^result +PASS/m);
    expect(r.code).toBe(EXIT.ok);
  });

  it('--action kill: SIGKILLs the app, the restart policy brings it back (die 137, no restart event)', async (ctx) => {
    if (!ok || !nginxKill) ctx.skip();
    const n = nginxKill!;
    const r = await drill([
      '--container', CRASHY, '--url', n.url('/health'), '--requests', '80', '--rate', '25', '--method', 'GET,POST',
      '--action', 'kill', '--log', n.errorLog, '--json', '--max-failures', '1000', '--timeout', '30s',
    ]);
    const report = JSON.parse(r.out) as DrillReport;
    const m = report.measurement;
    expect(m.events.map((e) => e.action)).toEqual(['die', 'start']);
    expect(m.events[0]?.exitCode).toBe(137);
    expect(m.failures.s502).toBeGreaterThan(0);
    expect(m.timeToReadyMs!).toBeGreaterThanOrEqual(800);
    // Failures within --max-failures and the app came back: a pass.
    expect(report.pass).toBe(true);
    expect(r.code).toBe(EXIT.ok);
  });

  it('refuses what it cannot do, in one line with exit 2', async (ctx) => {
    if (!ok || !nginx) ctx.skip();
    const cases: Array<[string[], RegExp]> = [
      [['--container', PRIMARY, '--url', 'http://example.com/health'], /refusing to send drill traffic to example\.com/],
      [['--container', 'rd-drill-no-such', '--url', nginx!.url('/health')], /no container or compose service named "rd-drill-no-such"/],
      [['--container', PRIMARY, '--url', nginx!.url('/health'), '--action', 'kill'], /has no restart policy/],
      [['--container', PRIMARY, '--url', nginx!.url('/health'), '--log', path.join(work, 'missing.log')], /does not exist/],
      [['--container', PRIMARY, '--url', nginx!.url('/health'), '--docker', 'unix:///nonexistent.sock'], /cannot reach the Docker daemon/],
    ];
    for (const [args, message] of cases) {
      const err = await drillCommand(args, captureIo(work)).then(() => null, (e: unknown) => e);
      expect(err, args.join(' ')).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(message);
      expect((err as UserError).message).not.toContain('\n');
      expect((err as UserError).exitCode).toBe(EXIT.usage);
    }
  });

  it('Ctrl-C during --action stop-start starts the container again before exiting (130)', async (ctx) => {
    if (!ok) ctx.skip();
    const STUBBORN = 'rd-drill-stubborn';
    const STUBBORN_PORT = 39623;
    await removeContainers(STUBBORN);
    // Ignores SIGTERM: `docker stop -t 4` takes 4 s, a wide window for the interrupt.
    await docker(
      'run', '-d', '--name', STUBBORN, '--network', 'host', '-v', `${path.join(work, 'www')}:/www:ro`, BUSYBOX_IMAGE,
      'sh', '-c', `trap '' TERM; exec httpd -f -p ${STUBBORN_PORT} -h /www`,
    );
    try {
      await waitReady(STUBBORN_PORT, STUBBORN);
      const startedBefore = await docker('inspect', '-f', '{{.State.StartedAt}}', STUBBORN);
      const child = spawn(CLI, ['drill', '--container', STUBBORN, '--url', `http://127.0.0.1:${STUBBORN_PORT}/health`, '--action', 'stop-start', '--stop-timeout', '4', '--requests', '40', '--rate', '10'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Interrupt once the stop is under way (the container is still running while it waits out -t 4).
      await new Promise((r) => setTimeout(r, 2000));
      child.kill('SIGINT');
      expect(await exited).toBe(EXIT.interrupted);
      // Started again after the stop finished (a start sent while the daemon is still stopping is a
      // no-op, and the stop then leaves it down): running, with a new start time.
      expect(await docker('inspect', '-f', '{{.State.Running}}', STUBBORN)).toBe('true');
      expect(await docker('inspect', '-f', '{{.State.StartedAt}}', STUBBORN)).not.toBe(startedBefore);
    } finally {
      await removeContainers(STUBBORN);
    }
  }, 60_000);
});
