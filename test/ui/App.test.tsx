import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, type AppActions } from '../../src/ui/App.js';
import type { EngineSnapshot } from '../../src/model/snapshot.js';
import { burst, containerView, incident, snapshot } from './fixtures.js';
import { KEYS, plain, renderScreen, waitForFrame } from './renderScreen.js';

type Screen = ReturnType<typeof renderScreen>;
const screens: Screen[] = [];
afterEach(() => {
  for (const s of screens.splice(0)) s.unmount();
});

/** A feed whose snapshot the test can replace (what the SnapshotStore does live). */
function feedOf(initial: EngineSnapshot) {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => current,
    push(next: EngineSnapshot) {
      current = next;
      for (const l of listeners) l();
    },
  };
}

function show(s: EngineSnapshot = snapshot(), actions: AppActions = {}, size: { cols?: number; rows?: number; tty?: boolean } = {}) {
  const feed = feedOf(s);
  const screen = renderScreen(<App feed={feed} actions={actions} color={false} />, size);
  screens.push(screen);
  const frame = () => plain(screen.lastFrame());
  const until = (ok: (f: string) => boolean, what?: string) => waitForFrame(screen.lastFrame, ok, what);
  return { screen, feed, frame, until };
}

function lines(frame: string): string[] {
  return frame.split('\n');
}

describe('live screen at 80×24', () => {
  it('draws header, panels, list, detail and footer within 80×23', async () => {
    const { until } = show();
    const f = await until((x) => x.includes('Incidents (2)'));
    expect(lines(f).length).toBe(23);
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
    expect(f).toMatchSnapshot();
  });

  it('uses a larger terminal and redraws on resize', async () => {
    const { screen, until } = show(snapshot(), {}, { cols: 80, rows: 24 });
    await until((x) => x.includes('Incidents (2)'));
    screen.stdout.resize(160, 40);
    const big = await until((x) => lines(x).length === 39, 'resized frame');
    expect(lines(big)[2]).toMatch(/Upstreams.*Containers/); // side by side now
    expect(big).toContain('Evidence (1 of 12 lines kept)');
    screen.stdout.resize(80, 24);
    await until((x) => lines(x).length === 23 && !/Upstreams.*Containers/.test(lines(x)[2] ?? ''), 'back to 80×24');
  });
});

