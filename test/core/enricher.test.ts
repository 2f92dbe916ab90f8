/**
 * One Enricher (session/enrich.ts) for the postmortem and for live mode: the same refusal, the
 * same checklist and the same fix, said in the same words. A real loopback listener is the
 * config's peer; an upstream only a log line names is refused, in both modes, with one sentence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import type { Incident } from '../../src/model/incident.js';
import { analyze } from '../../src/session/analyze.js';
import { ENRICH_SAYS, Enricher, type EnrichOptions } from '../../src/session/enrich.js';

const FORGED = '127.0.0.9:5055';
let dir: string;
let server: http.Server;
let peer: string;
let connections = 0;

function refused(second: number, upstream: string): string {
  return `2024/01/15 03:12:${String(second).padStart(2, '0')} [error] 816#816: *${second} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop.example.com, request: "GET /api HTTP/1.1", upstream: "http://${upstream}/api", host: "shop.example.com"`;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rd-s14-enricher-'));
  server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  peer = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(path.join(dir, 'nginx.conf'), `events {}\nhttp {\n  upstream app { server ${peer}; }\n  server { listen 8080; location /api { proxy_pass http://app; } }\n}\n`);
  // Two bursts on the config's peer (20 s apart), one on an address only the log names.
  const lines = [...[10, 11, 12].map((s) => refused(s, peer)), ...[20, 21, 22].map((s) => refused(s, FORGED)), ...[40, 41, 42].map((s) => refused(s, peer))];
  writeFileSync(path.join(dir, 'error.log'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  rmSync(dir, { recursive: true, force: true });
});

async function run(): Promise<{ engine: Awaited<ReturnType<typeof analyze>>['engine']; incidents: Incident[]; options: EnrichOptions }> {
  const nginxConf = path.join(dir, 'nginx.conf');
  const { engine, incidents } = await analyze({ logs: [path.join(dir, 'error.log')], tz: 'UTC', patterns: loadPatterns() });
  const options: EnrichOptions = { nginxConf, compose: null, k8s: [], systemd: null, probe: true, healthPath: null, docker: 'unix:///nonexistent/docker.sock' };
  return { engine, incidents, options };
}

const refusal = `not probed: ${FORGED} is not an upstream in ${'CONF'} nor a container address`;

describe('one Enricher for the postmortem and live mode', () => {
  it('the three incidents', async () => {
    const { incidents } = await run();
    expect(incidents.map((i) => i.burst.upstreamKey)).toEqual([peer, FORGED, peer]);
  });

  it('postmortem (--probe): the peer probed once for its two incidents, the forged address refused in one note, every incident a fix', async () => {
    const { engine, incidents, options } = await run();
    const before = connections;
    const notes = await new Enricher(engine, options).all(incidents);
    expect(notes).toEqual([refusal.replace('CONF', options.nginxConf!)]);
    const after = engine.incidents();
    expect(after[0]!.checklist).not.toBeNull();
    expect(after[2]!.checklist).toBe(after[0]!.checklist); // one run per upstream
    expect(after[1]!.checklist).toBeNull();
    expect(connections).toBeGreaterThan(before);
    expect(after.every((i) => i.fix)).toBe(true);
  });

  it('postmortem without --probe: nothing probed, and it says so', async () => {
    const { engine, incidents, options } = await run();
    const before = connections;
    expect(await new Enricher(engine, { ...options, probe: false }).all(incidents)).toEqual([ENRICH_SAYS.notProbed]);
    expect(connections).toBe(before);
    expect(engine.incidents().every((i) => i.checklist === null && i.fix)).toBe(true);
  });

  it('live: the same refusal sentence (said as a line), the same checklist, each incident its own run', async () => {
    const { engine, incidents, options } = await run();
    const said: string[] = [];
    const checked: string[] = [];
    const enricher = new Enricher(engine, options, { say: (t) => said.push(t), onChecklist: (i) => checked.push(i.id) });
    for (const i of incidents) {
      await enricher.checklist(i);
      await enricher.fix(i);
    }
    expect(said).toEqual([refusal.replace('CONF', options.nginxConf!)]);
    expect(checked).toEqual([incidents[0]!.id, incidents[2]!.id]);
    const after = engine.incidents();
    expect(after[2]!.checklist).not.toBe(after[0]!.checklist); // live probes each incident at its time
    expect(after.every((i) => i.fix)).toBe(true);
    // The postmortem's conclusion sentence for the same upstream is the live one.
    const post = await run();
    await new Enricher(post.engine, post.options).all(post.incidents);
    expect(post.engine.incidents()[0]!.checklist!.conclusion).toBe(after[0]!.checklist!.conclusion);
  });

  it('a failure reads the same in every mode', () => {
    // One line: the error's first (a multi-line message never breaks lines mode's one-line-per-item).
    expect(ENRICH_SAYS.failed('fix', 'b7', new Error('compose file unreadable\n    at x'))).toBe('fix of incident b7 failed: compose file unreadable');
  });
});
