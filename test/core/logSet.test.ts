/**
 * A rotated set's time order (src/sources/logSet.ts), by name alone: logrotate's numbered
 * generations highest first (numerically: .10 before .9, where a shell's sort puts .10 first
 * among .1x), dateext generations by date, the live file last; sets kept apart.
 */
import { describe, expect, it } from 'vitest';
import { timeOrder } from '../../src/sources/logSet.js';

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
