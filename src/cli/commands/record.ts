/**
 * `restartdoctor record DIR [--log FILE | --nginx-container NAME] [--docker URL] [--max-size 200MB]
 *  [--inspect-every 60s]`: keeps what a later postmortem needs, continuously, in a bounded folder
 * (sources/recordDir.ts): nginx's log as it grows, the Docker event stream (the daemon itself
 * keeps only its last 256 events), and `docker inspect` of every container, refreshed. Runs until
 * SIGINT/SIGTERM, then takes a last snapshot. Read back with
 * `restartdoctor --log DIR/error.log --events DIR/events.jsonl --containers DIR/inspect.json`.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import Dockerode from 'dockerode';
import { connectDocker } from '../../sources/dockerLive.js';
import { resolveDockerEndpoint } from '../../sources/dockerEndpoint.js';
import { nginxContainers, readContainerLog } from '../../sources/containerLog.js';
import { openRecording, parseSize, RECORD_FILES, writeWhole } from '../../sources/recordDir.js';
import { followLog } from '../../sources/tailLog.js';
import type { SourceHandle } from '../../sources/types.js';
import { formatCount } from '../../util/count.js';
import { RECORD_FLAGS } from '../commandFlags.js';
import { oneLine, UsageError } from '../../util/errors.js';
import { EXIT } from '../../util/exitCodes.js';
import { parseFlags, timeZoneOf } from '../flags.js';
import { commandHelp } from '../help.js';
import type { Command } from '../io.js';
import { DEFAULT_LOG } from '../mainOptions.js';
import { readDuration } from '../../util/duration.js';

export const recordCommand: Command = async (argv, io) => {
  const { values: v, positionals } = parseFlags(argv, RECORD_FLAGS, { command: 'record', positionals: true });
  if (v.help) {
    io.stdout.write(commandHelp('record'));
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('record needs one folder: restartdoctor record DIR', 'see restartdoctor help record');
  const dir = path.resolve(io.cwd, positionals[0]!);
  const maxBytes = parseSize(v['max-size'] ?? '200MB');
  if (maxBytes === null || maxBytes < 64 * 1024) throw new UsageError(`--max-size "${v['max-size']}": expected a size of at least 64KB, e.g. 200MB`);
  const everyMs = v['inspect-every'] !== undefined ? readDuration('--inspect-every', v['inspect-every']) : 60_000;
  if (everyMs < 1000) throw new UsageError(`--inspect-every "${v['inspect-every']}": at least 1s`);
  if (v.log && v['nginx-container']) throw new UsageError('give --log or --nginx-container, not both');
  // The zone the recording's log was written in, kept in its recording.json for a replay.
  const tz = timeZoneOf(v.tz, io.env);
  // Before anything starts: a signal during set-up ends the recording cleanly, not by Node's default action.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // --docker, else DOCKER_HOST (tcp:// with its TLS files too), else the local socket.
  const endpoint = resolveDockerEndpoint(v.docker, io.env);
  const docker = new Dockerode(endpoint.options);

  let files;
  try {
    files = openRecording(dir, maxBytes);
  } catch (err) {
    throw new UsageError(`cannot record into ${dir}: ${oneLine(err)}`);
  }
  const startedAt = io.now();
  const meta = (endedAt: number | null, log: string) =>
    writeWhole(path.join(dir, RECORD_FILES.meta), `${JSON.stringify({ tz, startedAt: new Date(startedAt).toISOString(), endedAt: endedAt === null ? null : new Date(endedAt).toISOString(), log }, null, 2)}\n`);

  // ---- the log: a file followed from its end, or a container's through the API -------------
  const sources: SourceHandle[] = [];
  const append = (_source: string, _n: number, text: string) => files.log.append(text);
  let containers = v['nginx-container'] ? [v['nginx-container']] : [];
  if (!v.log && containers.length === 0) {
    try {
      accessSync(DEFAULT_LOG, constants.R_OK);
    } catch {
      containers = nginxContainers(await docker.listContainers().catch(() => [])).map((c) => c.name);
    }
  }
  const logLabel = containers.length > 0 ? containers.map((c) => `container ${c}`).join(', ') : (v.log ?? DEFAULT_LOG);
  for (const name of containers) {
    const h = readContainerLog({ docker, container: name, since: startedAt, follow: true, sink: append, endpoint: endpoint.label });
    h.done.catch((err: unknown) => io.stderr.write(`restartdoctor: record: ${oneLine(err)}\n`));
    sources.push(h);
  }
  if (containers.length === 0) sources.push(followLog(v.log ?? DEFAULT_LOG, append, { onStatus: (s) => s.state !== 'ok' && s.detail && io.stderr.write(`restartdoctor: record: ${s.detail}\n`) }));

  // ---- events and inspect snapshots -------------------------------------------------------
  const snapshot = async (): Promise<void> => {
    const list = await docker.listContainers({ all: true });
    const inspected = await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect().catch(() => null)));
    writeWhole(path.join(dir, RECORD_FILES.inspect), `${JSON.stringify(inspected.filter((x) => x !== null), null, 2)}\n`);
  };
  let events = 0;
  const d = connectDocker({
    endpoint,
    since: startedAt,
    onEvent: (raw) => {
      events++;
      files.events.append(JSON.stringify(raw));
    },
    onContainers: (raws) => writeWhole(path.join(dir, RECORD_FILES.inspect), `${JSON.stringify(raws, null, 2)}\n`),
    onStatus: (s) => s.state !== 'ok' && s.detail && io.stderr.write(`restartdoctor: record: docker: ${s.detail}\n`),
    clock: io.now,
  });
  sources.push(d);
  await d.ready;
  meta(null, logLabel);
  const timer = setInterval(() => void snapshot().catch((err: unknown) => io.stderr.write(`restartdoctor: record: inspect failed: ${oneLine(err)}\n`)), everyMs);
  io.stderr.write(`restartdoctor: recording into ${dir}: nginx log from ${logLabel}, Docker events, inspect every ${Math.round(everyMs / 1000)} s (at most ${v['max-size'] ?? '200MB'})\n`);

  await stopped;
  clearInterval(timer);
  await Promise.all(sources.map((s) => s.close()));
  await snapshot().catch(() => undefined); // the state after the incident: the most useful one
  files.log.close();
  files.events.close();
  meta(io.now(), logLabel);
  io.stderr.write(`restartdoctor: recording stopped: ${formatCount(events)} Docker events kept in ${dir}\n`);
  return EXIT.ok;
};
