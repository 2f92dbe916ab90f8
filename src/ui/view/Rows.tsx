/** One screen row that never wraps (so panel heights stay exact), and blank filler rows. */
import { Text } from 'ink';
import { useTheme, type Tone } from '../theme.js';
import { fit } from '../format.js';

export function Row({ text, width, tone = 'plain', bold, inverse }: { text: string; width: number; tone?: Tone; bold?: boolean; inverse?: boolean }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end" color={theme.tone(tone)} bold={bold} inverse={inverse}>
      {fit(text, width) || ' '}
    </Text>
  );
}

export function Filler({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: Math.max(0, count) }, (_, i) => (
        <Text key={i}> </Text>
      ))}
    </>
  );
}

export function Title({ text, width, focused }: { text: string; width: number; focused?: boolean }) {
  return <Row text={`${focused ? '▌' : ' '}${text}`} width={width} tone={focused ? 'accent' : 'plain'} bold />;
}
