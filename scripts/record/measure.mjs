/**
 * What nginx really logged, measured independently of src/: upstream-failure kinds (the
 * fixtures/README.md list), keys, and bursts with errors / notRetried / writes / first / last.
 */

const KINDS = [
  ['refused', /connect\(\) failed \(111: Connection refused\)/],
  ['reset', /recv\(\) failed \(104: Connection reset by peer\)/],
  ['premature-close', /upstream prematurely closed connection/],
  ['timeout', /upstream timed out \(110: /],
  ['no-live-upstreams', /no live upstreams/],
  ['no-route', /\(11[03]: (No route to host|Host is unreachable)\)/],
  ['broken-pipe', /\(32: Broken pipe\)/],
];
const LINE = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] /;

export function classify(line) {
  if (/client prematurely closed|client closed|client timed out/.test(line)) return null;
  for (const [k, re] of KINDS) if (re.test(line)) return k;
  return null;
}

function keyOf(line, kind) {
  const u = /upstream: "(\w+):\/\/([^/"]+)/.exec(line);
  if (!u) return null;
  return kind === 'no-live-upstreams' ? u[2] : u[2];
}

/**
 * Counts by kind and by key, the other notable lines, and bursts (one key, gaps < 5 s, ≥ 3 lines)
 * with errors / notRetried / writes / first / last as fixtures/README.md defines them.
 * Log times are UTC here (host TZ and containers are UTC).
 */
export function summarize(errorLogText) {
  const lines = errorLogText.split('\n').filter(Boolean);
  const kinds = {};
  const other = {};
  const perKey = new Map();
  let unparsed = 0;
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) { unparsed++; continue; }
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    const kind = classify(line);
    if (!kind) {
      const label = /client prematurely closed/.test(line) ? 'client-prematurely-closed'
        : /client closed keepalive/.test(line) ? 'keepalive-closed'
        : /client \S+ closed keepalive|closed keepalive/.test(line) ? 'keepalive-closed'
        : `other-${m[7]}`;
      other[label] = (other[label] ?? 0) + 1;
      continue;
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const key = keyOf(line, kind) ?? '?';
    if (!perKey.has(key)) perKey.set(key, []);
    perKey.get(key).push({ t, kind, line });
  }
  const bursts = [];
  for (const [key, evs] of perKey) {
    let cur = [];
    const flush = () => { if (cur.length >= 3) bursts.push(burstOf(key, cur)); cur = []; };
    for (const e of evs) {
      if (cur.length && e.t - cur[cur.length - 1].t >= 5000) flush();
      cur.push(e);
    }
    flush();
  }
  bursts.sort((a, b) => a.first.localeCompare(b.first));
  // Every upstream-failure line of the log, whatever its key: one incident spanning several keys.
  const every = [...perKey.values()].flat().sort((a, b) => a.t - b.t);
  const all = every.length ? burstOf('*', every) : null;
  const byKey = Object.fromEntries([...perKey].map(([k, v]) => [k, v.length]));
  return { lines: lines.length, unparsed, kinds, byKey, other, bursts, all };
}

function burstOf(key, evs) {
  const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z');
  const method = (l) => /request: "(\w+) /.exec(l)?.[1] ?? '';
  const sent = /while (sending request to|reading response header from|reading) upstream/;
  const kinds = {};
  for (const e of evs) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  return {
    upstream: key,
    errors: evs.length,
    notRetried: evs.filter((e) => ['POST', 'PATCH', 'LOCK'].includes(method(e.line)) && sent.test(e.line)).length,
    writes: evs.filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method(e.line))).length,
    first: iso(evs[0].t),
    last: iso(evs[evs.length - 1].t),
    kinds,
  };
}

/** Access-log status counts (host nginx `main` format, or the container's stdout). */
export function accessStatuses(text) {
  const by = {};
  for (const m of text.matchAll(/" (\d{3}) \d+ rt=/g)) by[m[1]] = (by[m[1]] ?? 0) + 1;
  return by;
}
