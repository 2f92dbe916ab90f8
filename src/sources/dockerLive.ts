/**
 * The live Docker source: a `GET /containers/json?all=1` + inspect snapshot, then the Engine's
 * `/events` stream from the start-up time (so nothing between the snapshot and the subscription
 * is lost). When the daemon goes away it reports `reconnecting` and retries with exponential
 * backoff; on return it pushes a fresh snapshot (containers changed while it was down) and
 * resumes `/events` from the last event's second, dropping what it has already delivered.
 * It pushes raw objects only: decoding belongs to parse/dockerEvent.ts and parse/containerInspect.ts.
 */
import fs from 'node:fs';
import Docker from 'dockerode';
import { classifyDockerError, type DockerEndpoint } from './dockerEndpoint.js';
import type { SourceState, SourceStatus } from '../model/snapshot.js';
import type { RawEventSink, RawInspectSink, SourceHandle } from './types.js';
import { EventDeduper, JsonObjectSplitter } from './jsonStream.js';

/** Snapshot requests only; the event stream has no timeout (it is idle between events). */
const REQUEST_TIMEOUT_MS = 5000;
const INSPECT_CONCURRENCY = 8;
/**
 * How many events the daemon keeps for `since` (moby's daemon/events `eventsLimit`): a history
 * that returns fewer reaches back to `since`; one that returns as many may have lost older ones.
 */
const DAEMON_EVENTS_KEPT = 256;

/** What the first read of `/events` from `since` showed: how far back Docker's history reaches. */
interface EventHistory {
  since: number;
  /** Every event is known from here: `since`, or the oldest event kept when the daemon's buffer was full. */
  eventsFrom: number;
  /** Events of every type the daemon returned from `since` to now. */
  replayed: number;
  /** True when the daemon's buffer was full: older events may be gone. */
  truncated: boolean;
}

export interface ConnectDockerOptions {
  /** A local daemon's socket; or `endpoint` (a tcp:// daemon with its TLS files, from --docker / DOCKER_HOST). */
  socketPath?: string;
  endpoint?: DockerEndpoint;
  /** Epoch ms to replay events from (`--since`); default: the start-up time. */
  since?: number;
  onEvent: RawEventSink;
  onContainers: RawInspectSink;
  /** Called once, before the first live event, after the history from `since` was read back. */
  onHistory?: (h: EventHistory) => void;
  onStatus?: (status: SourceStatus) => void;
  /**
   * An interval the event stream was lost (`to` null: still lost; reported again with `to` on
   * reconnection). The replay from the last event's second recovers what the daemon still holds,
   * but whether a daemon that was down saw anything cannot be known: incidents then say so.
   */
  onGap?: (gap: { from: number; to: number | null; reason: string }) => void;
  /** A stream object that was dropped unparsed (over 1 MB, or not JSON): counted by the engine. */
  onInvalid?: (reason: 'too-large' | 'not-json') => void;
  clock?: () => number;
  /** Whether Docker looks installed on this host, to tell "not running" from "not found". */
  dockerInstalled?: () => boolean;
  backoff?: { initialMs: number; maxMs: number };
  id?: string;
}

export interface DockerHandle extends SourceHandle {
  /** Settles after the first attempt (connected, or failed with the reason in the status). */
  ready: Promise<void>;
}

const DOCKER_INSTALL_MARKERS = [
  '/usr/bin/dockerd',
  '/usr/sbin/dockerd',
  '/usr/local/bin/dockerd',
  '/usr/bin/docker',
  '/usr/local/bin/docker',
  '/var/lib/docker',
];

export function dockerLooksInstalled(): boolean {
  return DOCKER_INSTALL_MARKERS.some((p) => fs.existsSync(p));
}

/** One sentence for the header: why Docker data is missing. */
export function describeDockerError(err: unknown, socketPath: string, installed: boolean): string {
  return classifyDockerError(err, socketPath, installed).reason;
}

