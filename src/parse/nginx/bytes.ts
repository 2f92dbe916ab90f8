/** Byte tests both fast paths (screen.ts, byteCut.ts) make on a line's raw bytes. */

/** `buf[at, end)` begins with `prefix`. */
export function startsWithBytes(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buf[at + k] !== prefix[k]) return false;
  return true;
}
