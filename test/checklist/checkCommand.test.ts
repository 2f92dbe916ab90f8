import { execFile } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, parseWaitDuration, parseUpstream } from '../../src/cli/commands/check.js';
import { UsageError } from '../../src/util/errors.js';
import { EXIT } from '../../src/util/exitCodes.js';
import type { CliIo } from '../../src/cli/io.js';
import { describeDockerError } from '../../src/checklist/dockerState.js';
import type { ChecklistResult } from '../../src/model/incident.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';

const CONTAINER = 'rd-chk-cli';
const PORT_APP = 39260; // a plain Node server on the host
const PORT_CONTAINER = 39261;

function testIo(env: NodeJS.ProcessEnv = {}): { io: CliIo; out: () => string } {
  let text = '';
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env, cwd: process.cwd(), now: () => Date.now() };
  return { io, out: () => text };
}

let server: http.Server;
let dockerOk = false;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.url === '/ready' ? 200 : 404;
    res.end(req.url === '/ready' ? 'ready' : '');
  });
  await new Promise<void>((r) => server.listen(PORT_APP, '127.0.0.1', r));
  dockerOk = await requireDocker();
  if (!dockerOk) return;
  await ensureBusyboxImage();
  await removeContainers(CONTAINER);
  await docker('run', '-d', '--network', 'host', '--name', CONTAINER, '--health-cmd', `wget -qO- http://127.0.0.1:${PORT_CONTAINER}/health`, '--health-interval', '1s', BUSYBOX_IMAGE, 'httpd', '-f', '-p', String(PORT_CONTAINER), '-h', '/www');
  for (let i = 0; i < 100 && (await docker('inspect', '-f', '{{.State.Health.Status}}', CONTAINER)) !== 'healthy'; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  if (dockerOk) await removeContainers(CONTAINER);
});

