/**
 * `check --upstream` connects only to loopback, this host and local containers. A refusal is
 * decided before any connection: the checklist (the only thing that connects) is replaced by a
 * spy that must never be called, and the CLI case runs in an empty network namespace
 * (`unshare -n`), so no test sends anything to a non-loopback address.
 */
import { execFile } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { runCheck, type CheckDeps } from '../../src/cli/commands/check.js';
import { UserError } from '../../src/util/errors.js';
import { EXIT } from '../../src/util/exitCodes.js';
import type { CliIo } from '../../src/cli/io.js';
import { decideCheckTarget, refusedKind, type TargetPolicyDeps } from '../../src/checklist/targetPolicy.js';
import type { ChecklistResult } from '../../src/model/incident.js';
import { CLI } from '../support/cli.js';

function testIo(): { io: CliIo; out: () => string } {
  let text = '';
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { io: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd(), now: () => Date.now() }, out: () => text };
}

/** Policy inputs with no real resolver, interfaces or daemon behind them. */
function fakes(over: Partial<TargetPolicyDeps> = {}) {
  const lookup = vi.fn(async (host: string) => (host === 'metadata.example' ? ['169.254.169.254'] : host === 'app.localhost' ? ['127.0.0.1', '::1'] : host === 'db.example' ? ['203.0.113.9'] : []));
  const containerAddresses = vi.fn(async () => ['172.23.0.5']);
  const localAddresses = vi.fn(() => ['127.0.0.1', '::1', '192.0.2.10']);
  return { allowHosts: [] as string[], lookup, containerAddresses, localAddresses, ...over };
}

const passed: ChecklistResult = { target: { host: 'x', port: 1, container: null }, ranAt: 0, checks: [], conclusion: 'ok', timeToListenMs: null, timeToHealthyMs: null } as unknown as ChecklistResult;