describe('keys', () => {
  it('j/k and arrows move the selection; Enter/Tab switch the pane', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('▶ 03:13:00'));
    screen.press('j');
    await until((x) => x.includes('▶ 03:12:41') && /Detail( \[[^\]]*\])? — incident b1/.test(x), 'j selects the older incident');
    screen.press(KEYS.up);
    await until((x) => x.includes('▶ 03:13:00'), '↑ back up');
    screen.press(KEYS.down);
    await until((x) => x.includes('▶ 03:12:41'));
    screen.press('k');
    await until((x) => x.includes('▶ 03:13:00'));
    screen.press(KEYS.enter);
    await until((x) => /▌Detail/.test(x), 'detail pane focused');
    screen.press(KEYS.down);
    await until((x) => /\[2-/.test(x), 'detail scrolled');
    screen.press(KEYS.tab);
    await until((x) => x.includes('▌Incidents'), 'list focused again');
  });

  it('/ filters by text, Esc clears', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('Incidents (2)'));
    screen.press('/');
    for (const ch of 'apx') screen.press(ch);
    screen.press(KEYS.backspace);
    screen.press('i');
    await until((x) => x.includes('/ api▌'), 'filter being typed');
    screen.press(KEYS.enter);
    const f = await until((x) => x.includes('Incidents (1, filter "api")'), 'filter applied');
    expect(f).not.toContain('127.0.0.1:4000 →');
    expect(f).toContain('filter: api');
    screen.press(KEYS.escape);
    await until((x) => x.includes('Incidents (2)'), 'filter cleared');
  });

  it('p pauses on the current snapshot and follows again', async () => {
    const { screen, feed, until } = show();
    await until((x) => x.includes('LIVE'));
    screen.press('p');
    await until((x) => x.includes('PAUSED'));
    const third = incident('b3', burst('b3', { first: snapshot().now - 1000, upstreamKey: '127.0.0.1:5000' }));
    feed.push(snapshot({ incidents: [...snapshot().incidents, third] }));
    await new Promise((r) => setTimeout(r, 50));
    await until((x) => x.includes('Incidents (2)') && !x.includes(':5000'), 'still the frozen snapshot');
    screen.press('p');
    await until((x) => x.includes('LIVE') && x.includes('Incidents (3)') && x.includes('▶ 03:13:04'), 'live again, newest selected');
  });

  it('c re-runs the checklist through the callback and shows the outcome', async () => {
    const rerunChecklist = vi.fn(async (id: string) => `ran for ${id}`);
    const { screen, until } = show(snapshot(), { rerunChecklist });
    await until((x) => x.includes('Incidents'));
    screen.press('c');
    await until((x) => x.includes('checklist: ran for b2'));
    expect(rerunChecklist).toHaveBeenCalledWith('b2');
  });

  it('f shows the fix diff and goes back', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('Incidents'));
    screen.press('j');
    screen.press('f');
    const f = await until((x) => /Fix diff( \[[^\]]*\])? — incident b1/.test(x));
    expect(f).toContain('+    server 127.0.0.1:3001 backup;');
    screen.press('f');
    await until((x) => /Detail( \[[^\]]*\])? — incident b1/.test(x));
  });

  it('e exports through the callback and shows the written path; a failure is one line', async () => {
    const exportMarkdown = vi.fn(async () => '/tmp/restartdoctor-20240115-031305.md');
    const { screen, until } = show(snapshot(), { exportMarkdown });
    await until((x) => x.includes('Incidents'));
    screen.press('e');
    await until((x) => x.includes('exported to /tmp/restartdoctor-20240115-031305.md'));
    expect(exportMarkdown.mock.calls[0]?.[1]).toBe('b2');

    const failing = show(snapshot(), { exportMarkdown: async () => { throw new Error('EACCES: permission denied, open \'/x.md\'\n  at stack'); } });
    await failing.until((x) => x.includes('Incidents'));
    failing.screen.press('e');
    const f = await failing.until((x) => x.includes('export failed'));
    expect(f).toContain("export failed: EACCES: permission denied, open '/x.md'");
    expect(f).not.toContain('at stack');
  });

  it('? shows the help generated from the keymap', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('Incidents'));
    screen.press('?');
    const f = await until((x) => x.includes('Keys (? closes)'));
    expect(f).toContain('re-run the checklist for the selected incident');
    expect(f).toMatchSnapshot();
    screen.press('?');
    await until((x) => x.includes('Incidents'));
  });

  it('q and Ctrl-C quit through the callback', async () => {
    for (const key of ['q', KEYS.ctrlC]) {
      const quit = vi.fn();
      const { screen, until } = show(snapshot(), { quit });
      await until((x) => x.includes('Incidents'));
      screen.press(key);
      await screen.waitUntilExit();
      expect(quit).toHaveBeenCalledTimes(1);
    }
  });

  it('keys that arrive together (a held key, a paste) count one by one; DEL bytes never enter the filter', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('▶ 03:13:00'));
    screen.press(KEYS.tab);
    await until((x) => /▌Detail/.test(x), 'detail pane focused');
    screen.press('jjj');
    await until((x) => /Detail \[4-/.test(x), 'three rows down from one event');
    screen.press(KEYS.tab);
    screen.press('/');
    screen.press('apx');
    screen.press('\x7f\x7f');
    screen.press('pi');
    const f = await until((x) => x.includes('/ api▌'), 'two backspaces from one event');
    expect(f).not.toContain('\x7f');
    screen.press('x\x07'); // a paste's control bytes are no text either
    screen.press('\r');
    await until((x) => x.includes('filter: apix') || x.includes('filter "apix"'), 'the filter applied without control bytes');
  });

  it('qq quits once', async () => {
    const quit = vi.fn();
    const { screen } = show(snapshot(), { quit });
    screen.press('qq');
    await screen.waitUntilExit();
    expect(quit).toHaveBeenCalledTimes(1);
  });

  it('a message stays until the next key, which shows the applied filter again', async () => {
    const { screen, until } = show();
    await until((x) => x.includes('Incidents (2)'));
    screen.press('/');
    screen.press('api');
    screen.press(KEYS.enter);
    await until((x) => x.includes('filter: api'), 'the applied filter in the footer');
    screen.press('c');
    await until((x) => x.includes('the checklist cannot run here (no live target)') && !x.includes('filter: api'), 'the message over the filter');
    screen.press('j');
    await until((x) => x.includes('filter: api') && !x.includes('cannot run here'), 'the message gone after a key');
  });

  it('offers the checklist only where it can run: a replay (no callback) neither shows `c check` nor promises it', async () => {
    const replay = show();
    await replay.until((x) => x.includes('Incidents (2)'));
    replay.screen.press(KEYS.tab);
    replay.screen.press('G');
    const f = await replay.until((x) => x.includes('Checklist'), 'the end of the detail');
    expect(f).not.toContain('c check');
    expect(f).toContain('Checklist: not run (a replay has no live target to probe)');
    expect(f).not.toContain('c runs it');
    expect(f).toContain('q quit');
    const live = show(snapshot({ incidents: snapshot().incidents.map((i) => ({ ...i, checklist: null })) }), { rerunChecklist: async () => 'ok', exportMarkdown: async () => 'x.md' });
    await live.until((x) => x.includes('Incidents (2)'));
    live.screen.press(KEYS.tab);
    live.screen.press('G');
    const g = await live.until((x) => x.includes('Checklist'), 'the end of the detail');
    expect(g).toContain('c check');
    expect(g).toContain('Checklist: not run yet (c runs it)');
  });

  it('never enters raw mode when stdin is not a TTY (and still draws)', async () => {
    const { screen, until } = show(snapshot(), {}, { tty: false });
    await until((x) => x.includes('Incidents (2)'));
    screen.press('q');
    await new Promise((r) => setTimeout(r, 30));
    expect(screen.stdin.rawMode).toBe(false);
    expect(plain(screen.lastFrame())).toContain('Incidents (2)');
  });
});

