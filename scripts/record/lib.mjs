/**
 * Shared machinery for recording real incidents (fixtures/recorded/README.md): offline images,
 * a host nginx in a fixed prefix, bounded GET/POST traffic on loopback, the Docker events and
 * inspect of the recording's own containers, and a summary of what nginx really logged.
 * Uses the docker CLI (the product itself never does). Names: images `rd-rec-*`, containers and
 * networks `rd-h13d-*`, subnets 172.26.0.0/24 and 172.27.0.0/24, ports 40500–40599.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './images.mjs';
import { summarize } from './measure.mjs';

export * from './images.mjs';
export * from './measure.mjs';
export * from './traffic.mjs';

const run = promisify(execFile);
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PROJECT = 'rd-h13d';
export const NGINX_BIN = '/usr/sbin/nginx';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
export function say(...args) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...args);
}

export async function docker(...args) {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}
export const dockerQuiet = (...args) => docker(...args).catch(() => '');

/** `docker run` flags that make a container look like compose's `PROJECT-SERVICE-N` (no compose plugin here). */
export function composeLabels(service, number = 1, project = PROJECT) {
  return [
    '--label', `com.docker.compose.project=${project}`,
    '--label', `com.docker.compose.service=${service}`,
    '--label', `com.docker.compose.container-number=${number}`,
    '--label', 'com.docker.compose.oneoff=False',
  ];
}

/** A fixed prefix per recording, so the stored nginx.conf is the same on every re-recording. */
export function freshPrefix(name) {
  const prefix = `/tmp/rd-h13d-rec/${name}`;
  rmSync(prefix, { recursive: true, force: true });
  for (const d of ['logs', 'tmp']) mkdirSync(path.join(prefix, d), { recursive: true });
  return prefix;
}

/** The http{} preamble every host nginx of these recordings shares (error log at info, like production debugging). */
export function hostNginxHead(prefix) {
  return `user root;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log info;
events { worker_connections 1024; }
http {
  log_format main '$remote_addr - [$time_local] "$request" $status $body_bytes_sent rt=$request_time ua="$upstream_addr" us="$upstream_status"';
  access_log ${prefix}/logs/access.log main;
  client_body_temp_path ${prefix}/tmp/client_body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
`;
}

