/**
 * Compressed logs, known by their first bytes whatever the file is called (`error.log.2.gz`, a
 * `.gz` renamed `.log`, a gzip piped on stdin). gzip is what logrotate's `compress` writes and is
 * read as a stream (node:zlib); the others get a one-line error naming the command that reads them.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface Compression {
  name: string;
  magic: readonly number[];
  /** Read here (gzip); the others are named with the command that decompresses them. */
  readable: boolean;
  tool: string;
}

const COMPRESSIONS: readonly Compression[] = [
  { name: 'gzip', magic: [0x1f, 0x8b], readable: true, tool: 'gzip -dc' },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], readable: false, tool: 'xz -dc' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], readable: false, tool: 'zstd -dc' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], readable: false, tool: 'bzip2 -dc' },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04], readable: false, tool: 'unzip -p' },
  { name: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18], readable: false, tool: 'lz4 -dc' },
];

/** Bytes needed to tell every format in the table. */
export const SNIFF_BYTES = 8;

/** The compression `head` (a file's first bytes) starts with, or null for anything else (text, or another binary). */
export function sniffCompression(head: Uint8Array): Compression | null {
  for (const c of COMPRESSIONS) {
    if (head.length < c.magic.length) continue;
    if (!c.magic.every((b, i) => head[i] === b)) continue;
    // `BZh` is also how a text line could begin: bzip2's next byte is the block size, '1'-'9'.
    if (c.name === 'bzip2' && !(head[3]! >= 0x31 && head[3]! <= 0x39)) continue;
    return c;
  }
  return null;
}

/** sniffCompression of a file's first bytes; null when it cannot be opened (the reader says why). */
export function sniffFile(path: string): Compression | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, head, 0, SNIFF_BYTES, 0);
    return sniffCompression(head.subarray(0, n));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
