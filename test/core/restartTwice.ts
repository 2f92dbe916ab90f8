/**
 * Multi-incident input made from the recorded restart-race fixture: the same `docker restart
 * shop-backend-1` replayed `shiftS` seconds later (its burst of nginx lines and its container's
 * lifecycle events, shifted and merged in time order into the recorded log and event stream), as
 * a deploy that restarts a service twice would leave them. With a 40 s shift each incident's
 * correlation window (60 s back, 30 s on) holds the other's restart.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const RACE = path.resolve(import.meta.dirname, '../../fixtures/incidents/restart-race');
const STAMP = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) /;

function stampOf(line: string): number | null {
  const m = STAMP.exec(line);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
}

function withStamp(line: string, ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return line.replace(STAMP, `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} `);
}

/** Merges `extra` (sorted by key) into `base` (kept in its order; unkeyed lines stay after their predecessor), originals first on a tie. */
function merge<T>(base: T[], extra: T[], key: (x: T) => number | null): T[] {
  const out: T[] = [];
  let j = 0;
  let current = -Infinity;
  for (const x of base) {
    current = key(x) ?? current;
    while (j < extra.length && key(extra[j]!)! < current) out.push(extra[j++]!);
    out.push(x);
  }
  return [...out, ...extra.slice(j)];
}

export interface TwoRestarts {
  dir: string;
  log: string;
  events: string;
  containers: string;
  nginxConf: string;
  compose: string;
}

/** Writes the folder; the caller removes `dir`. */
export function restartTwice(shiftS = 40): TwoRestarts {
  const dir = mkdtempSync(path.join(tmpdir(), 'rd-h17a-twice-'));
  const shift = shiftS * 1000;
  const first = Date.UTC(2024, 0, 15, 3, 12, 41);
  const last = Date.UTC(2024, 0, 15, 3, 12, 47);

  const lines = readFileSync(path.join(RACE, 'error.log'), 'latin1').split('\n');
  const burst = lines.filter((l) => {
    const t = stampOf(l);
    return t !== null && t >= first && t <= last && l.includes('172.18.0.5:3000');
  });
  const replayed = burst.map((l) => withStamp(l, stampOf(l)! + shift));
  const log = path.join(dir, 'error.log');
  writeFileSync(log, merge(lines, replayed, stampOf).join('\n'), 'latin1');

  type Ev = { time: number; timeNano: number; Actor?: { Attributes?: { name?: string } } };
  const events = readFileSync(path.join(RACE, 'docker-events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
  const restart = events.filter((e) => e.Actor?.Attributes?.name === 'shop-backend-1' && e.time * 1000 >= first - 10_000 && e.time * 1000 <= last + 10_000);
  if (restart.length < 3) throw new Error(`restart-race fixture: expected the restart's events, found ${restart.length}`);
  const shifted = restart.map((e) => ({ ...e, time: e.time + shiftS, timeNano: e.timeNano + shift * 1e6 }));
  const eventsFile = path.join(dir, 'docker-events.jsonl');
  writeFileSync(eventsFile, merge(events, shifted, (e) => e.timeNano).map((e) => JSON.stringify(e)).join('\n') + '\n');

  const copy = (name: string) => {
    copyFileSync(path.join(RACE, name), path.join(dir, name));
    return path.join(dir, name);
  };
  return { dir, log, events: eventsFile, containers: copy('inspect.json'), nginxConf: copy('nginx.conf'), compose: copy('docker-compose.yml') };
}
