/** The `?` screen, generated from the keymap. */
import { Box } from 'ink';
import { KEYMAP, type UiCommand } from '../keymap.js';
import { Filler, Row, Title } from './Rows.js';

/** `unavailable`: commands this screen cannot run (a replay's checklist): marked so. */
export function HelpScreen({ width, height, unavailable = new Set() }: { width: number; height: number; unavailable?: ReadonlySet<UiCommand> }) {
  const lines = [
    ...KEYMAP.map((b) => `  ${b.label.padEnd(6)} ${b.help}${unavailable.has(b.command) ? ' (not available here)' : ''}`),
    '',
    '  In the filter: type, Backspace deletes, Enter applies, Esc cancels.',
    '  Text from logs and containers is shown with control sequences removed.',
  ].slice(0, height - 1);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Title text="Keys (? closes)" width={width} focused />
      {lines.map((l, i) => (
        <Row key={i} text={l} width={width} />
      ))}
      <Filler count={height - 1 - lines.length} />
    </Box>
  );
}
