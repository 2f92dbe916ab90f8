/** Polls a condition instead of sleeping a fixed time; fails with the last observed value. */
export async function waitFor<T>(
  probe: () => T,
  ok: (v: T) => boolean = Boolean,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = probe();
  }
  return last;
}
