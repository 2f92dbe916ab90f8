/**
 * nginx's log as the Docker daemon keeps it (nginx in a container logs to stdout/stderr): the
 * Engine API's `/containers/{id}/logs` with `timestamps`, `since`/`until`, and `follow` for live
 * mode. A container without a TTY sends both streams multiplexed (8-byte frame headers), split
 * with docker-modem's demuxStream; one with a TTY sends raw bytes. Each line keeps Docker's
 * RFC 3339 prefix: the engine strips it (parse/lineShape.ts) and keeps its better time.
 * It pushes lines only: it never parses them.
 */
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { SourceState, SourceStatus } from '../model/snapshot.js';
import { classifyDockerError } from './dockerEndpoint.js';
import type { LineSink, SourceHandle } from './types.js';
import { MAX_LINE_CHARS } from './tailLog.js';

export interface ContainerLogOptions {
  docker: Docker;
  /** Container name or id. */
  container: string;
  /** Epoch ms bounds (`--since`/`--until`; live mode's history). */
  since?: number | null;
  until?: number | null;
  /** Keep the stream open and deliver lines as they are written (live mode). */
  follow: boolean;
  sink: LineSink;
  onStatus?: (status: SourceStatus) => void;
  /** How to name the endpoint in errors. */
  endpoint?: string;
}

export interface ContainerLogHandle extends SourceHandle {
  /** Settles when the stream ends (a postmortem's read is complete); rejects when it cannot start. */
  done: Promise<number>;
}

/** Docker's `since`/`until`: seconds with a fraction. */
function apiTime(ms: number): string {
  return (ms / 1000).toFixed(9);
}

/** Splits one byte stream into lines (CR stripped); an over-long line is cut at MAX_LINE_CHARS. */
class Lines {
  private carry = '';
  private discarding = false;
  constructor(private readonly emit: (text: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.carry + chunk.toString();
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      if (!this.discarding) this.emit((line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE_CHARS));
      this.discarding = false;
      start = nl + 1;
    }
    this.carry = text.slice(start);
    if (this.carry.length > MAX_LINE_CHARS) {
      if (!this.discarding) this.emit(this.carry.slice(0, MAX_LINE_CHARS));
      this.discarding = true;
      this.carry = '';
    }
  }

  end(): void {
    if (this.carry !== '' && !this.discarding) this.emit(this.carry.endsWith('\r') ? this.carry.slice(0, -1) : this.carry);
    this.carry = '';
  }
}

export function readContainerLog(o: ContainerLogOptions): ContainerLogHandle {
  const id = `container:${o.container}`;
  const status: SourceStatus = { id, kind: 'log', label: `container ${o.container} (Docker log)`, state: 'waiting', detail: 'connecting', itemsRead: 0, lagMs: null };
  let closed = false;
  let stream: (Readable & { destroy: () => void }) | null = null;
  let lineNo = 0;
  const setStatus = (state: SourceState, detail: string | null): void => {
    if (status.state === state && status.detail === detail) return;
    status.state = state;
    status.detail = detail;
    o.onStatus?.({ ...status });
  };
  const deliver = (text: string): void => {
    if (closed) return;
    lineNo++;
    status.itemsRead++;
    o.sink(id, lineNo, text);
  };

  const done = (async (): Promise<number> => {
    const container = o.docker.getContainer(o.container);
    let tty = false;
    try {
      const info = (await container.inspect()) as { Config?: { Tty?: boolean } };
      tty = info.Config?.Tty === true;
    } catch (err) {
      const c = classifyDockerError(err, o.endpoint ?? 'the Docker socket');
      const reason = c.kind === 'no-such-container' ? `no container named ${o.container}` : c.reason;
      setStatus('error', reason);
      throw new Error(reason);
    }
    const options: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, follow: o.follow };
    if (o.since != null) options.since = apiTime(o.since);
    if (o.until != null) options.until = apiTime(o.until);
    // dockerode's container.logs() buffers the whole answer unless it follows: dial it as a
    // stream in both cases, so a long log is read in chunks and memory stays bounded.
    const raw = await new Promise<Readable & { destroy: () => void }>((resolve, reject) => {
      o.docker.modem.dial(
        {
          path: `/containers/${encodeURIComponent(o.container)}/logs?`,
          method: 'GET',
          isStream: true,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options,
        },
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Readable & { destroy: () => void })),
      );
    }).catch((err: unknown) => {
      const reason = classifyDockerError(err, o.endpoint ?? 'the Docker socket').reason;
      setStatus('error', reason);
      throw new Error(reason);
    });
    if (closed) {
      raw.destroy();
      return 0;
    }
    stream = raw;
    setStatus('ok', null);
    const ended = new Promise<void>((resolve, reject) => {
      raw.on('end', resolve);
      raw.on('close', resolve);
      raw.on('error', (err: unknown) => (closed ? resolve() : reject(err)));
    });
    const outputs: Lines[] = [];
    if (tty) {
      const lines = new Lines(deliver);
      outputs.push(lines);
      raw.on('data', (c: Buffer) => lines.push(c));
    } else {
      // stdout (nginx's access log in the official image) and stderr (its error log), each split on its own.
      const out = new PassThrough();
      const errs = new PassThrough();
      const a = new Lines(deliver);
      const b = new Lines(deliver);
      outputs.push(a, b);
      out.on('data', (c: Buffer) => a.push(c));
      errs.on('data', (c: Buffer) => b.push(c));
      o.docker.modem.demuxStream(raw, out, errs);
    }
    try {
      await ended;
    } catch (err) {
      const reason = classifyDockerError(err, o.endpoint ?? 'the Docker socket').reason;
      setStatus('error', reason);
      throw new Error(reason);
    }
    // demuxStream writes synchronously from 'data': everything is in the splitters by now.
    for (const l of outputs) l.end();
    stream = null;
    if (!closed) setStatus('ended', o.follow ? 'the container stopped or its log stream closed' : null);
    return lineNo;
  })();
  done.catch(() => undefined); // the caller awaits it (postmortem) or reads the status (live)

  return {
    done,
    status: () => ({ ...status }),
    async close() {
      if (closed) return;
      closed = true;
      stream?.destroy();
      stream = null;
      setStatus('ended', null);
    },
  };
}

/** Image names of nginx and its well-known builds: `nginx`, `nginx:1.27-alpine`, `bitnami/nginx`, `openresty/openresty`. */
const NGINX_IMAGE = /(^|\/)(nginx|openresty|nginx-unprivileged|nginx-proxy)(:|@|$)/;

interface ListedContainer {
  Id: string;
  Names?: string[];
  Image?: string;
  Command?: string;
  State?: string;
}

/**
 * The running containers that look like nginx: by image name, or a command that runs nginx.
 * Returns their names (without the leading slash), first by name for a stable choice.
 */
export function nginxContainers(list: ListedContainer[]): { name: string; why: string }[] {
  const out: { name: string; why: string }[] = [];
  for (const c of list) {
    if (c.State !== undefined && c.State !== 'running') continue;
    const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    const image = c.Image ?? '';
    const command = c.Command ?? '';
    if (NGINX_IMAGE.test(image)) out.push({ name, why: `image ${image}` });
    else if (/(^|\/|\s)(nginx|openresty)(\s|$)/.test(command)) out.push({ name, why: `command ${command}` });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
