/**
 * One drill, start to end: find the container, mark the log, start the bounded traffic, do the
 * action once the traffic has a baseline, then collect events and log lines and measure.
 * Every wait is bounded by --timeout.
 */
import { countOf } from '../util/plural.js';
import { UsageError } from '../util/errors.js';
import { systemTimeZone } from '../parse/localTime.js';
import { assertRunning, connectDocker, fetchContainerEvents, findContainer, performAction, pingDaemon } from './dockerTarget.js';
import { startLoad } from './load.js';
import { markLog, readSinceMark } from './logDelta.js';
import { measure, summarizeLog } from './measure.js';
import type { DrillOptions } from './options.js';
import { decide, type DrillReport } from './report.js';

/** Baseline before the action: a fifth of the planned traffic, at most 2 s. */
export function actionDelayMs(o: Pick<DrillOptions, 'requests' | 'ratePerSec'>): number {
  const plannedMs = (o.requests / o.ratePerSec) * 1000;
  return Math.min(2000, Math.round(plannedMs * 0.2));
}

export interface DrillEnv {
  now: () => number;
  /** IANA zone the nginx log's local times are in. */
  tz?: string;
}

export async function runDrill(o: DrillOptions, env: DrillEnv): Promise<DrillReport> {
  const { now } = env;
  const startedAt = now();
  const deadline = startedAt + o.timeoutMs;
  const { docker, local } = connectDocker(o.docker, o.timeoutMs);
  await pingDaemon(docker, o.docker.label, Math.min(5000, o.timeoutMs));
  const target = await findContainer(docker, o.container);
  if (o.action === 'kill') {
    if (!target.restartPolicy || target.restartPolicy === 'no') {
      throw new UsageError(
        `--action kill: ${target.name} has no restart policy, so nothing would bring it back`,
        'use --action restart, or run it with --restart unless-stopped',
      );
    }
    if (!local) throw new UsageError('--action kill needs the Docker daemon on this host (a unix:// --docker endpoint)');
  }
  await assertRunning(docker, target);
  const mark = o.log ? await markLog(o.log) : null;

  const notes: string[] = [];
  // Events a little before the first request: the daemon stamps them with its own clock.
  const eventsSince = now() - 100;
  const load = startLoad(
    {
      url: o.url,
      requests: o.requests,
      ratePerSec: o.ratePerSec,
      methods: o.methods,
      deadlineMs: Math.max(0, o.timeoutMs - o.requestTimeoutMs),
      requestTimeoutMs: o.requestTimeoutMs,
    },
    now,
  );

  await new Promise((r) => setTimeout(r, actionDelayMs(o)));
  let outcome;
  try {
    outcome = await performAction(docker, target, o.action, { stopTimeoutS: o.stopTimeoutS, local, deadline, now });
  } catch (err) {
    load.stop();
    await load.done;
    throw err;
  }
  const result = await load.done;
  if (result.cutShort) notes.push(`--timeout stopped the traffic after ${result.samples.length} of ${countOf(o.requests, 'request')}`);
  if (outcome.endedAt > result.endedAt) notes.push('the action ended after the last request: raise --requests to see the recovery');

  // Let the daemon's last events of the window land before asking for them.
  await new Promise((r) => setTimeout(r, 200));
  const eventsUntil = now();
  let events: Awaited<ReturnType<typeof fetchContainerEvents>> = [];
  try {
    events = await fetchContainerEvents(docker, target.id, eventsSince, eventsUntil);
  } catch (err) {
    notes.push(`container events could not be read (${(err as Error).message.split('\n')[0]}): time to ready is measured from the API call`);
  }
  const logSummary = mark ? summarizeLog(await readSinceMark(mark), env.tz ?? systemTimeZone()) : null;

  const m = measure({
    samples: result.samples,
    events,
    actionStartedAt: outcome.startedAt,
    actionEndedAt: o.action === 'kill' ? null : outcome.endedAt,
    log: logSummary,
  });
  const { pass, verdict } = decide(m, o.maxFailures);
  return {
    schemaVersion: 1,
    container: target,
    url: o.url.toString(),
    action: o.action,
    methods: o.methods,
    plannedRequests: o.requests,
    ratePerSec: o.ratePerSec,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    actionStartedAt: outcome.startedAt,
    actionEndedAt: outcome.endedAt,
    cutShort: result.cutShort,
    measurement: m,
    maxFailures: o.maxFailures,
    pass,
    verdict,
    notes,
  };
}
