/** The postmortem progress bar: rate and ETA measured from the first byte, redraws throttled, erased when done. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../src/report/progress.js';

function sink(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  return { out, text: () => chunks.join('') };
}

describe('ProgressBar', () => {
  it('shows rate and ETA from the first update on, at most 10 redraws a second, and erases itself', () => {
    const s = sink();
    let now = 5_000; // events were read before the log: the bar's clock starts at the first byte
    const bar = new ProgressBar(s.out, 400e6, () => now);
    now = 9_000;
    bar.update(4e6);
    expect(s.text()).toContain('- MB/s  ETA -');
    now = 9_050;
    bar.update(8e6); // within 100 ms: not drawn
    expect(s.text().split('\r').length).toBe(2);
    now = 10_000;
    bar.update(104e6); // 100 MB in 1 s since the first update
    expect(s.text()).toContain(' 26%');
    expect(s.text()).toContain(' 100 MB/s  ETA 3.0 s');
    bar.done();
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});
