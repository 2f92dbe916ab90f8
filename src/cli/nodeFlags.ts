/**
 * The V8 flags `restartdoctor` runs under: the second line of main.ts (a command to `sh`, a
 * comment to JavaScript) execs Node with them, since Node takes heap sizes
 * only at start-up, and a test keeps that line and this list equal. The benchmark starts its
 * measured children with them too.
 *
 * Why: bursts live long enough to survive young-generation collections, and V8 doubles the young
 * generation (up to 2 × 16 MB) whenever as much as its size has survived since the last doubling,
 * so any long postmortem ended with the maximum; and bursts dropped beyond the 1,000 kept piled up
 * as old-generation garbage up to four times the live heap. With a 1 MB semispace and old space
 * allowed to grow 15 % past the live heap, `analyze()` + report peaks at 97 / 102 / 106 MB on
 * 100 MB / 400 MB / 1 GB of log (108 / 127 / 146 MB without), at the same speed (`npm run bench`).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--heap-growing-percent=15'];
