/**
 * Live mode keeps its inspect snapshot current (issue 13 item 5, "live from the daemon"): a
 * container started after the connection (a recreate's new one) is inspected when its `start`
 * arrives, and a destroyed one leaves the snapshot. Against a Docker Engine API stand-in served
 * over a real unix socket (no daemon needed: the refresh logic is what is under test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, type DockerHandle } from '../../src/sources/dockerLive.js';
import { waitFor } from '../support/wait.js';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const inspectOf = (id: string, name: string, ip: string) => ({ Id: id, Name: `/${name}`, NetworkSettings: { Networks: { app: { IPAddress: ip } } } });

describe('live Docker source: the inspect snapshot follows recreates', () => {
  let dir = '';
  let server: http.Server;
  let eventStream: http.ServerResponse | null = null;
  const inspectable = new Map<string, unknown>([[OLD, inspectOf(OLD, 'shop-backend-1', '172.26.0.10')]]);
  const listed = [{ Id: OLD }];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h13b-api-'));
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://docker');
      const inspect = /\/containers\/([0-9a-f]+)\/json$/.exec(url.pathname);
      if (url.pathname.endsWith('/containers/json')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listed));
      if (inspect) {
        const c = inspectable.get(inspect[1]!);
        return void (c ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(c)) : res.writeHead(404).end('{"message":"no such container"}'));
      }
      if (url.pathname.endsWith('/events')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        eventStream = res;
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'docker.sock'), resolve));
  });

  afterAll(async () => {
    eventStream?.end();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('inspects the new container on its start and drops the destroyed one', async () => {
    const snapshots: string[][] = [];
    const handle: DockerHandle = connectDocker({
      socketPath: path.join(dir, 'docker.sock'),
      onEvent: () => {},
      onContainers: (raws) => snapshots.push((raws as { Name: string; NetworkSettings: { Networks: { app: { IPAddress: string } } } }[]).map((c) => `${c.Name} ${c.NetworkSettings.Networks.app.IPAddress}`)),
      backoff: { initialMs: 50, maxMs: 100 },
    });
    try {
      await handle.ready;
      await waitFor(() => eventStream !== null);
      expect(snapshots).toEqual([['/shop-backend-1 172.26.0.10']]);
      const t = Math.floor(Date.now() / 1000);
      const ev = (action: string, id: string, n: number) =>
        JSON.stringify({ status: action, id, Type: 'container', Action: action, Actor: { ID: id, Attributes: { name: 'shop-backend-1' } }, time: t, timeNano: t * 1e9 + n }) + '\n';
      eventStream!.write(ev('destroy', OLD, 1));
      inspectable.set(NEW, inspectOf(NEW, 'shop-backend-1', '172.26.0.3'));
      eventStream!.write(ev('create', NEW, 2) + ev('start', NEW, 3));
      await waitFor(() => snapshots.length >= 3);
      expect(snapshots.slice(1)).toEqual([[], ['/shop-backend-1 172.26.0.3']]);
    } finally {
      await handle.close();
    }
  });
});
