/**
 * What a person reads: the demo's text report and markdown export, made by the built CLI exactly as
 * `npm run demo` runs it, and the markdown rendered by a real markdown parser (marked, GFM) so the
 * assertions are on the HTML a postmortem doc would show. Also: advice only for the platforms the
 * evidence shows, one fix for several incidents of one workload, each timeline its own.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeFix } from '../../src/fix/index.js';
import { fixPlacements } from '../../src/report/incidentGroups.js';
import { markdownReport } from '../../src/report/markdownReport.js';
import type { ReportContext } from '../../src/report/reportContext.js';
import { codeSpan, escapeMarkdown, fencedBlock } from '../../src/util/sanitize.js';
import { BACKEND, CLI, ensureBuilt, failLines, inspect, REPO, runCli, runScenario, seq, STACK_FRAME, T0, tempDir, type CliResult } from './helpers.js';
import { RACE, restartTwice, type TwoRestarts } from './restartTwice.js';

const rel = (name: string) => path.relative(REPO, path.join(RACE, name));
/** The demo's arguments, as package.json's "demo" script passes them. */
const DEMO = ['--log', rel('error.log'), '--events', rel('docker-events.jsonl'), '--containers', rel('inspect.json'), '--nginx-conf', rel('nginx.conf'), '--compose', rel('docker-compose.yml')];
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const CYAN = '\x1b[36m';
const ADVICE_HEADS = ['nginx', 'compose', 'Kubernetes', 'systemd', 'supervisord'] as const;

let t: ReturnType<typeof tempDir>;
let twice: TwoRestarts;
const runs: Record<string, CliResult> = {};
const files: Record<string, string> = {};

/** The built CLI on a real pseudo-terminal (`script`), so stdout is a TTY as in a user's shell. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv): string {
  const quoted = [CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  try {
    return execFileSync('script', ['-qec', quoted, '/dev/null'], { cwd: REPO, env: { ...process.env, TZ: 'UTC', TERM: 'xterm-256color', NO_COLOR: '', ...env }, encoding: 'utf8' });
  } catch (err) {
    // exit 1: an incident was found; the report is on stdout all the same.
    return (err as { stdout: string }).stdout;
  }
}

/** Advice lines of a text report, by the platform each starts with. */
function adviceHeads(text: string): Set<string> {
  const heads = new Set<string>();
  for (const l of text.split('\n')) {
    const m = /^ {4}- (\w+):/.exec(l);
    if (m && (ADVICE_HEADS as readonly string[]).includes(m[1]!)) heads.add(m[1]!);
  }
  return heads;
}

const HOSTILE =
  '2024/01/15 03:12:41 [error] 816#816: *1887250 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, ' +
  'request: "GET /x|y`z```<script>alert(1)</script>[a](javascript:alert(1)) \x1b[31mred\x1b[0m\x1b]0;pwned\x07 HTTP/1.1", upstream: "http://172.18.0.5:3000/x", host: "shop.example.com", ' +
  'referrer: "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"';

beforeAll(async () => {
  ensureBuilt();
  t = tempDir();
  twice = restartTwice(40);
  // The demo's log with one hostile line first in the burst (so it is quoted as evidence).
  const log = readFileSync(path.join(RACE, 'error.log'), 'latin1').split('\n');
  const at = log.findIndex((l) => l.startsWith('2024/01/15 03:12:41') && l.includes('172.18.0.5:3000'));
  log.splice(at, 0, HOSTILE);
  files.hostileLog = t.file('error.log', Buffer.from(log.join('\n'), 'latin1'));
  for (const k of ['demo', 'hostile', 'twice', 'allPlatforms', 'noComposeFile']) files[k] = path.join(t.dir, `${k}.md`);
  const jobs: Record<string, string[]> = {
    demo: [...DEMO, '--export', files.demo!],
    allPlatforms: [...DEMO, '--all-platforms', '--export', files.allPlatforms!],
    noComposeFile: [...DEMO.slice(0, 8), '--export', files.noComposeFile!],
    hostile: ['--log', files.hostileLog, ...DEMO.slice(2), '--export', files.hostile!],
    twice: ['--log', twice.log, '--events', twice.events, '--containers', twice.containers, '--nginx-conf', twice.nginxConf, '--compose', twice.compose, '--export', files.twice!],
  };
  await Promise.all(Object.entries(jobs).map(async ([k, args]) => (runs[k] = await runCli(args))));
  for (const r of Object.values(runs)) expect(r.stderr).not.toMatch(STACK_FRAME);
}, 120_000);

