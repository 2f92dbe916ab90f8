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

  // An unterminated string sequence loses only its introducer: a terminal would swallow the text
  // up to some later terminator, so removing it all would hide the rest of an evidence line.
  const unterminated: [string, string, string][] = [
    ['OSC without BEL or ST', 'upstream: "x" \x1b]0;not a title, client: 1.2.3.4', 'upstream: "x" 0;not a title, client: 1.2.3.4'],
    ['OSC 8 opened but never closed', 'a\x1b]8;;http://evil/click here', 'a8;;http://evil/click here'],
    ['OSC whose BEL is on the next line', 'a\x1b]0;t\nb\x07c', 'a0;t\uFFFDb\uFFFDc'],
    ['OSC cut by a control before its BEL', 'a\x1b]0;x\ty\x07z', 'a0;x\uFFFDy\uFFFDz'],
    ['DCS without ST', 'a\x1bPq#0;2;0 visible', 'aq#0;2;0 visible'],
    ['APC, PM, SOS without ST', '\x1b_apc \x1b^pm \x1bXsos', 'apc pm sos'],
    ['C1 OSC without terminator', 'a\x9d0;t visible', 'a\uFFFD0;t visible'],
    ['C1 DCS without terminator', 'a\x90q visible', 'a\uFFFDq visible'],
    ['CSI cut by the end of the text', 'shown\x1b[12;3', 'shown12;3'],
    ['CSI cut by a newline', 'a\x1b[12\nb', 'a12\uFFFDb'],
  ];
  for (const [name, input, out] of unterminated) {
    it(`keeps the text after an unterminated sequence: ${name}`, () => expect(clean(input)).toBe(out));
  }

  it('neutralises bidi controls (embeddings, overrides, isolates, marks) with a visible placeholder', () => {
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
    for (const c of bidi) expect(clean(`user${c}gpj.exe`)).toBe('user\uFFFDgpj.exe');
    // Right-to-left text itself is data and stays.
    expect(clean('שלום مرحبا')).toBe('שלום مرحبا');
  });

  it('fits text to a width with an ellipsis', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
    expect(fit('abc', 0)).toBe('');
  });
});
