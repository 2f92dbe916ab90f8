/** The selected incident: diagnosis, timeline, evidence, checklist and fix (or the fix diff), scrollable. */
import { Box } from 'ink';
import type { Incident } from '../../model/incident.js';
import { detailLines } from '../detailLines.js';
import { clean } from '../format.js';
import type { DetailMode } from '../state.js';
import { Filler, Row, Title } from './Rows.js';

export interface DetailPaneProps {
  incident: Incident | null;
  mode: DetailMode;
  scroll: number;
  focused: boolean;
  tz: string;
  width: number;
  height: number;
}

export function DetailPane({ incident, mode, scroll, focused, tz, width, height }: DetailPaneProps) {
  const body = height - 1;
  const lines = incident ? detailLines(incident, mode, tz) : [];
  const maxStart = Math.max(0, lines.length - body);
  const start = Math.min(scroll, maxStart);
  const shown = lines.slice(start, start + body);
  const more = lines.length - (start + shown.length);
  const where = lines.length > body ? ` [${start + 1}-${start + shown.length}/${lines.length}${more > 0 ? ' ↓' : ''}]` : '';
  // The scroll position first: a long incident id must never push it off the row.
  const title = incident ? `${mode === 'fix' ? 'Fix diff' : 'Detail'}${where} — incident ${clean(incident.id)}` : 'Detail';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text={title} width={width} focused={focused} />
      {incident ? null : <Row text="  select an incident" width={width} tone="dim" />}
      {shown.map((l, n) => (
        <Row key={start + n} text={l.text} width={width} tone={l.tone} bold={l.bold} />
      ))}
      <Filler count={body - (incident ? shown.length : 1)} />
    </Box>
  );
}