describe('restartdoctor check: usage', () => {
  const usage = async (argv: string[]) => {
    const err = await checkCommand(argv, testIo().io).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(EXIT.usage);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  };

  it('rejects bad flags with one clear line and exit code 2', async () => {
    expect(await usage([])).toBe('check: --upstream HOST:PORT is required');
    expect(await usage(['--upstream', '127.0.0.1'])).toBe('--upstream: expected HOST:PORT (or [IPv6]:PORT), got "127.0.0.1"');
    expect(await usage(['--upstream', '127.0.0.1:70000'])).toBe('--upstream: port must be 1-65535, got 70000');
    expect(await usage(['--upstream', '127.0.0.1:1', '--bogus'])).toBe('unknown flag --bogus for check — see restartdoctor help check');
    expect(await usage(['--upstream', '127.0.0.1:1', 'extra'])).toBe('check: unexpected argument "extra"');
    expect(await usage(['--upstream', '127.0.0.1:1', '--health-path', 'health'])).toBe('check: --health-path: must start with / and contain no spaces');
    expect(await usage(['--upstream', '127.0.0.1:1', '--wait-ready', 'soon'])).toBe('--wait-ready: "soon" is not a duration (use 90s, 10m, 2h, 1d, 500ms or 1m30s)');
    expect(await usage(['--upstream', '127.0.0.1:1', '--wait-ready', '11m'])).toBe('--wait-ready: "11m" is more than the 10 min allowed');
    expect(await usage(['--upstream', '127.0.0.1:1', '--container', 'x', '--docker', 'ftp://x'])).toMatch(/^--docker: expected unix:\/\//);
  });

  it('parses upstreams and durations', () => {
    expect(parseUpstream('[::1]:3000')).toEqual({ host: '::1', port: 3000 });
    expect(parseUpstream('http://backend:8080/api')).toEqual({ host: 'backend', port: 8080 });
    expect(parseWaitDuration('60s', 'x')).toBe(60_000);
    expect(parseWaitDuration('500ms', 'x')).toBe(500);
    expect(parseWaitDuration('2m', 'x')).toBe(120_000);
    expect(parseWaitDuration('5', 'x')).toBe(5_000);
  });

  it('--help prints usage and exits 0', async () => {
    const t = testIo();
    expect(await checkCommand(['--help'], t.io)).toBe(EXIT.ok);
    expect(t.out()).toMatch(/^usage: restartdoctor check --upstream HOST:PORT/);
    expect(t.out()).toContain('--strict');
  });
});

describe('restartdoctor check: host only', () => {
  it('passes (exit 0) against a live app with an explicit health path', async () => {
    const t = testIo();
    expect(await checkCommand(['--upstream', `127.0.0.1:${PORT_APP}`, '--health-path', '/ready'], t.io)).toBe(EXIT.ok);
    const lines = t.out().trimEnd().split('\n');
    expect(lines[0]).toBe(`check 127.0.0.1:${PORT_APP}`);
    expect(lines[1]).toMatch(new RegExp(`^✔ pass  http-health  GET http://127\\.0\\.0\\.1:${PORT_APP}/ready → 200 in \\d+ ms \\("ready"\\) — the app answers$`));
    expect(lines[2]).toMatch(new RegExp(`^✔ pass  port-host    LISTEN 127\\.0\\.0\\.1:${PORT_APP} by .+ pid ${process.pid} `));
    expect(lines.at(-1)).toBe('conclusion: healthy now: transient');
  });

  it('fails (exit 1) when nothing listens, in ASCII under TERM=dumb', async () => {
    const t = testIo({ TERM: 'dumb' });
    expect(await checkCommand(['--upstream', '127.0.0.1:39269'], t.io)).toBe(EXIT.found);
    expect(t.out()).toContain('[FAIL]  http-health  GET http://127.0.0.1:39269/health -> ECONNREFUSED (errno 111)');
    expect(t.out()).toContain('conclusion: nothing listening and no container: backend down');
  });

  it('a 404 on the health path is "listening but unhealthy"', async () => {
    const t = testIo();
    expect(await checkCommand(['--upstream', `127.0.0.1:${PORT_APP}`, '--json'], t.io)).toBe(EXIT.found);
    const r = JSON.parse(t.out()) as ChecklistResult;
    expect(r.conclusion).toBe('listening but unhealthy');
    expect(r.checks.find((c) => c.id === 'http-health')?.meaning).toMatch(/path is wrong/);
  });
});

describe('restartdoctor check: Docker unavailable is not a crash', () => {
  it('missing socket: docker checks unknown ("not found"), host checks still run', async () => {
    const t = testIo();
    const code = await checkCommand(['--upstream', `127.0.0.1:${PORT_APP}`, '--health-path', '/ready', '--container', 'backend', '--docker', 'unix:///tmp/rd-chk-no-such.sock', '--json'], t.io);
    const r = JSON.parse(t.out()) as ChecklistResult;
    expect(code).toBe(EXIT.ok);
    const docker = r.checks.find((c) => c.id === 'docker-state');
    expect(docker).toMatchObject({ status: 'unknown' });
    expect(docker!.evidence).toMatch(/^no socket at \/tmp\/rd-chk-no-such\.sock: the Docker daemon is not running/);
    expect(r.checks.find((c) => c.id === 'http-health')?.status).toBe('pass');
  });

  it('a socket file with no daemon behind it: "not running"', async () => {
    // A unix socket whose listener is gone: connect() gets ECONNREFUSED, like a stopped dockerd.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-chk-sock-'));
    const sock = path.join(dir, 'docker.sock');
    // A child binds the socket and exits without closing it: the file stays, nothing listens.
    await promisify(execFile)(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)},()=>process.exit(0))`]);
    const t = testIo();
    await checkCommand(['--upstream', `127.0.0.1:${PORT_APP}`, '--container', 'backend', '--docker', `unix://${sock}`, '--json'], t.io);
    const r = JSON.parse(t.out()) as ChecklistResult;
    expect(r.checks.find((c) => c.id === 'docker-state')?.evidence).toBe(`${sock} exists but no daemon answers: Docker is not running`);
  });

  it('permission denied on the real socket (a non-root user)', async (ctx) => {
    if (!dockerOk || process.getuid?.() !== 0) ctx.skip(); // needs root to switch to nobody
    const script = "const D=require('dockerode');new D({socketPath:'/var/run/docker.sock'}).getContainer('x').inspect().catch(e=>{console.log(JSON.stringify({code:e.code,statusCode:e.statusCode,message:e.message}))})";
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: process.cwd() });
    const d = describeDockerError(JSON.parse(stdout), '/var/run/docker.sock');
    expect(d).toEqual({ kind: 'permission-denied', reason: 'permission denied on /var/run/docker.sock: run with sudo or add your user to the docker group' });
  });
});

