/**
 * The whole product on real incidents (issue 6, section 1): each scenario is reproduced for real
 * (Docker Engine + nginx + GET/POST traffic), recorded into a folder, and the built postmortem
 * CLI must name the container, the burst with nginx's own 502 count, the lost writes, and the
 * right diagnosis, with no scenario mistaken for another.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemTimeZone } from '../../src/parse/localTime.js';
import { CLI, runCli } from '../support/cli.js';
import { ensureBusyboxImage, requireDocker } from '../support/docker.js';
import { requireNginx } from '../support/nginx.js';
import { recordScenarios, SCENARIOS, type RecordedScenario, type ScenarioName } from '../support/scenario.js';

/** The slice of the postmortem's `--json` output these tests read. */
interface PostmortemJson {
  schemaVersion: number;
  incidents: Array<{
    diagnosis: { patternId: string; confidence: number; contributing: { id: string }[]; phases: Record<string, number> };
    burst: { upstreamKey: string; count: number; kinds: Record<string, number>; methods: Record<string, number>; writes: number; notRetried: number; first: number; last: number };
    match: { name: string } | null;
    facts: {
      events: Array<{ time: number; action: string; exitCode: number | null }>;
      restartEvents: number;
      dies: number;
      oom: boolean;
      stopTimeoutKill: boolean;
      deliberate: boolean;
      freshStart: boolean;
      finalState: string;
      exitCodes: number[];
    };
  }>;
}

const EXPECTED: Record<ScenarioName, string> = {
  'restart-race': 'restart-race',
  'crash-loop': 'crash-loop',
  'oom-kill': 'oom-kill',
  'slow-startup': 'slow-startup',
  'backend-down': 'backend-down',
  // The app serves through the grace period; its 111s come after the SIGKILL, until the new start
  // listens: the restart race is the primary cause, the ignored SIGTERM a contributing finding.
  'stop-timeout': 'restart-race',
};

let ok = false;
const recorded = new Map<ScenarioName, RecordedScenario>();

beforeAll(async () => {
  ok = (await requireDocker()) && requireNginx();
  if (!ok) return;
  await ensureBusyboxImage();
  const all = await recordScenarios(SCENARIOS);
  for (const r of all) {
    recorded.set(r.name, r);
    const { events, ...truth } = r.truth;
    const seq = events.map((e) => `${e.action}${e.exitCode !== null ? `(${e.exitCode})` : ''}${e.signal ? `[${e.signal}]` : ''}`);
    console.log(`[scenario ${r.name}] ${r.dir}\n  ${JSON.stringify(truth)}\n  events: ${seq.join(' ')}`);
  }
}, 120_000);

const runs = new Map<ScenarioName, Promise<{ json: PostmortemJson; md: string; code: number }>>();

/** One CLI run per recorded folder, shared by the tests that read it. */
function postmortem(r: RecordedScenario): Promise<{ json: PostmortemJson; md: string; code: number }> {
  let run = runs.get(r.name);
  if (!run) {
    run = runPostmortem(r);
    runs.set(r.name, run);
  }
  return run;
}

async function runPostmortem(r: RecordedScenario): Promise<{ json: PostmortemJson; md: string; code: number }> {
  expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
  const exportFile = path.join(r.dir, 'incident.md');
  const res = await runCli([
    '--log', path.join(r.dir, 'error.log'),
    '--events', path.join(r.dir, 'events.jsonl'),
    '--containers', path.join(r.dir, 'inspect.json'),
    '--export', exportFile,
    '--json',
    // nginx wrote local time in this process's zone.
    '--tz', systemTimeZone(),
  ]);
  expect(res.stderr).not.toMatch(/this is a bug/);
  return { json: JSON.parse(res.stdout) as PostmortemJson, md: readFileSync(exportFile, 'utf8'), code: res.code };
}

