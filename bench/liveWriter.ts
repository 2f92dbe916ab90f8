/**
 * The appending side of `npm run bench -- --live`: a separate process that writes nginx error
 * lines at a fixed rate into LOG (as nginx would: many small appends) and Docker events as JSON
 * lines into EVENTS. Every request line carries `wt=<epoch ms>` (the write time) in its query
 * string, so the follower can measure written → ingested lag from the line itself.
 * Every 10 s a restart burst (3 s of 111 refused on one upstream, with kill/die/stop/start/restart
 * events) and a 0.5 s timeout blip on another give the engine real incidents to build while it
 * follows; the rest is noise (clients leaving, buffering, access rules, missing files).
 * Usage: node liveWriter.js LOG EVENTS RATE DURATION_S EVENTS_RATE
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { rng } from './gen.js';

const [log, events, rateS, durS, evRateS] = process.argv.slice(2);
const rate = Number(rateS ?? 20000);
const durationMs = Number(durS ?? 30) * 1000;
const evRate = Number(evRateS ?? 10);
const r = rng(42);
const logFd = openSync(log!, 'a');
const evFd = openSync(events!, 'a');

const pad = (n: number) => String(n).padStart(2, '0');
let stampSec = -1;
let stamp = '';
const stampOf = (ms: number) => {
  const s = Math.floor(ms / 1000);
  if (s !== stampSec) {
    const d = new Date(ms);
    stampSec = s;
    stamp = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  return stamp;
};
const UPS = ['172.18.0.5:3000', '172.18.0.6:8080', '172.18.0.7:9000'];
const NAMES = ['shop-api-1', 'shop-web-1', 'shop-auth-1'];
let conn = 1;

function line(now: number, inBurst: boolean, inBlip: boolean): string {
  const ts = stampOf(now);
  const c = `${1000 + (conn % 4)}#${1000 + (conn % 3)}: *${conn++}`;
  const client = `203.0.113.${Math.floor(r() * 250)}`;
  const req = (m: string) => `, client: ${client}, server: shop.example.com, request: "${m} /api/orders?wt=${now} HTTP/1.1"`;
  if (inBurst && r() < 0.5) {
    return `${ts} [error] ${c} connect() failed (111: Connection refused) while connecting to upstream${req(r() < 0.3 ? 'POST' : 'GET')}, upstream: "http://${UPS[0]}/api/orders", host: "shop.example.com"`;
  }
  const y = r();
  const up = UPS[Math.floor(r() * UPS.length)]!;
  if (inBlip && y < 0.02) return `${ts} [error] ${c} upstream timed out (110: Connection timed out) while reading response header from upstream${req('GET')}, upstream: "http://${UPS[1]}/api/orders", host: "shop.example.com"`;
  if (y < 0.25) return `${ts} [info] ${c} client prematurely closed connection while reading upstream${req('GET')}, upstream: "http://${up}/api/orders", host: "shop.example.com"`;
  if (y < 0.35) return `${ts} [warn] ${c} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000${conn % 1000} while reading upstream${req('GET')}, upstream: "http://${up}/api/orders", host: "shop.example.com"`;
  if (y < 0.65) return `${ts} [error] ${c} access forbidden by rule${req('GET')}, host: "shop.example.com"`;
  return `${ts} [error] ${c} open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)${req('GET')}, host: "shop.example.com"`;
}

function event(now: number, name: string, action: string, extra: Record<string, string> = {}): string {
  const id = name.replace(/\W/g, '').padEnd(64, '0').slice(0, 64);
  return JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: { ID: id, Attributes: { name, image: 'shop/app:1', 'com.docker.compose.project': 'shop', 'com.docker.compose.service': name.split('-')[1], ...extra } },
    scope: 'local',
    time: Math.floor(now / 1000),
    timeNano: `${now}000000`,
  });
}

const t0 = Date.now();
let lines = 0;
let evs = 0;
let bytes = 0;
let lastBurst = -1;
let lastStart = -1;
const timer = setInterval(() => {
  const now = Date.now();
  const el = now - t0;
  const phase = el % 10_000;
  const inBurst = phase >= 4000 && phase < 7000;
  // A short timeout blip on another upstream: failures come in bursts that end, as in an outage.
  const inBlip = phase >= 8000 && phase < 8500;
  const due = Math.min(Math.floor((Math.min(el, durationMs) * rate) / 1000), Math.ceil((durationMs * rate) / 1000)) - lines;
  if (due > 0) {
    const out: string[] = [];
    for (let i = 0; i < due; i++) out.push(line(now, inBurst, inBlip));
    const buf = Buffer.from(`${out.join('\n')}\n`);
    writeSync(logFd, buf);
    bytes += buf.length;
    lines += due;
  }
  const evDue = Math.floor((Math.min(el, durationMs) * evRate) / 1000) - evs;
  const burst = Math.floor(el / 10_000);
  const ev: string[] = [];
  if (phase >= 3800 && burst !== lastBurst) {
    lastBurst = burst;
    ev.push(event(now, NAMES[0]!, 'kill', { signal: '15' }), event(now, NAMES[0]!, 'die', { exitCode: '0' }), event(now, NAMES[0]!, 'stop'));
  }
  if (phase >= 7000 && burst !== lastStart) {
    lastStart = burst;
    ev.push(event(now, NAMES[0]!, 'start'), event(now, NAMES[0]!, 'restart'));
  }
  for (let i = 0; i < evDue - ev.length; i++) {
    const n = NAMES[(evs + i) % NAMES.length]!;
    ev.push(event(now, n, (evs + i) % 3 === 0 ? 'exec_create: wget -qO- http://127.0.0.1/healthz' : (evs + i) % 3 === 1 ? 'exec_start: wget -qO- http://127.0.0.1/healthz' : 'exec_die', { execID: `${evs + i}` }));
  }
  if (ev.length > 0) {
    writeSync(evFd, `${ev.join('\n')}\n`);
    evs += ev.length;
  }
  if (el >= durationMs) {
    clearInterval(timer);
    closeSync(logFd);
    closeSync(evFd);
    process.stdout.write(`${JSON.stringify({ lines, events: evs, bytes, elapsedMs: Date.now() - t0 })}\n`);
  }
}, 5);