describe('restartdoctor check: real container', () => {
  it('all pass, exit 0, health path taken from the container healthcheck', async (ctx) => {
    if (!dockerOk) ctx.skip();
    const t = testIo();
    const code = await checkCommand(['--upstream', `127.0.0.1:${PORT_CONTAINER}`, '--container', CONTAINER, '--docker', 'unix:///var/run/docker.sock', '--wait-ready', '10s'], t.io);
    expect(t.out()).toContain(`✔ pass  http-health          GET http://127.0.0.1:${PORT_CONTAINER}/health → 200`);
    expect(t.out()).toMatch(/✔ pass  time-to-ready .* — the app was already listening when polling began, so these times are upper bounds/);
    expect(t.out()).not.toContain('FAIL');
    expect(code).toBe(EXIT.ok);
  });
});

describe('restartdoctor check: warnings, --strict and DOCKER_HOST (real daemon)', () => {
  const NOHC = 'rd-h17c-nohc';
  const PORT_NOHC = 39287;
  beforeAll(async () => {
    if (!dockerOk) return;
    await removeContainers(NOHC);
    // A healthy app whose container defines no healthcheck.
    await docker('run', '-d', '--network', 'host', '--name', NOHC, BUSYBOX_IMAGE, 'httpd', '-f', '-p', String(PORT_NOHC), '-h', '/www');
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${PORT_NOHC}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    if (dockerOk) await removeContainers(NOHC);
  });
  const args = () => ['--upstream', `127.0.0.1:${PORT_NOHC}`, '--container', NOHC];

  it('a missing healthcheck is a warning: exit 0, marked and counted; --strict makes it fail', async (ctx) => {
    if (!dockerOk) ctx.skip();
    const t = testIo();
    expect(await checkCommand([...args(), '--docker', 'unix:///var/run/docker.sock'], t.io)).toBe(EXIT.ok);
    expect(t.out()).toMatch(/^! warn  healthcheck-defined +rd-h17c-nohc: Config\.Healthcheck none/m);
    expect(t.out()).toContain('0 failures, 1 warning (healthcheck-defined): not failing without --strict');
    expect(t.out().trimEnd().split('\n').at(-1)).toBe('conclusion: healthy now: transient');
    const strict = testIo();
    expect(await checkCommand([...args(), '--strict', '--json'], strict.io)).toBe(EXIT.found);
    expect(JSON.parse(strict.out())).toMatchObject({ schemaVersion: 1, failures: [], warnings: ['healthcheck-defined'], strict: true, conclusion: 'healthy now: transient' });
  });

  it('DOCKER_HOST alone names the daemon: a socket path reached only through it, a bogus one named in the evidence; --docker wins', async (ctx) => {
    if (!dockerOk) ctx.skip();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h17c-dh-'));
    const { rmSync, symlinkSync } = await import('node:fs');
    ctx.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync('/var/run/docker.sock', path.join(dir, 'docker.sock'));
    const viaEnv = testIo({ DOCKER_HOST: `unix://${dir}/docker.sock` });
    expect(await checkCommand([...args(), '--json'], viaEnv.io)).toBe(EXIT.ok);
    const r = JSON.parse(viaEnv.out()) as ChecklistResult;
    expect(r.checks.find((c) => c.id === 'docker-state')).toMatchObject({ status: 'pass', evidence: expect.stringMatching(/^rd-h17c-nohc: State\.Status=running/) });

    const bogus = testIo({ DOCKER_HOST: 'unix:///tmp/rd-h17c-no-such.sock' });
    await checkCommand([...args(), '--json'], bogus.io);
    const b = JSON.parse(bogus.out()) as ChecklistResult;
    expect(b.checks.find((c) => c.id === 'docker-state')).toMatchObject({ status: 'unknown', evidence: expect.stringMatching(/^no socket at \/tmp\/rd-h17c-no-such\.sock: /) });

    const flagWins = testIo({ DOCKER_HOST: 'unix:///tmp/rd-h17c-no-such.sock' });
    await checkCommand([...args(), '--docker', `unix://${dir}/docker.sock`, '--json'], flagWins.io);
    expect((JSON.parse(flagWins.out()) as ChecklistResult).checks.find((c) => c.id === 'docker-state')?.status).toBe('pass');
  });
});
