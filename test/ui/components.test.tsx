import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// ink renders nothing until unmount when CI is set (is-in-ci, read when ink loads): these tests
// look at live frames, as a person at a terminal would, so ink must load without it.
const savedCi = vi.hoisted(() => {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return saved;
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedCi)) if (v !== undefined) process.env[k] = v;
});
import { cleanup, render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { makeTheme, ThemeProvider } from '../../src/ui/theme.js';
import { Header } from '../../src/ui/view/Header.js';
import { UpstreamPanel } from '../../src/ui/view/UpstreamPanel.js';
import { ContainerPanel } from '../../src/ui/view/ContainerPanel.js';
import { Footer } from '../../src/ui/view/Footer.js';
import { initialUiState } from '../../src/ui/state.js';
import { snapshot } from './fixtures.js';
import { plain } from './renderScreen.js';

afterEach(() => cleanup());
const themed = (el: ReactElement) => render(<ThemeProvider theme={makeTheme(false)}>{el}</ThemeProvider>);
const frame = (r: ReturnType<typeof render>) => plain(r.lastFrame() ?? '');

describe('components (ink-testing-library, 100 columns)', () => {
  it('Header shows clock, zone, counters and each source with its health', () => {
    const s = snapshot({
      sources: [
        { id: 'l', kind: 'log', label: '/var/log/nginx/error.log', state: 'waiting', detail: '/var/log/nginx/error.log does not exist yet; waiting for it to appear', itemsRead: 0, lagMs: null },
        { id: 'd', kind: 'docker', label: 'docker /var/run/docker.sock', state: 'reconnecting', detail: 'the Docker daemon closed the event stream; retrying in 2 s', itemsRead: 58, lagMs: 4200 },
      ],
    });
    const f = frame(themed(<Header snapshot={s} paused={false} width={200} />));
    expect(f).toContain('restartdoctor LIVE 03:13:05 UTC  12,345 lines  154 errors  58 events  2 incidents');
    expect(f).toContain('error.log waiting: /var/log/nginx/error.log does not exist yet');
    const wide = frame(themed(<Header snapshot={{ ...s, sources: [s.sources[1]!] }} paused={false} width={100} />));
    expect(wide).toContain('docker reconnecting: the Docker daemon closed the event stream; retrying in 2 s (58 events, lag 4.2');
    const mixed = frame(themed(<Header snapshot={{ ...s, sources: [{ ...s.sources[0]!, state: 'ok', detail: null, itemsRead: 7 }, s.sources[1]!] }} paused width={100} />));
    expect(mixed.split('\n')[1]).toMatch(/^docker reconnecting: /); // the unhealthy source first
    expect(mixed).toContain('PAUSED');
  });

  it('Header says REPLAY, not LIVE, when a recording is playing', () => {
    const s = snapshot({ sources: [{ id: 'replay', kind: 'replay', label: 'replay fixtures/incidents/restart-race ×20', state: 'ok', detail: null, itemsRead: 10, lagMs: 0 }] });
    const f = frame(themed(<Header snapshot={s} paused={false} width={120} />));
    expect(f).toContain('restartdoctor REPLAY 03:13:05 UTC');
    expect(f).not.toContain('LIVE');
  });

  it('UpstreamPanel draws a sparkline, total, owner and kinds per upstream', () => {
    const s = snapshot();
    const f = frame(themed(<UpstreamPanel upstreams={s.upstreams} width={100} height={4} />));
    expect(f.split('\n')).toHaveLength(4);
    expect(f).toMatch(/127\.0\.0\.1:3000 +▇▇▇████ +142 → api refused:142/);
  });

  it('ContainerPanel shows name, service, state, health, restarts and last exit; says when it has no data', () => {
    const s = snapshot();
    const f = frame(themed(<ContainerPanel containers={s.containers} width={100} height={4} />));
    expect(f).toMatch(/api +api +running +healthy +1 +143/);
    expect(f).toMatch(/worker +- +exited +- +4 +137/);
    expect(frame(themed(<ContainerPanel containers={[]} width={100} height={3} />))).toContain('no Docker data');
  });

  it('Footer shows the filter being typed, else the message, else the applied filter', () => {
    expect(frame(themed(<Footer state={{ ...initialUiState, filterDraft: 'ap' }} width={100} />))).toContain('/ ap▌');
    expect(frame(themed(<Footer state={{ ...initialUiState, message: { text: 'exported to /tmp/a.md', level: 'info' }, filter: 'x' }} width={100} />))).toContain('exported to /tmp/a.md');
    expect(frame(themed(<Footer state={{ ...initialUiState, filter: 'api' }} width={100} />))).toContain('filter: api  (Esc clears)');
  });

  it('a component outside the ThemeProvider fails with a clear error', () => {
    const r = render(<Footer state={initialUiState} width={80} />);
    expect(r.lastFrame()).toContain('useTheme() must be used inside <ThemeProvider>');
  });
});

describe('Header: how far back a healthy source reaches', () => {
  it('shows a live source\'s history beside its healthy state', async () => {
    const { sourceText } = await import('../../src/ui/view/Header.js');
    const log = { id: 'error.log', kind: 'log' as const, label: '/var/log/nginx/error.log', state: 'ok' as const, detail: 'history from 05:01:12 (15 min)', itemsRead: 42, lagMs: null };
    expect(sourceText(log)).toBe('error.log ok 42 lines (history from 05:01:12 (15 min))');
    const docker = { id: 'docker', kind: 'docker' as const, label: 'docker /var/run/docker.sock', state: 'ok' as const, detail: 'events kept by the daemon from 05:09:40', itemsRead: 12, lagMs: null };
    expect(sourceText(docker)).toBe('docker ok 12 events (events kept by the daemon from 05:09:40)');
  });
});
