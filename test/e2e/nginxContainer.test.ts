/**
 * nginx in a container (issue 15): a real nginx runs in a container of the test engine (image
 * made offline from the host's nginx), logging to stderr as the official image does, in front of
 * a busybox backend container that the test restarts under traffic. Then:
 *  (a) a postmortem reads nginx's log through the Docker API (`--nginx-container`) and diagnoses
 *      the restart race;
 *  (b) live mode started AFTER the restart shows that incident, from the history it reads back,
 *      through the container-log source and through a host log file;
 *  (c) a postmortem whose events begin after the burst says so, takes the restart from docker
 *      inspect, and never says the container did not start again;
 *  (d) `record DIR` kept the log, the events and inspect while a restart happened; a postmortem
 *      of DIR diagnoses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, startCli } from '../support/cli.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker } from '../support/docker.js';
import { requireNginx } from '../support/nginx.js';
import { ensureNginxImage } from '../support/nginxContainer.js';
import { httpStatus, sleep } from '../support/scenario.js';
import { startTraffic } from '../support/traffic.js';

const NGINX = 'rd-h15b-nginx';
const BACKEND = 'rd-h15b-backend';
const IMAGE = 'rd-h15b-nginx:test';
const NGINX_PORT = 40110;
const BACKEND_PORT = 40111;
const PEER = `127.0.0.1:${BACKEND_PORT}`;
const SOCKET = 'unix:///var/run/docker.sock';

const work = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-e2e-'));

/**
 * The container's /etc/nginx, bind-mounted: nginx.conf (errors to stderr, access to stdout, as
 * the official image logs) and the mime.types it includes by absolute path.
 */
function nginxConfDir(): string {
  const dir = path.join(work, 'etc-nginx');
  mkdirSync(dir, { recursive: true });
  if (existsSync('/etc/nginx/mime.types')) copyFileSync('/etc/nginx/mime.types', path.join(dir, 'mime.types'));
  else writeFileSync(path.join(dir, 'mime.types'), 'types { text/html html; }\n');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `user root;
worker_processes 1;
pid /run/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  upstream backend {
    server 127.0.0.1:${BACKEND_PORT};
  }
  server {
    listen 127.0.0.1:${NGINX_PORT};
    server_name rd-h15b;
    location / {
      proxy_pass http://backend;
      proxy_connect_timeout 1s;
    }
  }
}
`,
  );
  return dir;
}
const eventsFile = path.join(work, 'events.jsonl');
const inspectFile = path.join(work, 'inspect.json');
let ready = false;
const children: ChildProcess[] = [];

async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const backendAnswers = () => until(async () => (await httpStatus(`http://127.0.0.1:${BACKEND_PORT}/health`)) === 200, 20_000, 'the backend to answer');
const nginxLog = async (): Promise<string> => {
  // stderr is nginx's error log in this image; `docker logs` writes it to its own stderr.
  const { stderr } = await new Promise<{ stderr: string }>((resolve, reject) => {
    const p = spawn('docker', ['logs', NGINX]);
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.resume();
    p.on('error', reject);
    p.on('close', () => resolve({ stderr: err }));
  });
  return stderr;
};
const refusedCount = async (): Promise<number> => (await nginxLog()).split('\n').filter((l) => l.includes('(111: Connection refused)')).length;

/** A restart of the backend under GET traffic through the nginx container; resolves once the 111s are in nginx's log. */
async function restartUnderTraffic(): Promise<void> {
  const before = await refusedCount();
  const traffic = startTraffic({ url: `http://127.0.0.1:${NGINX_PORT}/health`, count: 400, ratePerSec: 25, methods: ['GET'], maxDurationMs: 20_000 });
  await sleep(800); // some served requests before the restart, as in real traffic
  await docker('restart', '-t', '3', BACKEND);
  await backendAnswers();
  await until(async () => (await refusedCount()) >= before + 3, 15_000, "the 111s in nginx's log");
  traffic.stop();
  await traffic.done;
}

