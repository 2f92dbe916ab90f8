/** Row 1: the filter being typed, the message (export path, errors) or the applied filter. Row 2: keys. */
import { Box } from 'ink';
import { footerHelp, type UiCommand } from '../keymap.js';
import type { UiState } from '../state.js';
import { clean } from '../format.js';
import type { Tone } from '../theme.js';
import { Row } from './Rows.js';

export function Footer({ state, width, unavailable }: { state: UiState; width: number; unavailable?: ReadonlySet<UiCommand> }) {
  let top: { text: string; tone: Tone } = { text: '', tone: 'dim' };
  if (state.filterDraft !== null) top = { text: `/ ${clean(state.filterDraft)}▌  (Enter applies, Esc cancels)`, tone: 'accent' };
  else if (state.message) top = { text: clean(state.message.text), tone: state.message.level === 'error' ? 'bad' : 'plain' };
  else if (state.filter) top = { text: `filter: ${clean(state.filter)}  (Esc clears)`, tone: 'accent' };
  return (
    <Box flexDirection="column" width={width}>
      <Row text={top.text} width={width} tone={top.tone} />
      <Row text={footerHelp(width, unavailable)} width={width} tone="dim" />
    </Box>
  );
}