describe('postmortem on real recorded incidents', () => {
  for (const name of SCENARIOS) {
    it(`${name}: names the container, counts the burst like nginx, diagnoses ${EXPECTED[name]}`, async (ctx) => {
      if (!ok) ctx.skip();
      const r = recorded.get(name)!;
      const t = r.truth;
      const { json, md, code } = await postmortem(r);

      expect(code).toBe(1); // EXIT.found: an incident
      expect(json.schemaVersion).toBe(1);
      expect(json.incidents, JSON.stringify(json.incidents.map((i) => i.diagnosis.patternId))).toHaveLength(1);
      const inc = json.incidents[0]!;
      expect(inc.diagnosis.patternId).toBe(EXPECTED[name]);
      expect(inc.match?.name).toBe(r.container);
      expect(inc.burst.upstreamKey).toBe(r.peer);

      // One peer, so every failed request in the access log is one attempt and one error-log line:
      // a refused connect (502), a request the stop cut mid-flight (`prematurely closed`/`reset`,
      // 502), or, on a loaded machine, a connect that timed out on a full accept backlog (110, 504).
      // So the burst (all kinds) equals the access log's 502s + 504s, and its 111s the 111 lines;
      // without timeouts that is exactly "the burst = the access log's 502s".
      expect(t.bad502).toBeGreaterThan(0);
      expect(t.peerFailed).toBe(t.failed);
      expect(inc.burst.count).toBe(t.failed);
      expect(inc.burst.count - (inc.burst.kinds.timeout ?? 0)).toBe(t.bad502);
      expect(inc.burst.kinds.refused).toBe(t.refusedLines);
      expect(inc.burst.methods).toEqual(t.failedByMethod);
      // The POSTs nginx failed are the writes the clients lost.
      expect(inc.burst.writes).toBe(t.writesLost);
      expect(t.writesLost).toBeGreaterThan(0);

      const actions = inc.facts.events.map((e) => e.action);
      if (t.restartAt !== null) {
        // The restart the engine used is the one recorded (same daemon timestamp).
        expect(inc.facts.events.some((e) => e.action === 'start' && Math.abs(e.time - t.restartAt!) < 1)).toBe(true);
      }

      // The markdown export says the same, escaped.
      const plain = md.replace(/\\/g, '');
      expect(plain).toContain(r.container);
      expect(md).toContain(`\`${EXPECTED[name]}\``);
      expect(plain).toContain(r.peer);

      switch (name) {
        case 'restart-race':
          expect(actions).toEqual(expect.arrayContaining(['kill', 'die', 'stop', 'start', 'restart']));
          expect(inc.facts.deliberate).toBe(true);
          expect(inc.facts.exitCodes).toEqual([0]);
          break;
        case 'crash-loop':
          expect(inc.facts.dies).toBeGreaterThanOrEqual(3);
          expect(inc.facts.exitCodes.every((c) => c === 1)).toBe(true);
          expect(actions).not.toContain('kill');
          expect(t.restartCount).toBeGreaterThanOrEqual(2);
          break;
        case 'oom-kill':
          expect(inc.facts.oom).toBe(true);
          expect(inc.facts.exitCodes).toEqual([137]);
          expect(t.oomKilled).toBe(true);
          break;
        case 'slow-startup':
          expect(actions).toEqual(expect.arrayContaining(['create', 'start', 'health_status']));
          expect(inc.facts.freshStart).toBe(true);
          expect(inc.facts.dies).toBe(0);
          break;
        case 'backend-down':
          expect(inc.facts.finalState).toBe('exited');
          expect(actions).not.toContain('start');
          expect(t.finalStatus).toBe('exited');
          break;
        case 'stop-timeout':
          // kill(15), then kill(9) at the stop timeout, die(137) with no OOM.
          expect(inc.facts.stopTimeoutKill).toBe(true);
          expect(inc.facts.oom).toBe(false);
          expect(inc.facts.exitCodes).toEqual([137]);
          expect(t.oomKilled).toBe(false);
          expect(inc.diagnosis.contributing.map((c) => c.id)).toContain('sigterm-ignored');
          expect(inc.diagnosis.phases.stopping).toBeLessThan(inc.burst.count / 2);
          break;
      }
    });
  }

  it('gives each scenario its own diagnosis: none is mistaken for another', async (ctx) => {
    if (!ok) ctx.skip();
    const seen: Record<string, string> = {};
    for (const name of SCENARIOS) {
      const { json } = await postmortem(recorded.get(name)!);
      seen[name] = json.incidents.map((i) => i.diagnosis.patternId).join(',');
    }
    expect(seen).toEqual(EXPECTED);
  });
});