afterAll(() => {
  t?.cleanup();
  if (twice) rmSync(twice.dir, { recursive: true, force: true });
});

const html = (k: string) => marked.parse(readFileSync(files[k]!, 'utf8'), { async: false });
/** The text of an HTML fragment as a reader sees it (tags dropped, the entities marked emits decoded). */
const visible = (h: string) => h.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('item 1: the demo shows its fix diffs as diffs', () => {
  const DIFF_LINES = [
    /^ {4}--- fixtures\/incidents\/restart-race\/nginx\.conf$/m,
    /^ {4}\+\+\+ fixtures\/incidents\/restart-race\/nginx\.conf$/m,
    /^ {4}@@ -\d+,\d+ \+\d+,\d+ @@$/m,
    /^ {4}- {8}server 172\.18\.0\.5:3000;$/m,
    /^ {4}\+ {8}server 172\.18\.0\.5:3000 max_fails=3 fail_timeout=10s;$/m,
    /^ {4}\+ {12}proxy_next_upstream error timeout http_502 http_503;$/m,
    /^ {4}--- fixtures\/incidents\/restart-race\/docker-compose\.yml$/m,
    /^ {4}\+ {4}healthcheck:$/m,
  ];

  it('text report: every diff line on its own line, no U+FFFD anywhere', () => {
    const out = runs.demo!.stdout;
    expect(runs.demo!.code).toBe(1);
    for (const re of DIFF_LINES) expect(out).toMatch(re);
    expect(out).not.toContain('\uFFFD');
  });

  it('markdown: the diff in a ```diff fence, line by line, no U+FFFD', () => {
    const md = readFileSync(files.demo!, 'utf8');
    expect(md).not.toContain('\uFFFD');
    const block = /^```diff\n([\s\S]*?)\n```$/m.exec(md)?.[1] ?? '';
    const lines = block.split('\n');
    expect(lines[0]).toBe('--- fixtures/incidents/restart-race/nginx.conf');
    expect(lines[1]).toBe('+++ fixtures/incidents/restart-race/nginx.conf');
    expect(lines[2]).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/);
    expect(lines).toContain('-        server 172.18.0.5:3000;');
    expect(lines).toContain('+        server 172.18.0.5:3000 max_fails=3 fail_timeout=10s;');
  });

  it('on a terminal + lines are green, - lines red, @@ cyan; NO_COLOR and --no-color turn it off', () => {
    const coloured = onTerminal(DEMO, {}).replace(/\r\n/g, '\n');
    expect(coloured).toContain(`    ${GREEN}+        server 172.18.0.5:3000 max_fails=3 fail_timeout=10s;\x1b[39m\n`);
    expect(coloured).toContain(`    ${RED}-        server 172.18.0.5:3000;\x1b[39m\n`);
    expect(coloured).toMatch(new RegExp(`^ {4}\\x1b\\[36m@@ -\\d+,\\d+ \\+\\d+,\\d+ @@\\x1b\\[39m$`, 'm'));
    // File headers are not coloured as added/removed lines.
    expect(coloured).toContain('    --- fixtures/incidents/restart-race/nginx.conf\n');
    for (const plain of [onTerminal(DEMO, { NO_COLOR: '1' }), onTerminal([...DEMO, '--no-color'], {}), onTerminal(DEMO, { TERM: 'dumb' })]) {
      expect(plain).toContain('+        server 172.18.0.5:3000 max_fails=3');
      for (const sgr of [GREEN, RED, CYAN]) expect(plain).not.toContain(sgr);
    }
    // A pipe (the spawned runs above) gets no colour either.
    expect(runs.demo!.stdout).not.toContain('\x1b');
  }, 60_000);
});

