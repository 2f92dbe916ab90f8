/**
 * When the installed command starts Node again with the heap flags (src/cli/nodeFlags.ts): only
 * for a run they matter to, so that `--version`, `help` and a small postmortem start as fast as
 * `node dist/src/cli/main.js`. The sizes come from a stand-in for the file system.
 */
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS_FROM_BYTES, hasNodeFlags, heapFlagsMatter, NODE_FLAGS, type LogSize } from '../../src/cli/nodeFlags.js';

const postmortem = { mode: 'postmortem' as const, nginxContainer: null };
const sizes = (table: Record<string, LogSize>) => (file: string) => {
  expect(Object.keys(table)).toContain(file);
  return table[file]!;
};
const plain = (bytes: number): LogSize => ({ bytes, compressed: false });

describe('heapFlagsMatter', () => {
  it('a postmortem of small files: no (one Node)', () => {
    expect(heapFlagsMatter(postmortem, ['a.log', 'b.log'], sizes({ 'a.log': plain(1_000_000), 'b.log': plain(HEAP_FLAGS_FROM_BYTES - 1_000_001) }))).toBe(false);
    expect(heapFlagsMatter(postmortem, [], sizes({}))).toBe(false);
  });

  it('a postmortem whose files reach the bound together: yes', () => {
    expect(heapFlagsMatter(postmortem, ['a.log', 'b.log'], sizes({ 'a.log': plain(HEAP_FLAGS_FROM_BYTES / 2), 'b.log': plain(HEAP_FLAGS_FROM_BYTES / 2) }))).toBe(true);
  });

  it('a compressed generation counts as ten times its size', () => {
    const gz = { bytes: Math.ceil(HEAP_FLAGS_FROM_BYTES / 10), compressed: true };
    expect(heapFlagsMatter(postmortem, ['error.log.2.gz'], sizes({ 'error.log.2.gz': gz }))).toBe(true);
    expect(heapFlagsMatter(postmortem, ['error.log.2'], sizes({ 'error.log.2': { ...gz, compressed: false } }))).toBe(false);
  });

  it('a log of unknown size (a pipe on stdin) or read through the Docker API: yes', () => {
    expect(heapFlagsMatter(postmortem, ['small.log', '-'], sizes({ 'small.log': plain(10), '-': null }))).toBe(true);
    expect(heapFlagsMatter({ mode: 'postmortem', nginxContainer: 'nginx' }, [], sizes({}))).toBe(true);
  });

  it('live mode and replay last: yes, whatever the files', () => {
    expect(heapFlagsMatter({ mode: 'live', nginxContainer: null }, ['small.log'], sizes({ 'small.log': plain(10) }))).toBe(true);
    expect(heapFlagsMatter({ mode: 'replay', nginxContainer: null }, [], sizes({}))).toBe(true);
  });
});

describe('hasNodeFlags', () => {
  it('only with every flag', () => {
    expect(hasNodeFlags([...NODE_FLAGS, '--enable-source-maps'])).toBe(true);
    expect(hasNodeFlags([NODE_FLAGS[0]!])).toBe(false);
    expect(hasNodeFlags([])).toBe(false);
  });
});