/** `docker events --format '{{json .}}'` into a file, attached before it returns (its own exec event arrives). */
async function recordEvents(file: string): Promise<ChildProcess> {
  const out = createWriteStream(file);
  const child = spawn('docker', ['events', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  child.stdout!.pipe(out);
  await until(async () => {
    await docker('exec', BACKEND, 'true');
    return readFileSync(file, 'utf8').includes('exec_die');
  }, 20_000, 'docker events to attach');
  return child;
}

beforeAll(async () => {
  ready = (await requireDocker()) && requireNginx();
  if (!ready) return;
  await ensureBusyboxImage();
  await ensureNginxImage(IMAGE);
  const conf = nginxConfDir();
  await removeContainers(NGINX, BACKEND);
  // `trap … TERM` + `wait`: stops at once on SIGTERM; listens 2 s after it starts (the race's window).
  await docker('run', '-d', '--name', BACKEND, '--network', 'host', '--expose', String(BACKEND_PORT), BUSYBOX_IMAGE, 'sh', '-c', `trap "exit 0" TERM; sleep 2; httpd -f -p ${BACKEND_PORT} -h /www & wait`);
  await docker('run', '-d', '--name', NGINX, '--network', 'host', '--stop-signal', 'SIGQUIT', '-v', `${conf}:/etc/nginx:ro`, IMAGE);
  await backendAnswers();
  await until(async () => (await httpStatus(`http://127.0.0.1:${NGINX_PORT}/health`)) === 200, 20_000, 'nginx in its container to proxy');

  const recorder = await recordEvents(eventsFile);
  await restartUnderTraffic();
  recorder.kill('SIGTERM');
  writeFileSync(inspectFile, await docker('inspect', BACKEND, NGINX));
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await removeContainers(NGINX, BACKEND);
});

interface JsonIncident {
  diagnosis: { patternId: string; reasons: string[] };
  match: { name: string } | null;
  burst: { upstreamKey: string; count: number };
  coverage: { eventsFrom: number | null; eventsCoverBurst: boolean; source: string };
  facts: { events: { action: string; attributes: Record<string, string> }[] };
  fix: { files: { path: string; kind: string; diff: string; notes: string[] }[]; warnings: string[] } | null;
}

function incidentsOf(stdout: string): JsonIncident[] {
  return (JSON.parse(stdout) as { incidents: JsonIncident[] }).incidents.filter((i) => i.burst.upstreamKey === PEER);
}

/** The CLI in live lines mode; resolves when `seen` matches a stdout line, then stops it with SIGINT. */
async function liveUntil(args: string[], seen: RegExp): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const cli = startCli([...args, '--no-tui', '--tz', 'UTC']);
  children.push(cli.child);
  await until(() => seen.test(cli.stdout()), 45_000, `${seen} from restartdoctor ${args.join(' ')}`).catch(cli.fail);
  cli.child.kill('SIGINT');
  const code = await cli.exited;
  return { stdout: cli.stdout(), stderr: cli.stderr(), code };
}

const RACE_LINE = new RegExp(`INCIDENT(\\(open\\))? restart-race .*upstream=${PEER.replace(/\./g, '\\.')} container=${BACKEND}`);

describe('nginx in a container, read through the Docker API', () => {
  it('(a) a postmortem with --nginx-container diagnoses the restart race', async (ctx) => {
    if (!ready) ctx.skip();
    const r = await runCli(['--nginx-container', NGINX, '--events', eventsFile, '--containers', inspectFile, '--json', '--tz', 'UTC']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const incidents = incidentsOf(r.stdout);
    expect(incidents.length, r.stdout).toBeGreaterThanOrEqual(1);
    const i = incidents.at(-1)!;
    expect(i.diagnosis.patternId).toBe('restart-race');
    expect(i.match?.name).toBe(BACKEND);
    expect(i.coverage).toMatchObject({ eventsCoverBurst: true, source: 'events' });
    expect(i.burst.count).toBeGreaterThanOrEqual(3);
    // The fix is a diff of the container's own nginx.conf, fetched through the API, named as the container has it.
    const nginxFix = i.fix?.files.find((f) => f.kind === 'nginx');
    expect(nginxFix, JSON.stringify(i.fix)).toBeDefined();
    expect(nginxFix!.path).toBe(`${NGINX}:/etc/nginx/nginx.conf`);
    expect(nginxFix!.diff).toMatch(new RegExp(`^--- ${NGINX}:/etc/nginx/nginx.conf`, 'm'));
    expect(nginxFix!.diff).toMatch(/^\+.*proxy_next_upstream/m);
    expect(nginxFix!.notes.join(' ')).toMatch(/make the change in its image or in the file bind-mounted there/);
    expect(i.fix!.warnings.join(' ')).not.toMatch(/cannot read|include .* skipped/);
  }, 60_000);

  it('(b) live mode started after the restart shows it, from the container-log source', async (ctx) => {
    if (!ready) ctx.skip();
    const r = await liveUntil(['--nginx-container', NGINX, '--docker', SOCKET], RACE_LINE);
    expect(r.stderr).toMatch(/history from \d\d:\d\d:\d\d \(15 min\): container rd-h15b-nginx/);
    expect(r.stderr).toMatch(/history from .*: Docker events (kept by the daemon )?from \d\d:\d\d:\d\d/);
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('(b) live mode started after the restart shows it, from a host log file', async (ctx) => {
    if (!ready) ctx.skip();
    const log = path.join(work, 'error.log');
    writeFileSync(log, await nginxLog());
    const r = await liveUntil(['--follow', '--log', log, '--docker', SOCKET], RACE_LINE);
    expect(r.stderr).toMatch(/history from \d\d:\d\d:\d\d \(15 min\): .*error\.log: \d+ lines read back/);
    expect(r.code).toBe(130);
  }, 60_000);

  it('(c) events that begin after the burst: the gap is said, the restart comes from inspect, "did not start again" is never said', async (ctx) => {
    if (!ready) ctx.skip();
    const late = path.join(work, 'late-events.jsonl');
    const recorder = await recordEvents(late);
    recorder.kill('SIGTERM');
    const first = JSON.parse(readFileSync(late, 'utf8').split('\n')[0]!) as { timeNano: number };
    const json = await runCli(['--nginx-container', NGINX, '--events', late, '--containers', inspectFile, '--json', '--tz', 'UTC']);
    expect(json.code, json.stderr).toBe(1);
    const i = incidentsOf(json.stdout).at(-1)!;
    expect(i.coverage).toMatchObject({ eventsCoverBurst: false, source: 'inspect' });
    expect(i.coverage.eventsFrom).toBeCloseTo(first.timeNano / 1e6, 0);
    expect(i.diagnosis.reasons[0]).toMatch(/^Docker events begin at \d\d:\d\d:\d\d, after this burst began \(\d\d:\d\d:\d\d\): the restart is known only from docker inspect \(State\.StartedAt/);
    expect(i.facts.events.filter((e) => e.attributes.source === 'inspect').map((e) => e.action)).toEqual(['die', 'start']);
    expect(i.diagnosis.patternId).toBe('restart-race');
    const text = await runCli(['--nginx-container', NGINX, '--events', late, '--containers', inspectFile, '--tz', 'UTC']);
    expect(text.stdout).toContain('(docker inspect State.StartedAt)');
    expect(text.stdout).not.toMatch(/did not start again|did not come back/);
  }, 60_000);

  it('(d) record DIR keeps the log, the events and inspect while a restart happens; a postmortem of DIR diagnoses it', async (ctx) => {
    if (!ready) ctx.skip();
    const dir = path.join(work, 'recording');
    const child = spawn(CLI, ['record', dir, '--nginx-container', NGINX, '--max-size', '10MB', '--inspect-every', '2s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(() => /recording into /.test(stderr), 20_000, 'record to attach').catch((err: Error) => {
      throw new Error(`${err.message}\nstderr:\n${stderr}`);
    });
    await restartUnderTraffic();
    const file = (name: string) => path.join(dir, name);
    const read = (name: string) => readFileSync(file(name), 'utf8');
    await until(() => read('error.log').includes('(111: Connection refused)') && /"Action":"start".*rd-h15b-backend|rd-h15b-backend.*"Action":"start"/.test(read('events.jsonl')), 20_000, 'the restart in the recording');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/recording stopped: \d+ Docker events kept/);
    // Docker's time prefix kept on every line: the postmortem gets the better time.
    expect(read('error.log').split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
    const inspect = JSON.parse(read('inspect.json')) as { Name: string }[];
    expect(inspect.map((c) => c.Name)).toContain(`/${BACKEND}`);

    const r = await runCli(['--log', file('error.log'), '--events', file('events.jsonl'), '--containers', file('inspect.json'), '--json', '--tz', 'UTC']);
    expect(r.code, r.stderr).toBe(1);
    const i = incidentsOf(r.stdout).at(-1)!;
    expect(i.diagnosis.patternId).toBe('restart-race');
    expect(i.match?.name).toBe(BACKEND);
    expect(i.coverage).toMatchObject({ eventsCoverBurst: true, source: 'events' });
  }, 90_000);
});
