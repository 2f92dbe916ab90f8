/**
 * The one polling helper for tests: wait for a condition, never sleep a fixed time and hope.
 * Fails with what it waited for and the last value it saw.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean = Boolean,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
