/**
 * Colours, decided once at start-up (NO_COLOR, --no-color, TERM=dumb switch them off). Without
 * colour the screen still reads: states are words and the selection is shown inverse.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { SourceState } from '../model/snapshot.js';
import type { CheckStatus } from '../model/incident.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'accent' | 'plain';

export interface Theme {
  color: boolean;
  /** An ink colour name for a tone, or undefined when colour is off. */
  tone(t: Tone): string | undefined;
}

const COLORS: Record<Tone, string | undefined> = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray', accent: 'cyan', plain: undefined };

export function makeTheme(color: boolean): Theme {
  return { color, tone: (t) => (color ? COLORS[t] : undefined) };
}

const ThemeContext = createContext<Theme | null>(null);

export function ThemeProvider({ theme, children }: { theme: Theme; children: ReactNode }) {
  return <ThemeContext.Provider value={theme}>{children}</ThemeContext.Provider>;
}

export function useTheme(): Theme {
  const t = useContext(ThemeContext);
  if (!t) throw new Error('useTheme() must be used inside <ThemeProvider>');
  return t;
}

export function sourceTone(s: SourceState): Tone {
  return s === 'ok' ? 'ok' : s === 'error' ? 'bad' : s === 'ended' ? 'dim' : 'warn';
}

export function checkTone(s: CheckStatus): Tone {
  return s === 'pass' ? 'ok' : s === 'fail' ? 'bad' : 'warn';
}

export const CHECK_MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✘', unknown: '?' };
