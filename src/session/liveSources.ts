/**
 * A live session's sources, wired to its sinks: nginx's log from files, stdin or containers
 * (found when the host has no readable error log), the Docker daemon's events and inspect
 * snapshots; or a recording folder replayed. Each one's lines go to the session's `lineSink`.
 */
import { accessSync, constants } from 'node:fs';
import Dockerode from 'dockerode';
import type { ContainerInfo } from '../model/container.js';
import { decodeContainerInspect } from '../parse/containerInspect.js';
import { lineTimeIn } from '../parse/lineTime.js';
import { formatTime } from '../report/format.js';
import { nginxContainers, readContainerLog } from '../sources/containerLog.js';
import { resolveDockerEndpoint } from '../sources/dockerEndpoint.js';
import { connectDocker } from '../sources/dockerLive.js';
import { streamLines } from '../sources/readInput.js';
import { loadRecording, replay } from '../sources/replay.js';
import { followLog } from '../sources/tailLog.js';
import { oneLine } from '../util/errors.js';
import { sanitizeForTerminal as safe } from '../util/sanitize.js';
import { runningNginxConfig } from './runningNginxConfig.js';
import type { SessionPorts } from './sessionTypes.js';

function decodeAll(raws: unknown[]): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  for (const raw of raws) {
    try {
      out.push(decodeContainerInspect(raw));
    } catch {
      // One odd container must not hide the others; the engine still sees its events.
    }
  }
  return out;
}

/** The recording, read before any screen starts (a bad file is a clean error), then played on its clock; `done` when all was played. */
export async function startReplay(s: SessionPorts): Promise<{ done: Promise<void> }> {
  const { o, tz } = s;
  const files = s.files!;
  const recording = await loadRecording(files, tz, { gapMs: o.burstGapMs, minErrors: o.minErrors });
  // A time of day means the recording's day: read against its first line, not today.
  const from = o.replayFrom !== null && recording.start !== null ? o.replayFrom(recording.start) : null;
  const done = replay({
    dir: o.replay!,
    files,
    sink: s.replaySink(),
    tz,
    speed: o.speed,
    recording,
    from,
    signal: s.abort.signal,
    onStatus: (st) => (s.onStatus(st), s.onChange()),
  });
  return { done };
}

/**
 * Live mode with no log named: when the host's error log is not there or not readable, the
 * running nginx/openresty containers (by image or command) are the log sources.
 */
async function autoContainers(s: SessionPorts, docker: Dockerode): Promise<{ name: string; why: string | null }[]> {
  const { logs, defaultLog } = s.o;
  if (logs.length !== 1 || logs[0] !== defaultLog) return [];
  try {
    accessSync(defaultLog, constants.R_OK);
    return [];
  } catch {
    // not there, or not readable: look for nginx in a container
  }
  try {
    return nginxContainers(await docker.listContainers());
  } catch (err) {
    s.io.stderr.write(`restartdoctor: ${defaultLog} is not readable and the Docker daemon could not be asked for nginx containers: ${oneLine(err)}\n`);
    return [];
  }
}

/** nginx's log (files, stdin, containers) and the Docker daemon, from `historySince` on, then followed. */
export async function startLiveSources(s: SessionPorts): Promise<void> {
  const { o, io, tz } = s;
  const since = s.historySince!;
  const fromText = formatTime(Math.floor(since / 1000) * 1000, tz, false);
  // --docker, else DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp://), else the local socket.
  const endpoint = resolveDockerEndpoint(o.docker, o.dockerEnv ?? {});
  const docker = new Dockerode(endpoint.options);
  // nginx in a container: named, or found when the host has no readable error log.
  const containers = o.nginxContainer ? [{ name: o.nginxContainer, why: null as string | null }] : await autoContainers(s, docker);
  // Unless one is named, the running nginx's own config (its container's, else this host's master's)
  // gives the upstream map and the fix's files: read before any line, so groups fold from the first.
  if (!s.configs.nginxConf) {
    const say = (line: string): void => void io.stderr.write(`restartdoctor: ${line}\n`);
    const running = await runningNginxConfig({ docker, container: containers[0]?.name ?? null, logs: o.logs, cwd: io.cwd, say, cleanups: s.cleanups });
    if (running) {
      s.engine.setUpstreamMap(running.map);
      Object.assign(s.configs, running.fix);
    }
  }
  for (const c of containers) {
    const h = readContainerLog({ docker, container: c.name, since, follow: true, sink: s.lineSink, onStatus: s.onStatus, endpoint: endpoint.label });
    s.sources.push(h);
    h.done.catch(() => undefined); // its status says why it stopped
    const chosen = c.why ? `; chosen because ${o.defaultLog} is not readable here and its ${c.why} is nginx's` : '';
    if (c.why) io.stderr.write(`restartdoctor: ${o.defaultLog} is not readable here; reading nginx's log from container ${safe(c.name)} (${safe(c.why)}) through the Docker API\n`);
    s.sayHistory(h.status().id, `container ${c.name}: its Docker log from then on${chosen}`, `${c.why ? `auto: ${c.why}; ` : ''}history from ${fromText}`);
    s.onStatus(h.status());
  }
  const logs = containers.length > 0 && !o.nginxContainer ? [] : o.logs;
  for (const log of logs) {
    if (log === '-') {
      const stdin = (state: 'ok' | 'ended') => s.onStatus({ id: '-', kind: 'stdin', label: 'stdin', state, detail: null, itemsRead: 0, lagMs: null });
      stdin('ok');
      void streamLines('-', io.stdin, s.lineSink).then(() => stdin('ended'));
      continue;
    }
    const h = followLog(log, s.lineSink, {
      onStatus: s.onStatus,
      history: { since, timeOf: lineTimeIn(tz), onRead: (n) => s.sayHistory(log, `${log}: ${n} line${n === 1 ? '' : 's'} read back`, '') },
    });
    s.sources.push(h);
    s.onStatus(h.status());
  }
  const engine = s.engine;
  const changed = (): void => s.onChange();
  const d = connectDocker({
    endpoint,
    since,
    onHistory: (h) => {
      engine.noteEventsFrom(h.eventsFrom);
      const from = formatTime(Math.floor(h.eventsFrom / 1000) * 1000, tz, false);
      s.sayHistory(
        d.status().id,
        h.truncated ? `Docker events kept by the daemon from ${from} (${h.replayed} replayed; older ones are gone)` : `Docker events from ${from} (${h.replayed} replayed)`,
        h.truncated ? `events kept by the daemon from ${from}` : `events from ${from}`,
      );
    },
    onEvent: (raw) => (engine.ingestEvent(raw), changed()),
    onContainers: (raws) => (engine.setContainers(decodeAll(raws)), changed()),
    onStatus: (st) => (s.onStatus(st), changed()),
    onGap: (gap) => (engine.noteEventGap(gap), changed()),
    onInvalid: (reason) => engine.countInvalidEvent(reason),
    clock: io.now,
  });
  s.sources.push(d);
  s.onStatus(d.status());
}
