import { describe, expect, it } from 'vitest';
import { clean, fit } from '../../src/ui/format.js';

// Every string from a log line or a container reaches the screen through clean().
describe('clean (the UI edge of the shared sanitiser)', () => {
  const cases: [string, string, string][] = [
    ['CSI colour', 'a\x1b[31mred\x1b[0mb', 'aredb'],
    ['CSI cursor moves and clear screen', 'x\x1b[2J\x1b[H\x1b[10;20Hy', 'xy'],
    ['OSC title with BEL', 'a\x1b]0;pwned\x07b', 'ab'],
    ['OSC 8 hyperlink with ST', '\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['DCS', 'a\x1bP1$r0m\x1b\\b', 'ab'],
    ['C1 CSI', 'a\x9b31mb', 'ab'],
    ['two-byte escape (IND)', 'a\x1bDb', 'ab'],
  ];
  for (const [name, input, out] of cases) {
    it(`removes ${name}`, () => expect(clean(input)).toBe(out));
  }

  it('never lets an ESC through, whatever follows it (ESC c = terminal reset, ESC 7/8 = cursor save)', () => {
    for (const s of ['a\x1bcb', '\x1b7\x1b8', '\x1b', 'x\x1b\x1b[', '\x1b]never-terminated']) {
      const out = clean(s);
      expect(out).not.toContain('\x1b');
      expect(out.startsWith(s[0] === '\x1b' ? '' : s[0]!)).toBe(true);
    }
  });

  it('shows other controls as a visible placeholder, never raw', () => {
    expect(clean('a\x00b\x07c\rd\te\x7f')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFD');
    // eslint-disable-next-line no-control-regex
    expect(clean('\x1b[31')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('is pure and idempotent, and keeps ordinary text', () => {
    const s = 'GET /api/orders — ünïcode ✓ 你好';
    expect(clean(s)).toBe(s);
    const dirty = 'x\x1b[1;31my\x9dz\x07';
    expect(clean(clean(dirty))).toBe(clean(dirty));
    expect(clean(null)).toBe('');
  });

  it('fits text to a width with an ellipsis', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
    expect(fit('abc', 0)).toBe('');
  });
});
