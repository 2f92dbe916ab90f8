/**
 * writeParts (cli/io.ts) writes a report part by part, waiting for 'drain' whenever the stream's
 * buffer is full, as stdout to a slow pipe (`--json | jq`) is for a big report.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeParts } from '../../src/cli/io.js';

/** A stream whose buffer is full after every part (a 1-byte high-water mark, each write done a turn later). */
function slowSink(): { out: Writable; got: string[] } {
  const got: string[] = [];
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      got.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { out, got };
}

describe('writeParts', () => {
  it('waits for every drain and leaves no listener behind (no listener-leak warning on stderr)', async () => {
    const { out, got } = slowSink();
    const before = { drain: out.listenerCount('drain'), close: out.listenerCount('close'), error: out.listenerCount('error') };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const parts = Array.from({ length: 50 }, (_, i) => `part ${i}\n`);
      await writeParts(out, parts);
      expect(got).toEqual(parts);
      expect({ drain: out.listenerCount('drain'), close: out.listenerCount('close'), error: out.listenerCount('error') }).toEqual(before);
      // The warning is emitted on the next turn.
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops at a stream destroyed while it waits for drain', async () => {
    const { out, got } = slowSink();
    const parts = Array.from({ length: 50 }, (_, i) => `part ${i}\n`);
    const writing = writeParts(out, parts);
    await new Promise((r) => setImmediate(r));
    out.destroy();
    await writing;
    expect(got.length).toBeLessThan(parts.length);
    expect(out.listenerCount('drain')).toBe(0);
  });
});
