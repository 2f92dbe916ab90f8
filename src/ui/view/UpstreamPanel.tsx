/** Errors per second per upstream (sparkline of the last minute), the total and the error kinds. */
import { Box } from 'ink';
import type { UpstreamStat } from '../../model/snapshot.js';
import { clean, count, pad } from '../format.js';
import { sparkline } from '../sparkline.js';
import { Filler, Row, Title } from './Rows.js';

function upstreamRow(u: UpstreamStat, width: number): string {
  const nameW = Math.min(28, Math.max(14, Math.floor(width * 0.3)));
  const sparkW = Math.max(8, Math.min(60, Math.floor(width * 0.35)));
  const kinds = Object.entries(u.kinds)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([k, n]) => `${k}:${n}`)
    .join(' ');
  const owner = u.container ? `→ ${clean(u.container)} ` : '';
  return `${pad(clean(u.key), nameW)} ${sparkline(u.perSecond, sparkW)} ${count(u.total).padStart(6)} ${owner}${kinds}`;
}

export function UpstreamPanel({ upstreams, width, height }: { upstreams: UpstreamStat[]; width: number; height: number }) {
  const body = height - 1;
  const shown = upstreams.slice(0, body);
  const more = upstreams.length - shown.length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text={`Upstreams — errors/s, last minute${more > 0 ? ` (+${more} more)` : ''}`} width={width} />
      {shown.length === 0 ? <Row text="  no upstream errors yet" width={width} tone="dim" /> : null}
      {shown.map((u) => (
        <Row key={u.key} text={upstreamRow(u, width)} width={width} tone={u.lastErrorAt !== null ? 'bad' : 'plain'} />
      ))}
      <Filler count={body - Math.max(1, shown.length)} />
    </Box>
  );
}
