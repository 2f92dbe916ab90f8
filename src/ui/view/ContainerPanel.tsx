/** The workloads behind the upstreams: container, workload (compose project/service), state, health, restarts, last exit. */
import { Box } from 'ink';
import type { ContainerView } from '../../model/incident.js';
import { clean, pad } from '../format.js';
import type { Tone } from '../theme.js';
import { Filler, Row, Title } from './Rows.js';

function containerRow(c: ContainerView, width: number): string {
  const nameW = Math.min(24, Math.max(12, Math.floor(width * 0.28)));
  // The workload, not only the compose service: a recreate keeps it, and is marked with `*`.
  const svc = c.workload ?? c.info?.service ?? c.lastEvent?.service ?? null;
  const shownSvc = svc ? `${clean(svc)}${c.recreated ? '*' : ''}` : '-';
  const exit = c.lastExitCode === null ? '-' : String(c.lastExitCode);
  return `${pad(clean(c.name), nameW)} ${pad(shownSvc, 12)} ${pad(clean(c.state), 10)} ${pad(clean(c.health ?? '-'), 10)} ${String(c.restarts).padStart(3)}  ${exit}`;
}

function tone(c: ContainerView): Tone {
  if (c.health === 'unhealthy' || c.state === 'exited' || c.state === 'dead') return 'bad';
  if (c.state !== 'running' || c.health === 'starting') return 'warn';
  return 'plain';
}

export function ContainerPanel({ containers, width, height }: { containers: ContainerView[]; width: number; height: number }) {
  const body = height - 1;
  const shown = containers.slice(0, body);
  const more = containers.length - shown.length;
  const nameW = Math.min(24, Math.max(12, Math.floor(width * 0.28)));
  const head = `${pad('Containers', nameW)} ${pad('workload', 12)} ${pad('state', 10)} ${pad('health', 10)} rst  exit${more > 0 ? ` (+${more})` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text={head} width={width} />
      {shown.length === 0 ? <Row text="  no Docker data" width={width} tone="dim" /> : null}
      {shown.map((c) => (
        <Row key={c.name} text={containerRow(c, width)} width={width} tone={tone(c)} />
      ))}
      <Filler count={body - Math.max(1, shown.length)} />
    </Box>
  );
}
