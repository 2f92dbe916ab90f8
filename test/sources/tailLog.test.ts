import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeFileError, followLog, MAX_LINE_CHARS, type LogFollowHandle } from '../../src/sources/tailLog.js';
import type { SourceStatus } from '../../src/model/snapshot.js';
import { waitFor } from '../support/wait.js';

interface Seen { lineNo: number; text: string }
const handles: LogFollowHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-tail-'));
  dirs.push(dir);
  return dir;
}
const tmpLog = () => path.join(tmpDir(), 'error.log');

function follow(file: string, fromStart = false) {
  const seen: Seen[] = [];
  const statuses: SourceStatus[] = [];
  const h = followLog(file, (_src, lineNo, text) => seen.push({ lineNo, text }), { fromStart, onStatus: (s) => statuses.push(s) });
  handles.push(h);
  return { h, seen, statuses, texts: () => seen.map((s) => s.text) };
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const append = (file: string, ls: string[]) => fs.appendFileSync(file, ls.map((l) => `${l}\n`).join(''));

describe('followLog on a real file', () => {
  it('starts at the end, numbers lines from the file start, strips CR, holds a partial line', async () => {
    const file = tmpLog();
    append(file, lines('old', 3));
    const { h, seen, texts } = follow(file);
    await h.ready;
    expect(h.status().state).toBe('ok');
    fs.appendFileSync(file, 'new1\r\nnew2\npart');
    await waitFor(() => seen.length, (n) => n === 2, { what: 'two new lines' });
    expect(seen).toEqual([{ lineNo: 4, text: 'new1' }, { lineNo: 5, text: 'new2' }]);
    fs.appendFileSync(file, 'ial\n');
    await waitFor(() => seen.length, (n) => n === 3);
    expect(texts()).toEqual(['new1', 'new2', 'partial']);
    expect(h.status().itemsRead).toBe(3);
  });

  it('reads back from the start when asked', async () => {
    const file = tmpLog();
    append(file, lines('a', 5));
    const { h, texts, seen } = follow(file, true);
    await waitFor(texts, (t) => t.length === 5);
    append(file, ['b1']);
    await waitFor(texts, (t) => t.length === 6);
    expect(texts()).toEqual([...lines('a', 5), 'b1']);
    expect(seen.map((s) => s.lineNo)).toEqual([1, 2, 3, 4, 5, 6]);
    await h.close();
    expect(h.status().state).toBe('ended');
  });

  it('follows logrotate rename + create without losing or repeating lines', async () => {
    const file = tmpLog();
    append(file, ['before']);
    const { h, texts, seen } = follow(file);
    await h.ready;
    append(file, lines('a', 50));
    await waitFor(texts, (t) => t.length === 50);
    fs.renameSync(file, `${file}.1`);
    // nginx keeps writing to the renamed file until it reopens its logs on USR1
    append(`${file}.1`, lines('late', 5));
    await waitFor(texts, (t) => t.length === 55, { what: 'lines written to the renamed file' });
    fs.writeFileSync(file, '');
    append(file, lines('b', 50));
    await waitFor(texts, (t) => t.length >= 105, { what: 'lines of the new file' });
    append(file, ['c1']);
    await waitFor(texts, (t) => t.length >= 106);
    expect(texts()).toEqual([...lines('a', 50), ...lines('late', 5), ...lines('b', 50), 'c1']);
    expect(seen.at(-1)?.lineNo).toBe(51); // numbering restarts in the new file
  });

  it('follows copytruncate and a plain truncation without losing or repeating lines', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const { h, texts } = follow(file);
    await h.ready;
    append(file, lines('a', 40));
    await waitFor(texts, (t) => t.length === 40);
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    append(file, lines('b', 10));
    await waitFor(texts, (t) => t.length === 50, { what: 'lines after copytruncate' });
    // a truncation by hand (`: > error.log`), then more lines
    fs.writeFileSync(file, '');
    append(file, ['c1', 'c2']);
    await waitFor(texts, (t) => t.length === 52, { what: 'lines after truncation' });
    expect(texts()).toEqual([...lines('a', 40), ...lines('b', 10), 'c1', 'c2']);
  });

  it('keeps every line of a flood, in order', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const { h, texts } = follow(file);
    await h.ready;
    const all = lines('flood-', 20_000);
    for (let i = 0; i < all.length; i += 1000) append(file, all.slice(i, i + 1000));
    await waitFor(texts, (t) => t.length === all.length, { timeoutMs: 20_000, what: 'the flood' });
    expect(texts()).toEqual(all);
  });

  it('waits for a missing file (and a missing directory), then reads it from its start', async () => {
    const dir = path.join(tmpDir(), 'later');
    const file = path.join(dir, 'error.log');
    const { h, texts, statuses } = follow(file);
    await h.ready;
    expect(h.status().state).toBe('waiting');
    expect(h.status().detail).toMatch(/does not exist yet/);
    fs.mkdirSync(dir);
    await waitFor(() => h.status().detail ?? '', (d) => d.includes(`${file} does not exist`), { what: 'file wait' });
    append(file, ['x1', 'x2']);
    await waitFor(texts, (t) => t.length === 2, { what: 'lines of the file that appeared' });
    expect(texts()).toEqual(['x1', 'x2']);
    expect(h.status().state).toBe('ok');
    expect(statuses.map((s) => s.state)).toContain('waiting');
  });

  it('delivers the first 1 MiB of an over-long line, drops the rest, and goes on', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const { h, texts } = follow(file);
    await h.ready;
    const fd = fs.openSync(file, 'a');
    fs.writeSync(fd, 'x'.repeat(MAX_LINE_CHARS + 300_000));
    fs.writeSync(fd, 'y'.repeat(700_000) + '\nafter\n');
    fs.closeSync(fd);
    await waitFor(texts, (t) => t.length === 2, { timeoutMs: 20_000, what: 'truncated line and the next' });
    expect(texts()[0]).toBe('x'.repeat(MAX_LINE_CHARS));
    expect(texts()[1]).toBe('after');
  });

  it('describes file errors in one line', () => {
    const e = (code: string) => Object.assign(new Error(`${code}: boom\nstack`), { code });
    expect(describeFileError(e('EACCES'), '/var/log/nginx/error.log')).toEqual({
      state: 'error',
      detail: 'permission denied reading /var/log/nginx/error.log (run with sudo or as a user in the adm group)',
    });
    expect(describeFileError(e('ENOENT'), 'x.log').state).toBe('waiting');
    expect(describeFileError(e('EIO'), 'x.log').detail).toBe('cannot read x.log: EIO: boom');
  });
});