describe('which addresses check --upstream may probe', () => {
  it('classifies the refused ranges', () => {
    expect(refusedKind('169.254.169.254')).toMatch(/^link-local/);
    expect(refusedKind('fe80::1%eth0')).toBe('link-local');
    expect(refusedKind('[febf::1]')).toBe('link-local');
    expect(refusedKind('224.0.0.1')).toBe('multicast');
    expect(refusedKind('239.255.255.250')).toBe('multicast');
    expect(refusedKind('ff02::1')).toBe('multicast');
    expect(refusedKind('0.0.0.0')).toBe('unspecified');
    expect(refusedKind('::')).toBe('unspecified');
    expect(refusedKind('255.255.255.255')).toBe('broadcast');
    expect(refusedKind('::ffff:169.254.169.254')).toMatch(/^link-local/);
    expect(refusedKind('127.0.0.1')).toBeNull();
    expect(refusedKind('10.0.0.1')).toBeNull();
    expect(refusedKind('::1')).toBeNull();
  });

  it('refuses link-local, multicast, unspecified, broadcast and non-local addresses, and names that resolve to them', async () => {
    const cases: Array<[string, RegExp]> = [
      ['169.254.169.254', /169\.254\.169\.254:80: 169\.254\.169\.254 is link-local \(cloud metadata/],
      ['10.0.0.1', /10\.0\.0\.1:80: 10\.0\.0\.1 is not loopback, this host's nor a local container's address/],
      ['224.0.0.1', /224\.0\.0\.1 is multicast/],
      ['0.0.0.0', /is unspecified/],
      ['255.255.255.255', /is broadcast/],
      ['fe80::1', /\[fe80::1\]:80: fe80::1 is link-local/],
      ['metadata.example', /metadata\.example resolves to 169\.254\.169\.254, which is link-local/],
      ['db.example', /db\.example resolves to 203\.0\.113\.9, which is not loopback/],
      ['nowhere.example', /nowhere\.example does not resolve/],
    ];
    for (const [host, reason] of cases) {
      const d = await decideCheckTarget(host, 80, fakes());
      expect(d.allowed, host).toBe(false);
      if (d.allowed) continue;
      expect(d.reason).toMatch(reason);
      expect(d.reason).toMatch(/^check: refusing to probe .*; only loopback, this host's addresses and local containers are probed$/);
      expect(d.hint).toBe(`if you own ${host} and mean to probe it, add --allow-host ${host}`);
    }
  });

  it('allows loopback, this host, local containers, and what --allow-host names (decision only)', async () => {
    const deps = fakes();
    expect((await decideCheckTarget('127.0.0.1', 3000, deps)).allowed).toBe(true);
    expect((await decideCheckTarget('::1', 3000, deps)).allowed).toBe(true);
    expect(deps.lookup).not.toHaveBeenCalled();
    expect(deps.containerAddresses).not.toHaveBeenCalled(); // Docker is asked only when nothing else vouches
    expect((await decideCheckTarget('app.localhost', 3000, deps)).allowed).toBe(true);
    expect((await decideCheckTarget('192.0.2.10', 3000, deps)).allowed).toBe(true);
    expect(await decideCheckTarget('172.23.0.5', 3000, deps)).toEqual({ allowed: true, why: "172.23.0.5 is a local container's address" });
    for (const host of ['169.254.169.254', '10.0.0.1', 'metadata.example', 'FE80::1']) {
      expect(await decideCheckTarget(host, 80, fakes({ allowHosts: [host.toLowerCase()] })), host).toMatchObject({ allowed: true, why: expect.stringMatching(/named by --allow-host$/) });
    }
  });
});

describe('check --upstream: the refusal comes before any connection', () => {
  const run = async (argv: string[], over: Partial<CheckDeps> = {}) => {
    const spy = vi.fn(async () => passed);
    const f = fakes();
    const deps: CheckDeps = { runChecklist: spy, lookup: f.lookup, localAddresses: f.localAddresses, containerAddresses: f.containerAddresses, ...over };
    const result = await runCheck(argv, testIo().io, deps).then(
      (code) => ({ code, err: null }),
      (err: unknown) => ({ code: null, err }),
    );
    return { ...result, spy };
  };

  it.each(['169.254.169.254:80', '10.0.0.1:80', '224.0.0.1:80', 'metadata.example:80', '[fe80::1]:80'])('%s is refused with exit 2 and never probed', async (upstream) => {
    const r = await run(['--upstream', upstream]);
    expect(r.err).toBeInstanceOf(UserError);
    expect((r.err as UserError).exitCode).toBe(EXIT.usage);
    expect((r.err as Error).message).toMatch(/^check: refusing to probe /);
    expect((r.err as Error).message).not.toContain('\n');
    expect(r.spy).not.toHaveBeenCalled();
  });

  it('--allow-host lets the named host through to the checklist (a spy: nothing connects)', async () => {
    const r = await run(['--upstream', '169.254.169.254:80', '--allow-host', '169.254.169.254']);
    expect(r.err).toBeNull();
    expect(r.spy).toHaveBeenCalledTimes(1);
    expect(r.spy.mock.calls[0]![0]).toMatchObject({ host: '169.254.169.254', port: 80 });
    // Another host is still refused.
    const other = await run(['--upstream', '10.0.0.1:80', '--allow-host', '169.254.169.254']);
    expect(other.spy).not.toHaveBeenCalled();
  });

  it('a loopback upstream is probed as before', async () => {
    const r = await run(['--upstream', '127.0.0.1:39269']);
    expect(r.err).toBeNull();
    expect(r.spy).toHaveBeenCalledTimes(1);
  });

  it('the built CLI in an empty network namespace: one line, exit 2, a JSON error under --json', async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile('unshare', ['-n', CLI, 'check', ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      });
    const text = await cli(['--upstream', '169.254.169.254:80']);
    expect(text.code).toBe(EXIT.usage);
    expect(text.stdout).toBe('');
    expect(text.stderr.split('\n')[0]).toBe(
      "restartdoctor: check: refusing to probe 169.254.169.254:80: 169.254.169.254 is link-local (cloud metadata services live there); only loopback, this host's addresses and local containers are probed",
    );
    expect(text.stderr).toContain('hint: if you own 169.254.169.254 and mean to probe it, add --allow-host 169.254.169.254');
    // No checklist ran: its output would name the health URL.
    expect(text.stderr + text.stdout).not.toMatch(/http-health|GET http/);

    const json = await cli(['--upstream', 'metadata.google.internal:80', '--json']);
    expect(json.code).toBe(EXIT.usage);
    const doc = JSON.parse(json.stdout) as { error: { message: string; exitCode: number } };
    expect(doc.error.exitCode).toBe(EXIT.usage);
    expect(doc.error.message).toMatch(/^check: refusing to probe metadata\.google\.internal:80: metadata\.google\.internal does not resolve/);

    // A number the system resolver reads as an IPv4 address is judged by that address.
    const decimal = await cli(['--upstream', '2852039166:80']);
    expect(decimal.code).toBe(EXIT.usage);
    expect(decimal.stderr).toMatch(/^restartdoctor: check: refusing to probe 2852039166:80: 2852039166 resolves to 169\.254\.169\.254, which is link-local/);
  });
});
