/** The selected incident: diagnosis, timeline, evidence, checklist and fix (or the fix diff), wrapped and scrollable. */
import { Box } from 'ink';
import type { Incident } from '../../model/incident.js';
import type { Line } from '../detailLines.js';
import { clean } from '../format.js';
import type { DetailMode } from '../state.js';
import { Filler, Row, Title } from './Rows.js';

export interface DetailPaneProps {
  incident: Incident | null;
  /** The incident's detail lines already wrapped to `width` (see `wrapLines`). */
  rows: readonly Line[];
  mode: DetailMode;
  scroll: number;
  focused: boolean;
  width: number;
  height: number;
}

/** The first row shown for a scroll position: never past the last page. */
function detailStart(rows: number, height: number, scroll: number): number {
  return Math.min(scroll, Math.max(0, rows - (height - 1)));
}

export function DetailPane({ incident, rows, mode, scroll, focused, width, height }: DetailPaneProps) {
  const body = height - 1;
  const start = detailStart(rows.length, height, scroll);
  const shown = rows.slice(start, start + body);
  const more = rows.length - (start + shown.length);
  const where = rows.length > body ? ` [${start + 1}-${start + shown.length}/${rows.length}${more > 0 ? ' ↓' : ''}]` : '';
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