/** Docker's `since` with sub-second precision: `seconds.nanoseconds`. */
function sinceParam(epochMs: number): string {
  const sec = Math.floor(epochMs / 1000);
  const nanos = Math.floor((epochMs - sec * 1000) * 1e6);
  return `${sec}.${String(nanos).padStart(9, '0')}`;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function connectDocker(opts: ConnectDockerOptions): DockerHandle {
  const clock = opts.clock ?? Date.now;
  const installed = opts.dockerInstalled ?? dockerLooksInstalled;
  const { initialMs, maxMs } = opts.backoff ?? { initialMs: 500, maxMs: 10_000 };
  const dockerOptions = opts.endpoint?.options ?? { socketPath: opts.socketPath };
  const where = opts.endpoint?.label ?? opts.socketPath ?? 'docker';
  const api = new Docker({ ...dockerOptions, timeout: REQUEST_TIMEOUT_MS });
  const events = new Docker(dockerOptions);
  const status: SourceStatus = {
    id: opts.id ?? 'docker',
    kind: 'docker',
    label: `docker ${where}`,
    state: 'waiting',
    detail: 'connecting',
    itemsRead: 0,
    lagMs: null,
  };
  const dedupe = new EventDeduper();
  const firstSinceMs = opts.since ?? clock();
  let sinceMs = firstSinceMs;
  let lastEventMs: number | null = null;
  let connectedOnce = false;
  let historyRead = opts.since === undefined || opts.onHistory === undefined;
  /** When the stream was lost (null: connected, or never connected) and why. */
  let lostAt: number | null = null;
  let lostReason = '';
  let closed = false;
  let delay = initialMs;
  let timer: NodeJS.Timeout | null = null;
  let stream: (NodeJS.ReadableStream & { destroy?: () => void }) | null = null;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const setStatus = (state: SourceState, detail: string | null): void => {
    if (status.state === state && status.detail === detail) return;
    status.state = state;
    status.detail = detail;
    opts.onStatus?.(snapshotStatus());
  };
  const snapshotStatus = (): SourceStatus => ({ ...status, lagMs: lastEventMs === null ? null : Math.max(0, clock() - lastEventMs) });

  const scheduleRetry = (reason: string): void => {
    if (closed) return;
    // Never connected: Docker is unavailable (an error the header explains); afterwards: a loss.
    setStatus(connectedOnce ? 'reconnecting' : 'error', connectedOnce ? `${reason}; retrying in ${fmtDelay(delay)}` : reason);
    timer = setTimeout(() => void attempt(), delay);
    delay = Math.min(delay * 2, maxMs);
  };

  const onStreamGone = (s: unknown, reason: string): void => {
    if (closed || s !== stream) return;
    stream = null;
    lostAt = clock();
    lostReason = reason;
    opts.onGap?.({ from: lostAt, to: null, reason });
    scheduleRetry(reason);
  };

  const attempt = async (): Promise<void> => {
    timer = null;
    try {
      const list = await api.listContainers({ all: true });
      const inspected = await mapLimit(list, INSPECT_CONCURRENCY, (c) =>
        api.getContainer(c.Id).inspect().catch((err: { statusCode?: number }) => {
          if (err?.statusCode === 404) return null; // removed between list and inspect
          throw err;
        }),
      );
      if (closed) return;
      snapshot.clear();
      for (const c of inspected) if (c !== null) snapshot.set(c.Id, c);
      opts.onContainers([...snapshot.values()]);
      if (!historyRead) {
        const h = await readHistory(events, firstSinceMs, clock(), deliver, opts.onInvalid);
        if (closed) return;
        historyRead = true;
        opts.onHistory?.(h);
      }
      // `since` is typed as a number by @types/dockerode; the API takes `sec.nanos` as a string.
      const s = (await events.getEvents({
        since: sinceParam(sinceMs) as unknown as number,
        filters: { type: ['container'] },
      })) as NodeJS.ReadableStream & { destroy?: () => void };
      if (closed) {
        s.destroy?.();
        return;
      }
      stream = s;
      const splitter = new JsonObjectSplitter();
      s.on('data', (chunk: Buffer | string) => {
        const before = { ...splitter.droppedBy };
        for (const raw of splitter.push(chunk.toString())) deliver(raw);
        for (let n = splitter.droppedBy.tooLarge - before.tooLarge; n > 0; n--) opts.onInvalid?.('too-large');
        for (let n = splitter.droppedBy.notJson - before.notJson; n > 0; n--) opts.onInvalid?.('not-json');
      });
      s.on('end', () => onStreamGone(s, 'the Docker daemon closed the event stream'));
      s.on('close', () => onStreamGone(s, 'the Docker daemon closed the event stream'));
      s.on('error', (err: unknown) => onStreamGone(s, describeDockerError(err, where, installed())));
      connectedOnce = true;
      if (lostAt !== null) opts.onGap?.({ from: lostAt, to: clock(), reason: lostReason });
      lostAt = null;
      delay = initialMs;
      setStatus('ok', null);
      markReady();
    } catch (err) {
      if (closed) return;
      scheduleRetry(describeDockerError(err, where, installed()));
      markReady();
    }
  };

  /**
   * The inspect snapshot by id, kept current: a container started after the connection (a
   * recreate's new one) is inspected then, a destroyed one leaves. A recreated workload's new
   * address is what tells a stale upstream address apart (correlate/upstreamGroups.ts).
   */
  const snapshot = new Map<string, { Id: string }>();
  const refresh = (raw: unknown): void => {
    const e = raw as { Type?: unknown; Action?: unknown; id?: unknown; Actor?: { ID?: unknown } };
    const id = typeof e.Actor?.ID === 'string' ? e.Actor.ID : typeof e.id === 'string' ? e.id : null;
    if (e.Type !== 'container' || id === null) return;
    if (e.Action === 'destroy') {
      if (snapshot.delete(id)) opts.onContainers([...snapshot.values()]);
      return;
    }
    if (e.Action !== 'start') return;
    api
      .getContainer(id)
      .inspect()
      .then((c: { Id: string }) => {
        if (closed) return;
        snapshot.set(c.Id, c);
        opts.onContainers([...snapshot.values()]);
      })
      // Removed meanwhile, or the daemon went away: the next connection lists everything again.
      .catch(() => undefined);
  };

  const deliver = (raw: unknown): void => {
    if (closed || !dedupe.accept(raw)) return;
    const ms = EventDeduper.timeMs(raw);
    if (ms !== null) lastEventMs = lastEventMs === null ? ms : Math.max(lastEventMs, ms);
    // A reconnection replays from a little before the newest event; the deduper drops repeats.
    // Never earlier than the first `since`: events before it were never asked for.
    sinceMs = Math.max(firstSinceMs, dedupe.resumeFromMs() ?? sinceMs);
    status.itemsRead++;
    opts.onEvent(raw);
    refresh(raw);
  };

  void attempt();

  return {
    ready,
    status: snapshotStatus,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      stream?.destroy?.();
      stream = null;
      setStatus('ended', null);
    },
  };
}

