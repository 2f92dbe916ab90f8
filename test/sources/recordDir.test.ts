/** The recording folder stays within its budget: segments roll over, the oldest is dropped, the newest lines are kept. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRecording, parseSize, RotatingFile } from '../../src/sources/recordDir.js';

describe('recording folder', () => {
  it('rolls a growing file over at its segment size and keeps at most N segments', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-rec-'));
    const f = new RotatingFile(dir, 'error.log', 1000, 3);
    const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(36)}`; // 49 bytes + newline
    for (let i = 0; i < 500; i++) f.append(line(i));
    f.close();
    expect(readdirSync(dir).sort()).toEqual(['error.log', 'error.log.1', 'error.log.2']);
    const total = readdirSync(dir).reduce((n, name) => n + statSync(path.join(dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual(3000);
    const current = readFileSync(path.join(dir, 'error.log'), 'utf8').trimEnd().split('\n');
    expect(current.at(-1)).toBe(line(499));
    // In time order across segments: .2 then .1 then the current one, with nothing lost between them.
    const all = ['error.log.2', 'error.log.1', 'error.log'].flatMap((n) => readFileSync(path.join(dir, n), 'utf8').trimEnd().split('\n'));
    const numbers = all.map((l) => Number(l.slice(5, 11)));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, k) => numbers[0]! + k));
    expect(numbers[0]).toBeGreaterThan(0); // the oldest were dropped
  });

  it('shares a budget between the log and the events', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-rec-'));
    const { log, events } = openRecording(dir, 200 * 1024);
    for (let i = 0; i < 20_000; i++) {
      log.append(`2026/12/02 05:00:00 [error] 7#7: *${i} connect() failed (111: Connection refused)`);
      events.append(`{"Type":"container","Action":"exec_start","time":${i}}`);
    }
    log.close();
    events.close();
    const total = readdirSync(dir).reduce((n, name) => n + statSync(path.join(dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual(200 * 1024);
    expect(existsSync(path.join(dir, 'events.jsonl.3'))).toBe(true);
    expect(existsSync(path.join(dir, 'events.jsonl.4'))).toBe(false);
  });

  it('reads sizes as people write them', () => {
    expect(parseSize('200MB')).toBe(200 * 1024 * 1024);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('500k')).toBe(500 * 1024);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('lots')).toBeNull();
  });
});
