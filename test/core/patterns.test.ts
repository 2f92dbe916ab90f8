/**
 * Diagnoses are data: every bundled pattern validates, and a broken pattern folder stops the run
 * with one line naming the file and the field. Real files in a real temp folder, no fs mocks.
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPatternsDir, loadPatterns, loadPatternsWithOverlay, parsePattern, PatternFileError } from '../../src/diagnose/loadPatterns.js';
import * as patternSchemaModule from '../../src/diagnose/patternSchema.js';
import { REPO, tempDir } from './helpers.js';

const BUNDLED = path.join(REPO, 'patterns');
const REQUIRED = [
  'restart-race', 'stop-timeout', 'crash-loop', 'crash-restart', 'oom-kill', 'slow-startup', 'backend-down', 'upstream-timeout', 'no-live-upstreams', 'transient-refused', 'unexplained',
  // The classic non-restart causes (issue 13, item 6).
  'upstream-permission-denied', 'unix-socket-permission', 'unix-socket-missing', 'unix-socket-backlog', 'header-too-big', 'scheme-https-to-plain',
  'scheme-http-to-tls', 'upstream-ssl-handshake', 'host-not-found', 'name-not-resolved', 'no-route-to-host',
  // Read from the nginx config's upstream groups and named peers (issue 13, items 4 and 5).
  'all-peers-restarted', 'stale-address',
];

describe('bundled patterns', () => {
  it('every file validates and the set covers every diagnosis the issue asks for', () => {
    const patterns = loadPatterns(BUNDLED);
    expect(patterns.map((p) => p.id).sort()).toEqual([...REQUIRED].sort());
    expect(defaultPatternsDir()).toBe(BUNDLED);
  });

  it('each file validates on its own and its id matches its file name', () => {
    for (const name of readdirSync(BUNDLED).filter((n) => n.endsWith('.json'))) {
      const p = parsePattern(JSON.parse(readFileSync(path.join(BUNDLED, name), 'utf8')), name);
      expect(`${p.id}.json`).toBe(name);
    }
  });

  it('exactly one fallback, and it comes last (lowest priority)', () => {
    const patterns = loadPatterns(BUNDLED);
    expect(patterns.filter((p) => p.fallback).map((p) => p.id)).toEqual(['unexplained']);
    expect(patterns.at(-1)!.id).toBe('unexplained');
    const priorities = patterns.map((p) => p.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  });

  it('ranks the specific restart causes above the generic ones', () => {
    const prio = Object.fromEntries(loadPatterns(BUNDLED).map((p) => [p.id, p.priority]));
    expect(prio['oom-kill']).toBeGreaterThan(prio['stop-timeout']!);
    expect(prio['stop-timeout']).toBeGreaterThan(prio['restart-race']!);
    expect(prio['crash-loop']).toBeGreaterThan(prio['crash-restart']!);
    expect(prio['restart-race']).toBeGreaterThan(prio['backend-down']!);
  });
});

describe('an invalid pattern folder', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
    for (const n of readdirSync(BUNDLED)) copyFileSync(path.join(BUNDLED, n), path.join(t.dir, n));
  });
  afterEach(() => t.cleanup());

  function errorOf(): PatternFileError {
    try {
      loadPatterns(t.dir);
    } catch (err) {
      expect(err).toBeInstanceOf(PatternFileError);
      return err as PatternFileError;
    }
    throw new Error('expected loadPatterns to throw');
  }

  const edit = (name: string, change: (p: Record<string, unknown>) => void) => {
    const file = path.join(t.dir, name);
    const p = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    change(p);
    t.file(name, JSON.stringify(p));
    return file;
  };

  it('bad JSON names the file', () => {
    const file = t.file('restart-race.json', '{ "id": "restart-race", ');
    const e = errorOf();
    expect(e.message).toMatch(new RegExp(`^invalid pattern file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('an unknown field names the file and the field', () => {
    const file = edit('oom-kill.json', (p) => {
      (p.when as Record<string, unknown>).oomm = true;
    });
    const e = errorOf();
    expect(e.file).toBe(file);
    expect(e.message).toContain('oom-kill.json');
    expect(e.message).toMatch(/when: .*oomm/);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('a wrong type names the field path', () => {
    edit('crash-loop.json', (p) => {
      (p.when as Record<string, unknown>).minDies = 'three';
    });
    const e = errorOf();
    expect(e.message).toContain('crash-loop.json');
    expect(e.message).toMatch(/when\.minDies: /);
  });

  it('an unknown error kind or fix id names the field path', () => {
    edit('backend-down.json', (p) => {
      (p.when as Record<string, unknown>).kindsAnyOf = ['refused', 'refussed'];
    });
    expect(errorOf().message).toMatch(/backend-down\.json: when\.kindsAnyOf\.1: /);
    t.file('backend-down.json', readFileSync(path.join(BUNDLED, 'backend-down.json')));
    edit('slow-startup.json', (p) => {
      p.fixes = ['make-it-faster'];
    });
    expect(errorOf().message).toMatch(/slow-startup\.json: fixes\.0: /);
  });

  it('an unknown {placeholder} is a one-line error naming the file, the field and the placeholder', () => {
    const file = edit('header-too-big.json', (p) => {
      p.summary = '{count} × {knd} from {upstream}';
    });
    const e = errorOf();
    expect(e.file).toBe(file);
    expect(e.message).toMatch(/header-too-big\.json: summary: unknown placeholder \{knd\} \(known: container, /);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('a bad duration names the field', () => {
    edit('slow-startup.json', (p) => {
      (p.when as Record<string, unknown>).minTimeToReady = 'a while';
    });
    expect(errorOf().message).toMatch(/slow-startup\.json: when\.minTimeToReady: expected a duration/);
  });

  it('a missing required field names it', () => {
    edit('upstream-timeout.json', (p) => {
      delete p.title;
    });
    expect(errorOf().message).toMatch(/upstream-timeout\.json: title: /);
  });

  it('no fallback pattern is refused, naming the folder', () => {
    edit('unexplained.json', (p) => {
      p.fallback = false;
    });
    const e = errorOf();
    expect(e.message).toBe(`invalid pattern file ${t.dir}: exactly one pattern must have "fallback": true`);
  });

  it('a duplicate id names the second file and the id', () => {
    const copy = t.file('zz-copy.json', readFileSync(path.join(BUNDLED, 'restart-race.json')));
    const e = errorOf();
    expect(e.file).toBe(copy);
    expect(e.message).toContain('id: duplicate pattern id "restart-race"');
  });

  it('a missing folder and an empty folder are one-line errors', () => {
    expect(() => loadPatterns(path.join(t.dir, 'nope'))).toThrow(/cannot read the folder \(ENOENT\)/);
    const empty = tempDir();
    try {
      expect(() => loadPatterns(empty.dir)).toThrow(/no \*\.json pattern files/);
    } finally {
      empty.cleanup();
    }
  });

  it('a copied, untouched bundled folder loads (the fixtures above are the only difference)', () => {
    expect(loadPatterns(t.dir)).toHaveLength(REQUIRED.length);
  });
});

describe('placeholders are checked and documented', () => {
  it('every placeholder the bundled patterns use is known, and patterns/README.md documents each one and every when-clause fact', () => {
    const readme = readFileSync(path.join(BUNDLED, 'README.md'), 'utf8');
    for (const name of patternSchemaModule.PLACEHOLDERS) expect(readme).toContain(`\`{${name}}\``);
    const { whenSchema } = patternSchemaModule;
    for (const fact of Object.keys(whenSchema.shape)) expect(readme).toContain(`\`${fact}\``);
  });
});

describe('--patterns DIR overlays the bundled rules by id', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it('a file with a bundled id replaces that rule, a new id adds one, every other bundled rule stays', () => {
    const own = JSON.parse(readFileSync(path.join(BUNDLED, 'header-too-big.json'), 'utf8')) as Record<string, unknown>;
    own.title = 'Our own words for a too big header';
    t.file('header-too-big.json', JSON.stringify(own));
    const added = { ...own, id: 'our-rule', title: 'Our new rule', priority: 7 };
    t.file('our-rule.json', JSON.stringify(added));
    const merged = loadPatternsWithOverlay(t.dir, BUNDLED);
    expect(merged.map((p) => p.id).sort()).toEqual([...REQUIRED, 'our-rule'].sort());
    expect(merged.find((p) => p.id === 'header-too-big')!.title).toBe('Our own words for a too big header');
    expect(merged.find((p) => p.id === 'our-rule')!.priority).toBe(7);
    const priorities = merged.map((p) => p.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  });

  it('an overlay that adds a second fallback is refused, naming the folder', () => {
    const fb = JSON.parse(readFileSync(path.join(BUNDLED, 'unexplained.json'), 'utf8')) as Record<string, unknown>;
    t.file('other-fallback.json', JSON.stringify({ ...fb, id: 'other-fallback' }));
    expect(() => loadPatternsWithOverlay(t.dir, BUNDLED)).toThrow(`invalid pattern file ${t.dir}: exactly one pattern must have "fallback": true`);
  });

  it('an invalid overlay file is the same one-line error as a bundled one', () => {
    const own = JSON.parse(readFileSync(path.join(BUNDLED, 'restart-race.json'), 'utf8')) as Record<string, unknown>;
    own.explanation = 'see {containr}';
    const file = t.file('restart-race.json', JSON.stringify(own));
    expect(() => loadPatternsWithOverlay(t.dir, BUNDLED)).toThrow(`invalid pattern file ${file}: explanation: unknown placeholder {containr}`);
  });
});
