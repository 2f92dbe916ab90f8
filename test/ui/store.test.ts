import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotStore } from '../../src/ui/store.js';
import { snapshot } from './fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('SnapshotStore', () => {
  it('coalesces a flood of invalidations into at most one snapshot per interval', () => {
    vi.useFakeTimers();
    let made = 0;
    const store = new SnapshotStore({ produce: () => ({ ...snapshot(), now: ++made }), intervalMs: 100 });
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.getSnapshot().now));
    // 10 000 lines over 1 s: one invalidate per line
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 10; k++) store.invalidate();
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(200);
    expect(seen.length).toBeGreaterThanOrEqual(9);
    expect(seen.length).toBeLessThanOrEqual(11);
    expect(store.produced).toBe(seen.length + 1); // + the initial snapshot
  });

  it('publishes nothing without new data, except on the heartbeat', () => {
    vi.useFakeTimers();
    const store = new SnapshotStore({ produce: snapshot, intervalMs: 100, heartbeatMs: 1000 });
    let n = 0;
    store.subscribe(() => n++);
    vi.advanceTimersByTime(5000);
    expect(n).toBe(0);
    store.start();
    vi.advanceTimersByTime(3000);
    expect(n).toBe(3);
    store.stop();
    vi.advanceTimersByTime(3000);
    expect(n).toBe(3);
  });

  it('publishes the first change after a quiet time at once (no needless delay)', () => {
    vi.useFakeTimers();
    const store = new SnapshotStore({ produce: snapshot, intervalMs: 100 });
    vi.advanceTimersByTime(500);
    let n = 0;
    store.subscribe(() => n++);
    store.invalidate();
    vi.advanceTimersByTime(0);
    expect(n).toBe(1);
  });
});
