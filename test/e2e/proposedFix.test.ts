/**
 * Issue 5's end-to-end claim, for real: the restart race against real nginx + a real container
 * loses requests; `restartdoctor fix --apply` on nginx's own config (diagnosed from nginx's own
 * error log) is validated by `nginx -t` and reloaded; with one peer the report says why losses
 * cannot reach zero, and once the second instance the diff names exists, the same restart loses
 * no GET (a POST the stop cut after nginx sent it may fail: nginx never re-sends those).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker, runSlowApp } from '../support/docker.js';
import { requireNginx, startNginx, type NginxHandle } from '../support/nginx.js';
import { fetchEvents } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';

const PRIMARY = 'rd-fix-primary';
const SECOND = 'rd-fix-second';
const NGINX_PORT = 39545;
const PRIMARY_PORT = 39645;
/** The fix proposes the second instance at the peer's port + 1 (its commented `backup` line). */
const SECOND_PORT = PRIMARY_PORT + 1;

let ok = false;
let nginx: NginxHandle | null = null;
const work = mkdtempSync(path.join(os.tmpdir(), 'rd-fix-e2e-'));

interface DrillJson {
  pass: boolean;
  measurement: { sent: number; failures: { total: number; byMethod: Record<string, number> } };
}

/** A clean stop on SIGTERM, then a 2 s start before it listens: the restart race's window. */
async function runApp(name: string, port: number): Promise<void> {
  await runSlowApp({ name, port, startDelayS: 2, www: path.join(work, 'www'), project: 'fixe2e', extra: ['--expose', String(port)] });
  await waitFor(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false), Boolean, { what: `${name} to answer on ${port}`, timeoutMs: 10_000, intervalMs: 100 });
}

async function drill(): Promise<DrillJson> {
  const r = await runCli(
    ['drill', '--container', PRIMARY, '--url', nginx!.url('/health'), '--requests', '150', '--rate', '25', '--method', 'GET,POST', '--log', nginx!.errorLog, '--timeout', '30s', '--json'],
    { timeoutMs: 60_000 },
  );
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect([0, 1]).toContain(r.code);
  return JSON.parse(r.stdout) as DrillJson;
}

beforeAll(async () => {
  ok = (await requireDocker()) && requireNginx();
  if (!ok) return;
  await ensureBusyboxImage();
  await removeContainers(PRIMARY, SECOND);
  mkdirSync(path.join(work, 'www/cgi-bin'), { recursive: true });
  writeFileSync(path.join(work, 'www/health'), 'ok\n');
  const cgi = path.join(work, 'www/cgi-bin/health');
  writeFileSync(cgi, '#!/bin/sh\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n');
  chmodSync(cgi, 0o755);
  await runApp(PRIMARY, PRIMARY_PORT);
  nginx = await startNginx({ port: NGINX_PORT, peers: [{ port: PRIMARY_PORT }] });
});

afterAll(async () => {
  await nginx?.stop();
  await removeContainers(PRIMARY, SECOND);
});

describe('the proposed fix, applied to a real nginx', () => {
  it('loses requests before, explains the one-peer limit, and loses no GET once the second peer exists', async (ctx) => {
    if (!ok) ctx.skip();
    const since = Date.now() - 500;
    const before = await drill();
    expect(before.pass).toBe(false);
    expect(before.measurement.failures.total).toBeGreaterThan(10);

    // What an operator collects: the events and the inspect of the container.
    const eventsFile = path.join(work, 'events.jsonl');
    writeFileSync(eventsFile, (await fetchEvents(PRIMARY, since, Date.now())).join('\n') + '\n');
    const inspectFile = path.join(work, 'inspect.json');
    writeFileSync(inspectFile, await docker('inspect', PRIMARY));
    // The fix, diagnosed from nginx's own error log and applied to its own config.
    const fix = await runCli(
      ['fix', '--log', nginx!.errorLog, '--events', eventsFile, '--containers', inspectFile, '--nginx-conf', nginx!.confPath, '--tz', 'UTC', '--apply'],
      { timeoutMs: 60_000 },
    );
    expect(fix.stderr).toMatch(/incident \d+ of \d+: restart-race on 127\.0\.0\.1:39645/);
    expect(fix.code).toBe(0);
    expect(fix.stdout).toContain('proxy_next_upstream error timeout http_502 http_503;');
    // One peer: the honest note that retries alone cannot help.
    expect(fix.stdout).toMatch(/single server .*never marks a one-server group unavailable/);
    expect(fix.stderr).toMatch(/written: .*nginx\.conf/);
    const fixed = readFileSync(nginx!.confPath, 'utf8');
    expect(fixed).toContain(`# server 127.0.0.1:${SECOND_PORT} backup;`);
    expect(fixed).toMatch(/server 127\.0\.0\.1:39645 max_fails=\d+ fail_timeout=\d+s;/);
    await nginx!.reloadEdited();

    const onePeer = await drill();
    expect(onePeer.measurement.failures.total).toBeGreaterThan(0); // as the note says

    // Do what the diff's commented line asks: run the second instance there and enable it.
    await runApp(SECOND, SECOND_PORT);
    writeFileSync(nginx!.confPath, readFileSync(nginx!.confPath, 'utf8').replace(`# server 127.0.0.1:${SECOND_PORT} backup;`, `server 127.0.0.1:${SECOND_PORT} backup;`));
    await nginx!.reloadEdited();

    const after = await drill();
    expect(after.measurement.failures.byMethod.GET ?? 0).toBe(0);
    expect(after.measurement.failures.total).toBeLessThanOrEqual(1);
    expect(after.measurement.failures.total).toBeLessThan(before.measurement.failures.total);
  }, 180_000);
});
