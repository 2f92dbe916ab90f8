/** Detected incidents, newest first; the selected one is inverse; the window follows the selection. */
import { Box } from 'ink';
import type { Incident } from '../../model/incident.js';
import { clean, clockTime } from '../format.js';
import { Filler, Row, Title } from './Rows.js';

function incidentRow(i: Incident, tz: string, open: boolean): string {
  const who = i.match ? clean(i.match.name) : '?';
  return `${clockTime(i.burst.first, tz)} ${open ? 'live' : '    '} ${clean(i.burst.upstreamKey)} → ${who}  ${clean(i.diagnosis.title)} (${i.diagnosis.confidenceLabel}) ${i.burst.count} err`;
}

export interface IncidentListProps {
  incidents: Incident[];
  openIds: ReadonlySet<string>;
  selectedId: string | null;
  focused: boolean;
  tz: string;
  width: number;
  height: number;
  filter: string;
}

export function IncidentList({ incidents, openIds, selectedId, focused, tz, width, height, filter }: IncidentListProps) {
  const body = height - 1;
  const at = Math.max(0, incidents.findIndex((i) => i.id === selectedId));
  const start = Math.min(Math.max(0, at - body + 1), Math.max(0, incidents.length - body));
  const shown = incidents.slice(start, start + body);
  const title = `Incidents (${incidents.length}${filter ? `, filter "${clean(filter)}"` : ''})`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text={title} width={width} focused={focused} />
      {shown.length === 0 ? <Row text={filter ? '  nothing matches the filter' : '  no incident detected yet'} width={width} tone="dim" /> : null}
      {shown.map((i) => {
        const sel = i.id === selectedId;
        return (
          <Row
            key={i.id}
            text={`${sel ? '▶' : ' '} ${incidentRow(i, tz, openIds.has(i.id))}`}
            width={width}
            inverse={sel && focused}
            bold={sel}
            tone={openIds.has(i.id) ? 'bad' : 'plain'}
          />
        );
      })}
      <Filler count={body - Math.max(1, shown.length)} />
    </Box>
  );
}
