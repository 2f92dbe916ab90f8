import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { liveCommand } from '../../src/cli/commands/live.js';
import { exportFileName } from '../../src/session/liveSession.js';
import type { CliIo } from '../../src/cli/io.js';
import { EXIT } from '../../src/util/exitCodes.js';

function capture(): Writable & { text: () => string; isTTY: boolean } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string; isTTY: boolean };
  w.text = () => chunks.join('');
  w.isTTY = false;
  return w;
}

function io(cwd: string): CliIo & { stdout: ReturnType<typeof capture>; stderr: ReturnType<typeof capture> } {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = true;
  return { stdin, stdout: capture(), stderr: capture(), env: {}, cwd, now: () => Date.now() };
}

const RECORDING = path.resolve('fixtures/incidents/restart-race');

describe('live command without a TTY (lines mode)', () => {
  it('replays a recorded incident and prints one line per incident, then exits with "found"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-live-'));
    try {
      const x = io(dir);
      const code = await liveCommand(['--replay', RECORDING, '--speed', '2000', '--no-tui', '--export', 'out.md'], x);
      const out = x.stdout.text();
      expect(code).toBe(EXIT.found);
      const incidents = out.split('\n').filter((l) => /\bINCIDENT\b/.test(l));
      expect(incidents.length).toBeGreaterThanOrEqual(1);
      expect(incidents[0]).toMatch(/INCIDENT restart-race .*upstream=172\.18\.0\.5:3000 container=shop-backend-1 /);
      expect(out).toContain(`markdown summary written to ${path.join(dir, 'out.md')}`);
      expect(fs.readFileSync(path.join(dir, 'out.md'), 'utf8')).toMatch(/^# Incident: /);
      // a replay never probes a recording's addresses
      expect(out).not.toMatch(/\bCHECK\b/);
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names the config's files relative to where it runs, as the postmortem does (not an absolute path of the machine)", async () => {
    const repo = path.resolve('.');
    const x = io(repo);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rd-live-')), 'out.md');
    try {
      await liveCommand(['--replay', path.relative(repo, RECORDING), '--speed', '2000', '--no-tui', '--export', out], x);
      const md = fs.readFileSync(out, 'utf8');
      expect(md).toContain('single-peer-no-backup');
      const finding = md.split('\n').find((l) => l.includes('single-peer-no-backup'))!;
      expect(finding).toContain('(fixtures/incidents/restart-race/nginx.conf:30)');
      expect(finding).not.toContain(repo);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an endpoint it cannot read in one line, before connecting anywhere', async () => {
    const x = io(os.tmpdir());
    // (tcp:// endpoints are followed: test/core/flags.e2e.test.ts, on loopback only.)
    await expect(liveCommand(['--follow', '--log', '/nonexistent/error.log', '--docker', 'ssh://docker-host', '--no-tui'], x)).rejects.toThrow(
      /expected unix:\/\/\/path\/to\/docker\.sock or tcp:\/\/HOST:PORT, got "ssh:\/\/docker-host"/,
    );
  });

  it('names export files by local time', () => {
    expect(exportFileName(new Date(2024, 0, 15, 3, 12, 44).getTime())).toBe('restartdoctor-20240115-031244.md');
  });
});