describe('item 2: advice for the platforms the evidence shows', () => {
  it('restart-race (a compose service, nginx.conf and compose file given): no Kubernetes, systemd or supervisord advice', () => {
    const heads = adviceHeads(runs.demo!.stdout);
    for (const h of ['Kubernetes', 'systemd', 'supervisord']) expect(heads).not.toContain(h);
    const md = readFileSync(files.demo!, 'utf8');
    for (const h of ['Kubernetes:', 'systemd:', 'supervisord:']) expect(md).not.toContain(h);
  });

  it('with --all-platforms: every platform', () => {
    const heads = adviceHeads(runs.allPlatforms!.stdout);
    for (const h of ['Kubernetes', 'systemd', 'supervisord']) expect(heads).toContain(h);
    const md = readFileSync(files.allPlatforms!, 'utf8');
    for (const h of ['Kubernetes:', 'systemd:', 'supervisord:']) expect(md).toContain(h);
  });

  it('no compose file given: compose advice all the same, because the container carries compose labels', () => {
    const heads = adviceHeads(runs.noComposeFile!.stdout);
    expect(heads).toContain('compose');
    for (const h of ['Kubernetes', 'systemd', 'supervisord']) expect(heads).not.toContain(h);
  });

  it('a container without compose labels and no compose file: compose advice only among the other platforms', async () => {
    const base = {
      fixIds: ['nginx-retry', 'compose-healthcheck', 'k8s-probes', 'supervisor-grace'],
      upstream: { host: '127.0.0.1', port: 3000 },
      upstreamKey: '127.0.0.1:3000',
      container: 'api',
      image: null,
      timeToReadyMs: 4000,
      notRetriedLost: 0,
      writesLost: 0,
    };
    const plain = await proposeFix({ ...base, service: null });
    const heads = (list: string[] = []) => new Set(list.map((a) => a.split(':')[0]));
    expect([...heads(plain.advice)]).toEqual(['nginx']);
    expect(heads(plain.otherPlatformAdvice)).toEqual(new Set(['compose', 'Kubernetes', 'systemd', 'supervisord']));
    const labelled = await proposeFix({ ...base, service: 'api' });
    expect(heads(labelled.advice)).toEqual(new Set(['nginx', 'compose']));
  });

  it('two restarts of one compose service: the fix is printed once, the second incident points to it', () => {
    const out = runs.twice!.stdout;
    expect(runs.twice!.code).toBe(1);
    expect(out.match(/^INCIDENT \d/gm)).toEqual(['INCIDENT 1', 'INCIDENT 2']);
    expect(out.match(/^ {4}--- .*nginx\.conf$/gm)).toHaveLength(1);
    expect(out.match(/^ {4}--- .*docker-compose\.yml$/gm)).toHaveLength(1);
    expect(out).toMatch(/^ {2}fix {9}\(for incidents 1, 2\)$/m);
    expect(out).toMatch(/^ {2}fix {9}same as incident 1$/m);
    const md = readFileSync(files.twice!, 'utf8');
    expect(md.match(/^```diff$/gm)).toHaveLength(2); // nginx.conf and docker-compose.yml, once
    expect(md).toContain('Same as incident 1');
  });

  it('a shared fix is the one sized for the slowest restart; another workload or other fix ids get their own', () => {
    const { incidents } = runScenario({ lines: failLines(T0 + 1000, 30, 100), events: seq.dockerRestart(BACKEND, T0), containers: inspect({ c: BACKEND, ip: '172.18.0.5' }) });
    const base = incidents[0]!;
    const fix = (sizedForMs: number, fixIds = ['nginx-retry']) => ({ fixIds, advice: [`sized ${sizedForMs}`], files: [], warnings: [], sizedForMs });
    const other = { ...base, id: 'other', match: { ...base.match!, name: 'shop-auth-1', service: 'auth' } };
    const list = [
      { ...base, id: 'a', fix: fix(5000) },
      { ...other, fix: fix(3000) },
      { ...base, id: 'b', fix: fix(9000) },
      { ...base, id: 'c', fix: fix(7000, ['crash-investigate']) },
      { ...base, id: 'd', fix: null },
    ];
    expect(fixPlacements(list)).toEqual([
      { show: list[2]!.fix, incidents: [1, 3] },
      { show: list[1]!.fix, incidents: [2] },
      { sameAs: 1 },
      { show: list[3]!.fix, incidents: [4] },
      null,
    ]);
  });

  it('each of the two incidents has its own restart in its timeline, not its neighbour\'s', () => {
    const out = runs.twice!.stdout;
    const timeline = (n: number) => {
      const part = out.slice(out.indexOf(`INCIDENT ${n} `));
      return part.slice(part.indexOf('  timeline\n'), part.indexOf('  why\n'));
    };
    expect(timeline(1)).toMatch(/03:12:40\.6\s+kill/);
    expect(timeline(1)).not.toMatch(/03:13:2\d/);
    expect(timeline(2)).toMatch(/03:13:20\.6\s+kill/);
    expect(timeline(2)).toMatch(/03:13:21\.5\s+start/);
    expect(timeline(2)).not.toMatch(/03:12:4\d\.\d/);
    const md = readFileSync(files.twice!, 'utf8');
    const second = md.slice(md.indexOf('## 2. '));
    const mdTimeline = second.slice(second.indexOf('### Timeline'), second.indexOf('### Why'));
    expect(mdTimeline).toContain('| 03:13:20.6 | kill |');
    expect(mdTimeline).not.toContain('| 03:12:40.6 |');
  });
});

describe('item 3: the markdown export renders as a postmortem doc', () => {
  it('the demo: title, summary line, impact table, diff block; addresses and names unescaped', () => {
    const md = readFileSync(files.demo!, 'utf8');
    const h = html('demo');
    expect(h).toMatch(/^<h1>Incident: Restart race: nginx sent traffic to the backend before it was listening again — shop-backend-1<\/h1>/);
    expect(h).toMatch(/<p><strong>Summary:<\/strong> shop-backend-1 restarted; 96 × connection refused \(111\) on 172\.18\.0\.5:3000 until the app was ready 5\.4 s after start/);
    expect(h).toMatch(/<table>\s*<thead>\s*<tr>\s*<th>#<\/th>\s*<th>Diagnosis<\/th>/);
    expect(h).toContain('<td><code>172.18.0.5:3000</code></td>');
    const diff = /<pre><code class="language-diff">([\s\S]*?)<\/code><\/pre>/.exec(h)?.[1] ?? '';
    expect(visible(diff).split('\n').slice(0, 3).join('\n')).toMatch(/^--- fixtures\/incidents\/restart-race\/nginx\.conf\n\+\+\+ fixtures\/incidents\/restart-race\/nginx\.conf\n@@ /);
    expect(visible(diff)).toContain('\n+        server 172.18.0.5:3000 max_fails=3 fail_timeout=10s;\n');
    // Escaping only where markdown needs it: none of `\-`, `\.`, `\(`, `\:` anywhere in the source.
    expect(md).not.toMatch(/\\[-.():#+!]/);
    expect(md).toContain('shop-backend-1 (service backend)');
    expect(visible(h)).not.toContain('\\');
  });

  it('a hostile log line is inert: no HTML element, no link, no escape sequence, quoted whole in the evidence block', () => {
    const md = readFileSync(files.hostile!, 'utf8');
    expect(md).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    const h = html('hostile');
    expect(h).not.toMatch(/<script/i);
    expect(h).not.toMatch(/<a[\s>]/i);
    expect(h).not.toContain('evil.example');
    const blocks = [...h.matchAll(/<pre><code class="language-text">([\s\S]*?)<\/code><\/pre>/g)].map((m) => visible(m[1]!));
    const evidence = blocks.find((b) => b.includes('*1887250'));
    expect(evidence).toContain('request: "GET /x|y`z```<script>alert(1)</script>[a](javascript:alert(1)) red HTTP/1.1"');
    expect(evidence).toContain('referrer: "click me"');
  });

  it('the title names the most severe incident, not the first', () => {
    // A small burst on one upstream first, then the big restart race.
    const lines = [
      ...failLines(T0 - 600_000, 4, 500, { upstream: 'http://172.18.0.9:9000/x' }),
      ...failLines(T0 + 1000, 40, 100, { method: 'POST' }),
    ];
    const { engine, incidents } = runScenario({ lines, events: seq.dockerRestart(BACKEND, T0), containers: inspect({ c: BACKEND, ip: '172.18.0.5' }) });
    expect(incidents.map((i) => i.burst.count)).toEqual([4, 40]);
    const ctx: ReportContext = {
      tool: { name: 'restartdoctor', version: '0.1.0' },
      generatedAt: Date.UTC(2024, 0, 15, 9),
      tz: 'UTC',
      inputs: { logs: ['error.log'], events: 'events.jsonl', containers: null },
      window: { since: null, until: null },
      counters: engine.counts(),
      incidents,
      notes: [],
    };
    const h = marked.parse(markdownReport(ctx), { async: false });
    expect(h).toMatch(/^<h1>Incident: Restart race[^<]* — shop-backend-1 \(\+1 more\)<\/h1>/);
    expect(h).toMatch(/<strong>Summary:<\/strong> shop-backend-1 restarted; 40 ×[^<]*the most severe of 2 incidents/);
  });

  it('escapeMarkdown, codeSpan and fencedBlock render exactly the text they were given', () => {
    const texts = [
      'nc-api 127.0.0.1:8080 max_fails=3 (exit 143)! #1',
      '# heading? - list? + list? 1. list? > quote?',
      '- a leading dash',
      '12. ordered?',
      '---',
      'a *b* _c_ `d` [e](javascript:alert(1)) <img src=x onerror=alert(1)> ~~f~~ &amp; https://evil.example www.evil.example \\ back',
      'back\\|slash pipe \\\\| two | one',
    ];
    for (const text of texts) {
      const para = marked.parse(escapeMarkdown(text), { async: false });
      expect(para).toMatch(/^<p>[\s\S]*<\/p>\n$/);
      expect(visible(para).trim()).toBe(text);
      const span = marked.parseInline(codeSpan(text), { async: false }) as string;
      expect(span).toMatch(/^<code>[\s\S]*<\/code>$/);
      expect(visible(span)).toBe(text);
      const cellHtml = marked.parse(`| h |\n|---|\n| ${escapeMarkdown(text)} | \n| ${codeSpan(text, true)} |`, { async: false });
      expect([...cellHtml.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => visible(m[1]!))).toEqual([text, text]);
    }
    for (const text of ['x ``` y ```` z', '`', '``edge``', ' padded ']) {
      expect(visible(marked.parseInline(codeSpan(text), { async: false }) as string)).toBe(text);
      const block = marked.parse(fencedBlock([text, 'next']).join('\n'), { async: false });
      expect(visible(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/.exec(block)?.[1] ?? '')).toBe(`${text}\nnext\n`);
    }
    expect(escapeMarkdown('nc-api 127.0.0.1')).toBe('nc-api 127.0.0.1');
  });
});
