/** Small shared renderings for every report: times in the log's zone, impact, counts. */
import type { Burst, Incident } from '../model/incident.js';
import type { EngineCounters } from '../model/snapshot.js';
import { IMPLAUSIBLE_TIME_RULE } from '../parse/dockerEventLine.js';
import { LINE_SHAPES } from '../parse/lineShape.js';
import { formatLocal } from '../parse/localTime.js';
import { kindLabel } from '../diagnose/diagnose.js';
import { countsBiggestFirst, formatCount } from '../util/count.js';
import { countOf } from '../util/plural.js';
import { formatDuration } from '../util/duration.js';
import type { UpstreamErrorKind } from '../model/logRecord.js';

/** `2024-01-15 03:12:41` in `tz`, with `.3` tenths when the time has a fraction (Docker events). */
export function formatTime(epochMs: number, tz: string, withDate = true): string {
  const local = formatLocal(epochMs, tz).replace(/\//g, '-');
  const frac = epochMs % 1000;
  const tenths = frac >= 100 ? `.${Math.floor(frac / 100)}` : frac > 0 ? '.0' : '';
  const text = local + tenths;
  return withDate ? text : text.slice(11);
}

export function kindsSummary(kinds: Burst['kinds']): string {
  return (Object.entries(kinds) as [UpstreamErrorKind, number][])
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${kindLabel(k)} ×${n}`)
    .join(', ');
}

export function impactLine(b: Burst): string {
  const parts = [`${countOf(b.count, 'failed request')} (${kindsSummary(b.kinds)})`];
  parts.push(`${countOf(b.writes, 'write')} (POST/PUT/PATCH/DELETE)`);
  parts.push(`${b.notRetried} POST/PATCH cut after sending (nginx never retries those)`);
  parts.push(`${b.rate}/s over ${formatDuration(b.last - b.first)}`);
  return parts.join(', ');
}

export function matchLine(i: Incident): string {
  // A group's incident links its peers, not one container: say which (the nginx config's servers).
  const peers = i.facts.group?.peers.filter((p) => p.container !== null) ?? [];
  if (!i.match && peers.length > 0) return `upstream group ${i.facts.group!.name}: ${i.facts.group!.peers.map((p) => `${p.container ?? 'no container'} (${p.address})`).join(', ')}, each linked through the nginx config's servers`;
  if (!i.match) return 'no container linked (pass --containers and --events, or run on the Docker host)';
  const m = i.match;
  return `${m.name}${m.service ? ` (compose service ${m.service})` : ''}, matched by ${m.method}: ${m.explanation}`;
}

export function countersLine(c: EngineCounters & { isolatedErrors?: number }): string {
  const unparsed = Object.values(c.unparsed).reduce((s, n) => s + (n ?? 0), 0);
  const reasons = countsBiggestFirst(c.unparsed);
  const parts = [
    `${countOf(c.linesRead, 'line')} read`,
    `${countOf(c.upstreamErrors, 'upstream error')}`,
    `${formatCount(c.otherLines)} other`,
  ];
  if (c.accessLines) parts.push(`${formatCount(c.accessLines)} access-log line${c.accessLines === 1 ? "" : "s"}`);
  if (c.untimed) parts.push(`${formatCount(c.untimed)} untimed (no date to place them)`);
  parts.push(`${formatCount(unparsed)} unparsed${reasons ? ` (${reasons})` : ''}`);
  if (c.outsideWindow) parts.push(`${formatCount(c.outsideWindow)} outside --since/--until`);
  if (c.isolatedErrors) parts.push(`${countOf(c.isolatedErrors, 'isolated error')} below the burst minimum`);
  return parts.join(', ');
}

/** One sentence per prefixed shape read: `read as docker logs --timestamps lines (122): nginx time replaced by Docker's UTC stamp`. */
export function shapeLines(c: EngineCounters): string[] {
  return LINE_SHAPES.filter((s) => (c.shapes?.[s.id] ?? 0) > 0).map((s) => `read as ${s.label} lines (${formatCount(c.shapes![s.id]!)}): ${s.timeNote}`);
}

export function eventsLine(c: EngineCounters): string {
  const reasons = countsBiggestFirst(c.invalidEventReasons ?? {});
  const repeats = c.duplicateEvents ? `, ${countOf(c.duplicateEvents, 'repeat')} counted once` : '';
  // An implausible time is the one reason a reader cannot guess from its name: say the rule it broke.
  const rule = c.invalidEventReasons?.['implausible-time'] ? `; ${IMPLAUSIBLE_TIME_RULE}` : '';
  return `${countOf(c.dockerEvents, 'container lifecycle event')} used${repeats}, ${countOf(c.ignoredEvents, 'other event')} ignored (exec, network, image…), ${formatCount(c.invalidEvents)} invalid${reasons ? ` (${reasons}${rule})` : ''}`;
}
