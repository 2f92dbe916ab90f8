/** Two rows: the clock, zone and counters; then every source with its health and lag. */
import { Box, Text } from 'ink';
import type { EngineSnapshot, SourceStatus } from '../../model/snapshot.js';
import { clean, clockTime, count, fit, formatDuration } from '../format.js';
import { sourceTone, useTheme } from '../theme.js';

const LAG_SHOWN_MS = 2000;

/**
 * A healthy source is one short word (`error.log ok 12,345`); one that is not says why in full,
 * and goes first, so a lost daemon or an unreadable log is visible even at 80 columns.
 */
export function sourceText(s: SourceStatus, now?: number, tz?: string): string {
  const behind = s.lagMs !== null && s.lagMs >= LAG_SHOWN_MS;
  // A connected event stream that is quiet is not late: Docker only speaks when a container changes.
  const quiet = s.kind === 'docker' && s.state === 'ok' && now !== undefined && tz !== undefined;
  const lag = !behind ? '' : quiet ? `, no events since ${clockTime(now - s.lagMs!, tz)}` : `, lag ${formatDuration(s.lagMs!)}`;
  const what = s.kind === 'docker' ? 'events' : 'lines';
  // Bytes a copytruncate rotation took that no file holds (sources/copytruncate.ts).
  const lost = s.unrecoveredBytes ? `, ~${count(s.unrecoveredBytes)} B lost in rotation` : '';
  // A replay that jumped says so first (its line count is on the row above).
  if (s.state === 'ok' && s.kind === 'replay' && s.detail) return `${shortLabel(s)}: ${clean(s.detail)}`;
  // A healthy source's detail is how far back it reaches (live mode's history).
  if (s.state === 'ok') return `${shortLabel(s)} ok ${count(s.itemsRead)} ${what}${lag}${lost}${s.detail ? ` (${clean(s.detail)})` : ''}`;
  const detail = s.detail ? `: ${clean(s.detail)}` : '';
  return `${shortLabel(s)} ${s.state}${detail} (${count(s.itemsRead)} ${what}${lag}${lost})`;
}

function shortLabel(s: SourceStatus): string {
  if (s.kind === 'docker') return 'docker';
  const label = clean(s.label);
  return label.slice(label.lastIndexOf('/') + 1) || label;
}

function orderedSources(sources: SourceStatus[]): SourceStatus[] {
  return [...sources].sort((a, b) => Number(a.state === 'ok') - Number(b.state === 'ok'));
}

export function Header({ snapshot, paused, width }: { snapshot: EngineSnapshot; paused: boolean; width: number }) {
  const theme = useTheme();
  const c = snapshot.counters;
  // A replay says so: its clock is the recording's, not the wall's.
  const mode = paused ? 'PAUSED' : snapshot.sources.some((s) => s.kind === 'replay') ? 'REPLAY' : 'LIVE';
  const stats = `${clockTime(snapshot.now, snapshot.tz)} ${clean(snapshot.tz)}  ${count(c.linesRead)} lines  ${count(c.upstreamErrors)} errors  ${count(c.dockerEvents)} events  ${snapshot.incidents.length} incidents`;
  // The name gives way to the numbers on a narrow terminal.
  const name = width >= 100 ? 'restartdoctor ' : '';
  const sources = orderedSources(snapshot.sources);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>{name}</Text>
        <Text inverse={paused} color={theme.tone(paused ? 'warn' : 'ok')} bold>
          {mode}
        </Text>
        <Text> {fit(stats, Math.max(0, width - name.length - 1 - mode.length))}</Text>
      </Text>
      <Text wrap="truncate-end">
        {sources.length === 0 ? <Text color={theme.tone('dim')}>no sources</Text> : null}
        {sources.map((s, i) => (
          <Text key={s.id} color={theme.tone(sourceTone(s.state))}>
            {i > 0 ? ' · ' : ''}
            {sourceText(s, snapshot.now, snapshot.tz)}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
