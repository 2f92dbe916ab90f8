import { describe, expect, it } from 'vitest';
import { commandFor, footerHelp, keyPresses, KEYMAP } from '../../src/ui/keymap.js';
import { columns } from '../../src/ui/format.js';

describe('keymap', () => {
  it('maps every documented key to its command', () => {
    expect(commandFor('', { upArrow: true })).toBe('up');
    expect(commandFor('k', {})).toBe('up');
    expect(commandFor('', { downArrow: true })).toBe('down');
    expect(commandFor('j', {})).toBe('down');
    expect(commandFor('', { return: true })).toBe('switchPane');
    expect(commandFor('', { tab: true })).toBe('switchPane');
    expect(commandFor('/', {})).toBe('filter');
    expect(commandFor('p', {})).toBe('pause');
    expect(commandFor('c', {})).toBe('checklist');
    expect(commandFor('f', {})).toBe('fix');
    expect(commandFor('e', {})).toBe('export');
    expect(commandFor('?', {})).toBe('help');
    expect(commandFor('q', {})).toBe('quit');
    expect(commandFor('x', {})).toBeNull();
  });

  it('reads Ctrl-C as quit, never as `c`, and ignores other Ctrl keys', () => {
    expect(commandFor('c', { ctrl: true })).toBe('quit');
    expect(commandFor('e', { ctrl: true })).toBeNull();
  });

  it('has one binding per command', () => {
    const commands = KEYMAP.map((b) => b.command);
    expect(new Set(commands).size).toBe(commands.length);
  });

  it('fits the whole footer in 80 columns and cuts it cleanly when narrower', () => {
    const full = footerHelp(80);
    expect([...full].length).toBeLessThanOrEqual(80);
    expect(full).toContain('q quit');
    expect(full).toContain('e export');
    const narrow = footerHelp(30);
    expect([...narrow].length).toBeLessThanOrEqual(30);
    expect(narrow.startsWith('↑↓ select')).toBe(true);
  });

  it('keeps `? help` and `q quit` in a narrow footer, and leaves out what cannot run', () => {
    for (const width of [40, 50, 60, 70]) {
      const f = footerHelp(width);
      expect(columns(f)).toBeLessThanOrEqual(width);
      expect(f).toMatch(/\? help {2}q quit$/);
    }
    expect(footerHelp(60)).toContain('↑↓ select');
    expect(footerHelp(80, new Set(['checklist']))).not.toContain('c check');
    expect(footerHelp(80)).toContain('c check');
  });

  it('splits a run of plain keys into keys; sequences with flags pass whole', () => {
    expect(keyPresses('jjj', {})).toEqual([['j', {}], ['j', {}], ['j', {}]]);
    expect(keyPresses('\x7f\x7f', {})).toEqual([['', { backspace: true }], ['', { backspace: true }]]);
    expect(keyPresses('a\rb\t\x03', {})).toEqual([['a', {}], ['', { return: true }], ['b', {}], ['', { tab: true }], ['c', { ctrl: true }]]);
    expect(keyPresses('x\x07y', {})).toEqual([['x', {}], ['y', {}]]); // other controls are no key
    expect(keyPresses('中文', {})).toEqual([['中', {}], ['文', {}]]);
    expect(keyPresses('', { upArrow: true })).toEqual([['', { upArrow: true }]]);
    expect(keyPresses('j', {})).toEqual([['j', {}]]);
  });
});