describe('hostile text', () => {
  const NASTY = [
    '\x1b[2J\x1b[H', // clear screen + home
    '\x1b]0;owned\x07', // window title
    '\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\', // hyperlink
    '\x1b[31;1m', // colour that would never be reset
    '\x1bP+q544e\x1b\\', // DCS query
    '\x9b6n', // C1 CSI: cursor position report request
    '\r\n\t\x08\x7f\x00',
    '\x1bc', // full terminal reset
  ].join('');

  function hostileSnapshot(): EngineSnapshot {
    const s = snapshot();
    const b = burst('bx', {
      upstreamKey: `evil${NASTY}:3000`,
      evidence: [{ source: `/var/log/${NASTY}.log`, line: 7, time: s.now - 3000, raw: `connect() failed ${NASTY} (111: Connection refused)` }],
      first: s.now - 3000,
    });
    const inc = incident('bx', b);
    inc.match = { ...inc.match!, name: `api${NASTY}`, explanation: NASTY };
    inc.diagnosis = { ...inc.diagnosis, title: `Restart race${NASTY}`, reasons: [NASTY] };
    return {
      ...s,
      sources: [{ ...s.sources[0]!, label: `/var/log/${NASTY}`, detail: NASTY, state: 'error' }],
      upstreams: [{ ...s.upstreams[0]!, key: `evil${NASTY}:3000`, container: `c${NASTY}` }],
      containers: [containerView(`web${NASTY}`, { state: `running${NASTY}`, health: NASTY })],
      incidents: [...s.incidents, inc],
    };
  }

  it('keeps the frame intact: no escape sequence but ink\'s own styling, exact size', async () => {
    const { screen, until } = show(hostileSnapshot());
    await until((x) => x.includes('Incidents (3)'));
    screen.press(KEYS.enter);
    for (let i = 0; i < 3; i++) screen.press(KEYS.down);
    await new Promise((r) => setTimeout(r, 50));
    const raw = screen.lastFrame();
    // The only escapes left are SGR styles (bold/inverse) that ink itself writes.
    // eslint-disable-next-line no-control-regex
    const escapes = raw.match(/\x1b[^m]*m|\x1b|\x9b|\x9d|\x07|\x08|\x00|\r/g) ?? [];
    // eslint-disable-next-line no-control-regex
    expect(escapes.filter((e) => !/^\x1b\[[0-9;]*m$/.test(e))).toEqual([]);
    const f = plain(raw);
    expect(lines(f).length).toBe(23);
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
    expect(f).toContain('Restart race');
    expect(f).not.toContain('owned\x07');
    expect(f).toMatch(/↑↓ select .* q quit/); // footer still on its own last row
  });
});
