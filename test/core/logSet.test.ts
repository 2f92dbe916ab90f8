/**
 * A rotated set's time order (src/sources/logSet.ts), by name alone: logrotate's numbered
 * generations highest first (numerically: .10 before .9, where a shell's sort puts .10 first
 * among .1x), dateext generations by date, the live file last; sets kept apart.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandLogArgs, timeOrder } from '../../src/sources/logSet.js';
import { InputError } from '../../src/util/errors.js';
import { tempDir } from './helpers.js';

describe('timeOrder', () => {
  it('numbered generations, compressed or not, highest first, then the live file', () => {
    const names = ['error.log', 'error.log.1', 'error.log.10.gz', 'error.log.2.gz', 'error.log.9.gz'];
    expect(timeOrder(names)).toEqual(['error.log.10.gz', 'error.log.9.gz', 'error.log.2.gz', 'error.log.1', 'error.log']);
  });

  it('dateext generations by date, then the live file', () => {
    expect(timeOrder(['error.log', 'error.log-20261202', 'error.log-20261130.gz', 'error.log-20261201.gz'])).toEqual([
      'error.log-20261130.gz',
      'error.log-20261201.gz',
      'error.log-20261202',
      'error.log',
    ]);
  });

  it('two sets in one folder stay apart, each oldest first', () => {
    expect(timeOrder(['/l/site_error.log', '/l/error.log.1', '/l/site_error.log.1', '/l/error.log'])).toEqual(['/l/error.log.1', '/l/error.log', '/l/site_error.log.1', '/l/site_error.log']);
  });
});

describe('expandLogArgs: a pattern is read as bash reads it, and never breaks the RegExp it becomes', () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => {
    t = tempDir();
    for (const name of ['error.log', 'error.log.1', 'error.log.2', 'error.log.]', 'a[b.log', 'x^y.log']) t.file(name, '');
  });
  afterAll(() => t.cleanup());
  const names = (arg: string) => expandLogArgs([path.join(t.dir, arg)]).map((f) => path.basename(f));

  it('a [ never closed is a literal [', () => {
    expect(names('a[b*')).toEqual(['a[b.log']);
    expect(() => names('error.log[')).toThrow(/^--log .*error\.log\[: no file matches$/);
  });

  it('a range backwards is the user\'s error, in one line', () => {
    expect(() => names('x[z-a]*')).toThrow(InputError);
    expect(() => names('x[z-a]*')).toThrow(/^--log .*x\[z-a\]\*: \[z-a\] is not a range \(a comes before z\)$/);
  });

  it('[!…] and [^…] are negations, a ] first is a member, ^ elsewhere is itself', () => {
    expect(names('error.log.[!1]')).toEqual(['error.log.2', 'error.log.]']);
    expect(names('error.log.[^1]')).toEqual(['error.log.2', 'error.log.]']);
    expect(names('error.log.[]1]')).toEqual(['error.log.1', 'error.log.]']);
    expect(names('x[a^]y*')).toEqual(['x^y.log']);
    expect(names('error.log.[0-9]')).toEqual(['error.log.2', 'error.log.1']);
  });
});