/**
 * `/events` from `since` to now, every type (the daemon's buffer holds them all, so only a count
 * of all of them tells whether it was full); container events are handed to `deliver`.
 */
async function readHistory(api: Docker, since: number, now: number, deliver: (raw: unknown) => void, onInvalid?: (reason: 'too-large' | 'not-json') => void): Promise<EventHistory> {
  const stream = (await api.getEvents({ since: sinceParam(since) as unknown as number, until: sinceParam(now) as unknown as number })) as NodeJS.ReadableStream;
  const splitter = new JsonObjectSplitter();
  let replayed = 0;
  let oldest: number | null = null;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer | string) => {
      const before = { ...splitter.droppedBy };
      for (const raw of splitter.push(chunk.toString())) {
        replayed++;
        const ms = EventDeduper.timeMs(raw);
        if (ms !== null && (oldest === null || ms < oldest)) oldest = ms;
        if ((raw as { Type?: unknown }).Type === 'container') deliver(raw);
      }
      for (let n = splitter.droppedBy.tooLarge - before.tooLarge; n > 0; n--) onInvalid?.('too-large');
      for (let n = splitter.droppedBy.notJson - before.notJson; n > 0; n--) onInvalid?.('not-json');
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const truncated = replayed >= DAEMON_EVENTS_KEPT && oldest !== null;
  return { since, eventsFrom: truncated ? oldest! : since, replayed, truncated };
}

function fmtDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
}
