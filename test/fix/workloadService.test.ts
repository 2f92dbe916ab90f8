/**
 * Fix advice names the matched workload's real compose service (issue 13 item 1), and never a
 * guessed one when no compose service is known.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configAdvice } from '../../src/fix/advice.js';
import { timing } from '../../src/fix/timing.js';
import type { FixInput } from '../../src/fix/types.js';
import { runCli } from '../support/cli.js';
import { RECORDED_ROOT } from '../support/fixtureFolders.js';

const base: FixInput = { fixIds: [], upstream: { host: '172.18.0.5', port: 3000 }, upstreamKey: '172.18.0.5:3000', service: null, container: 'web-1', image: null, timeToReadyMs: 4000, notRetriedLost: 0, writesLost: 0 };

describe('compose advice names the workload', () => {
  it('with no compose service known, depends_on names the container, not a guessed `backend`', () => {
    const [line] = configAdvice('compose-depends-on-healthy', base, timing(4000));
    expect(line!.text).not.toMatch(/backend/);
    expect(line!.text).toContain('web-1');
  });

  it('a recorded recreate of compose service `api`: every compose line of the report names `api`', async () => {
    const dir = path.join(RECORDED_ROOT, 'recreate-under-traffic');
    const r = await runCli(['--log', path.join(dir, 'error.log'), '--events', path.join(dir, 'docker-events.jsonl'), '--containers', path.join(dir, 'inspect.json'), '--tz', 'UTC', '--json']);
    const report = JSON.parse(r.stdout) as { incidents: { workload: { key: string; service: string }; fix: { advice: string[] } }[] };
    const [i] = report.incidents;
    expect(i!.workload).toMatchObject({ key: 'rd-h13d/api', service: 'api', recreated: true });
    const compose = i!.fix.advice.filter((a) => a.startsWith('compose:'));
    expect(compose.length).toBeGreaterThan(0);
    expect(compose.join('\n')).toContain('depends_on: {api:');
    expect(compose.join('\n')).not.toMatch(/\bbackend\b/);
  });
});
