import { describe, expect, it } from 'vitest';
import { EventDeduper, JsonObjectSplitter } from '../../src/sources/jsonStream.js';

describe('JsonObjectSplitter', () => {
  it('joins objects cut anywhere across chunks, with braces and quotes inside strings', () => {
    const objs = [
      { Action: 'die', Actor: { ID: 'a', Attributes: { name: 'we}ird{"x', exitCode: '137' } }, timeNano: 1 },
      { Action: 'start', Actor: { ID: 'b', Attributes: { 'x\\"': '\\' } }, timeNano: 2 },
    ];
    const text = objs.map((o) => JSON.stringify(o)).join('\n') + '\n';
    for (let cut = 1; cut < text.length; cut += 7) {
      const s = new JsonObjectSplitter();
      const out = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut))];
      expect(out).toEqual(objs);
    }
    const s = new JsonObjectSplitter();
    expect([...text].flatMap((c) => s.push(c))).toEqual(objs);
  });

  it('handles concatenated objects and skips garbage without throwing', () => {
    const s = new JsonObjectSplitter();
    expect(s.push('{"a":1}{"b":2}junk{"c":')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(s.push('3}')).toEqual([{ c: 3 }]);
    expect(s.push('{"bad": tru}{"ok":true}')).toEqual([{ ok: true }]);
    expect(s.dropped).toBe(1);
  });

  it('bounds the buffer for an object that never ends', () => {
    const s = new JsonObjectSplitter();
    s.push('{"x":"');
    for (let i = 0; i < 20; i++) s.push('y'.repeat(100_000));
    expect(s.dropped).toBe(1);
    expect(s.push('{"after":1}')).toEqual([{ after: 1 }]);
  });
});

describe('EventDeduper', () => {
  const ev = (timeNano: number, id: string, Action: string) => ({ Action, Actor: { ID: id }, time: Math.floor(timeNano / 1e9), timeNano });

  it('accepts each timeNano+id+Action once and resumes a second before the newest', () => {
    const d = new EventDeduper();
    const t = 1_700_000_005_250_000_000;
    expect(d.accept(ev(t, 'a', 'die'))).toBe(true);
    expect(d.accept(ev(t, 'a', 'stop'))).toBe(true);
    expect(d.accept(ev(t, 'b', 'die'))).toBe(true);
    expect(d.accept(ev(t, 'a', 'die'))).toBe(false);
    expect(d.resumeFromMs()).toBe(1_700_000_004_000);
    // a replay from the resume point: the seen ones are dropped, the new one passes
    expect(d.accept(ev(t, 'b', 'die'))).toBe(false);
    expect(d.accept(ev(t + 1000, 'b', 'start'))).toBe(true);
  });

  it('forgets keys older than the resume point', () => {
    const d = new EventDeduper();
    const t = 1_700_000_000_000_000_000;
    d.accept(ev(t, 'a', 'die'));
    d.accept(ev(t + 10e9, 'a', 'start'));
    // the daemon never replays before the resume point, so forgetting is safe (and bounds memory)
    expect(d.accept(ev(t, 'a', 'die'))).toBe(true);
  });
});