/** Starts /usr/sbin/nginx on the host with `conf` (written to PREFIX/nginx.conf); resolves once `probeUrl` answers. */
export async function startHostNginx(prefix, conf, probeUrl) {
  const confPath = path.join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  const errorLog = path.join(prefix, 'logs/error.log');
  await run(NGINX_BIN, ['-t', '-q', '-p', prefix, '-c', confPath, '-e', errorLog]);
  const child = spawn(NGINX_BIN, ['-p', prefix, '-c', confPath, '-e', errorLog, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  await waitFor(async () => (await httpGet(probeUrl)) !== null, 10_000, 'host nginx to answer');
  return {
    confPath,
    errorLog,
    accessLog: path.join(prefix, 'logs/access.log'),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function httpGet(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

export async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until GET url answers 200 (the app behind it is really listening). */
export const waitHealthy = (url, timeoutMs = 30_000) =>
  waitFor(async () => (await httpGet(url))?.status === 200, timeoutMs, `${url} to answer 200`);

/** Unix seconds with a fraction, as `docker events --since/--until` take them. */
export const unixNow = () => (Date.now() / 1000).toFixed(3);

/**
 * `docker events --since --until --format '{{json .}}'`, kept as the Engine wrote it (raw lines),
 * limited to this recording: containers whose name starts with one of `prefixes`, and network
 * events about those containers or about networks of that name.
 */
export async function recordedEvents(since, until, prefixes) {
  const out = await docker('events', '--since', since, '--until', until, '--format', '{{json .}}');
  const mine = (n) => typeof n === 'string' && prefixes.some((p) => n.startsWith(p));
  const ids = new Set();
  const lines = out.split('\n').filter(Boolean);
  for (const l of lines) {
    const e = JSON.parse(l);
    if (e.Type === 'container' && mine(e.Actor?.Attributes?.name)) ids.add(e.Actor.ID);
  }
  return lines.filter((l) => {
    const e = JSON.parse(l);
    if (e.Type === 'container') return ids.has(e.Actor?.ID);
    if (e.Type === 'network') return ids.has(e.Actor?.Attributes?.container) || mine(e.Actor?.Attributes?.name);
    return false;
  });
}

export async function inspectJson(names) {
  const present = [];
  for (const n of names) if (await dockerQuiet('inspect', '--type', 'container', '--format', '{{.Id}}', n)) present.push(n);
  return present.length ? JSON.stringify(JSON.parse(await docker('inspect', '--type', 'container', ...present)), null, 2) + '\n' : '[]\n';
}

/** `docker logs --timestamps` of a container, stderr only (nginx's error_log /dev/stderr): raw text and plain nginx lines. */
export async function containerErrorLog(name) {
  const { stderr } = await run('docker', ['logs', '--timestamps', name], { maxBuffer: 64 * 1024 * 1024 });
  const plain = stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /, ''))
    .join('\n');
  return { raw: stderr, plain: plain ? plain + '\n' : '' };
}

/** Writes the folder; `files` maps file name → text. */
export function writeFolder(outDir, files) {
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(outDir, name), text);
}

export function outDirFor(name) {
  return path.resolve(process.argv[2] ?? path.join(REPO, 'fixtures/recorded', name));
}

export function readText(p) {
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/**
 * expected.json: the SRE's conclusion (hand-written in each script: primary, contributing,
 * workload, incarnation, upstream, container) plus the numbers measured from the recorded log.
 */
export function expectedJson({ description, incidents, exitCode, unparsed = 0 }) {
  return JSON.stringify({ description, tz: 'UTC', args: [], exitCode: exitCode ?? (incidents.length ? 1 : 0), incidents, unparsed }, null, 2) + '\n';
}

/** recording.json: the zone the log was written in (for `--replay`) and what really happened. */
export function recordingJson(extra) {
  return JSON.stringify({ tz: 'UTC', note: 'error.log local times are in this zone', recorded: new Date().toISOString(), docker: extra.docker, nginx: '1.22.1', ...extra }, null, 2) + '\n';
}

/** Removes our containers/networks whatever state they are in. */
export async function cleanup(containers, networks = []) {
  for (const c of containers) await dockerQuiet('rm', '-f', c);
  for (const n of networks) await dockerQuiet('network', 'rm', n);
}

/** Runs a recording with cleanup before and after, and a clear one-line error on failure. */
export async function main(name, containers, networks, body) {
  await cleanup(containers, networks);
  try {
    await body();
  } catch (err) {
    console.error(`record ${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await cleanup(containers, networks);
  }
}

/**
 * Collects what an operator would have afterwards and writes the folder: events (raw lines),
 * inspect, the error log, nginx.conf, compose file, recording.json (timeline, traffic, counts) and
 * expected.json from `conclude(summary)` (the hand-written conclusion, numbers measured).
 */
export async function finish(o) {
  const until = unixNow();
  const events = await recordedEvents(o.since, until, o.prefixes);
  const inspect = await inspectJson(o.containers);
  const summary = summarize(o.errorLog);
  const dockerVersion = await docker('version', '--format', '{{.Server.Version}}');
  const files = {
    'error.log': o.errorLog,
    'docker-events.jsonl': events.join('\n') + '\n',
    'inspect.json': inspect,
    'nginx.conf': o.nginxConf,
    'docker-compose.yml': o.compose,
    ...(o.extraFiles ?? {}),
  };
  const concl = o.conclude(summary);
  files['expected.json'] = expectedJson({ ...concl, unparsed: summary.unparsed });
  files['recording.json'] = recordingJson({
    docker: dockerVersion,
    script: `scripts/record/${o.name}.mjs`,
    window: { since: o.since, until },
    timeline: o.timeline,
    traffic: o.traffic,
    setByHand: o.setByHand ?? [],
    measured: { ...summary, events: eventActions(events) },
  });
  writeFolder(o.outDir, files);
  say(`wrote ${o.outDir}: ${summary.lines} log lines, kinds ${JSON.stringify(summary.kinds)}, other ${JSON.stringify(summary.other)}`);
  for (const b of summary.bursts) say(`burst ${b.upstream}: ${b.errors} (${JSON.stringify(b.kinds)}) ${b.first} → ${b.last}`);
  say(`events: ${eventActions(events).join(', ')}`);
  return summary;
}

/** `name action` per event, for the summary. */
export function eventActions(lines) {
  return lines.map((l) => {
    const e = JSON.parse(l);
    const a = e.Actor?.Attributes ?? {};
    const extra = a.exitCode !== undefined ? `(${a.exitCode})` : a.signal !== undefined ? `(${a.signal})` : '';
    return `${e.Type === 'network' ? `net:${a.name}` : a.name} ${e.Action}${extra}`;
  });
}

/** A timeline entry: seconds since `start` and what happened. */
export function stamp(timeline, start, what) {
  timeline.push({ at: +((Date.now() - start) / 1000).toFixed(2), iso: new Date().toISOString(), what });
  say(what);
}

/** A host nginx config: one upstream group in front of /api/ (the busybox CGI), plus a probe location. */
export function hostConf(prefix, { port, upstream = 'backend', servers, groupExtra = '', locationExtra = '', extraLocations = '' }) {
  return `${hostNginxHead(prefix)}  upstream ${upstream} {
${servers.map((s) => `    server ${s};`).join('\n')}
${groupExtra}  }
  server {
    listen 127.0.0.1:${port};
    server_name shop.local;
    location /api/ {
      rewrite ^ /cgi-bin/api break;
      proxy_pass http://${upstream};
      proxy_connect_timeout 2s;
      proxy_read_timeout 10s;
${locationExtra}    }
${extraLocations}    location = /nginx-health { access_log off; return 200 "ok"; }
  }
}
`;
}

/**
 * The compose file a recording's docker commands amount to: a header saying so (the recording
 * machine has no compose plugin: the com.docker.compose.* labels were set with `labelsBy --label`,
 * plus `more`), the project name, then `services` (YAML lines of the services, and anything after).
 */
export function composeFile(services, { labelsBy = 'docker run', more = '' } = {}) {
  return `# What the recording's docker commands amount to (no compose plugin on the recording machine:
# the com.docker.compose.* labels were set with ${labelsBy} --label${more}).
name: ${PROJECT}
services:
${services}`;
}

/**
 * The api several recordings run: busybox httpd on the host network at `port`, listening 3 s after
 * its start (the restart race's window), labelled as compose's `api` service. `docker(verb, name,
 * version)` runs (`run`, detached) or creates (`create`) it; `compose` is its service's YAML.
 */
export function slowStartApi(port) {
  const command = `sleep 3; exec httpd -f -p ${port} -h /www`;
  return {
    docker: (verb, name, version) => docker(
      ...(verb === 'run' ? ['run', '-d'] : [verb]), '--name', name, '--network', 'host', '--init', '--expose', String(port),
      ...composeLabels('api'), '--label', `org.opencontainers.image.version=${version}`, BUSYBOX_IMAGE, 'sh', '-c', command,
    ),
    compose: `  api:
    image: ${BUSYBOX_IMAGE}
    network_mode: host
    init: true
    expose: ["${port}"]
    command: ["sh", "-c", "${command}"]
`,
  };
}

/** setByHand's line for the labels every recording sets with `labelsBy --label`. */
export const labelsByHand = (labelsBy = 'docker run', more = '') => `com.docker.compose.* labels (${labelsBy} --label; no compose plugin installed)${more}`;

/**
 * The recording most scenarios share: the app started and answering (`start`), a host nginx in
 * front of it (hostConf with `servers`/`upstream`, or `conf(prefix)`), traffic through nginx
 * (20 req/s GET/POST, `traffic` adds startTraffic options), the scenario's own steps
 * (`incident(stamp)`), 10 s more traffic, and the folder written by finish() with the error log,
 * nginx.conf, the access log, `compose`, `setByHand` and `conclude`. `incident` may return
 * `{ beforeStop, trafficExtra }`: run before the traffic stops / figures added to the traffic's.
 * `ready`: a URL through nginx to wait for before the traffic starts; `cleanup`: run at the end.
 */
export async function recordHostIncident(o) {
  await main(o.name, o.containers, o.networks ?? [], async () => {
    await ensureBusyboxImage();
    const prefix = freshPrefix(o.name);
    const conf = o.conf ? o.conf(prefix) : hostConf(prefix, { port: o.nginxPort, upstream: o.upstream, servers: o.servers });
    const timeline = [];
    const start = Date.now();
    const note = (what) => stamp(timeline, start, what);
    await o.start(note);
    const nginx = await startHostNginx(prefix, conf, `http://127.0.0.1:${o.nginxPort}/nginx-health`);
    try {
      if (o.ready) await waitHealthy(o.ready);
      const since = unixNow();
      note(o.trafficNote);
      const traffic = startTraffic({ base: `http://127.0.0.1:${o.nginxPort}`, rate: 20, ...o.traffic });
      const after = (await o.incident(note)) ?? {};
      await sleep(10_000);
      await after.beforeStop?.();
      const stats = { ...(await traffic.stop()), ...after.trafficExtra?.() };
      note(`traffic stopped: ${JSON.stringify(stats)}`);
      await nginx.stop();
      await finish({
        name: o.name, outDir: outDirFor(o.name), since, prefixes: [`${PROJECT}-`], containers: o.containers,
        errorLog: readText(nginx.errorLog), nginxConf: conf, compose: o.compose, timeline, traffic: stats,
        extraFiles: { 'access.log': readText(nginx.accessLog) },
        setByHand: o.setByHand, conclude: o.conclude,
      });
    } finally {
      await nginx.stop();
      await o.cleanup?.();
    }
  });
}
