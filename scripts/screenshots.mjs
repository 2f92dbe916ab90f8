#!/usr/bin/env node
/**
 * Re-makes the README's screenshots from real tmux panes: `npm run screenshots` (builds first).
 * Each shot runs the built CLI in a private tmux server (never the user's sessions), waits until
 * the screen shows what the picture is about, captures the pane with its colours
 * (`capture-pane -e`), converts the ANSI text to SVG (ansi-to-svg) and the SVG to PNG
 * (`rsvg-convert`, Debian's librsvg2-bin), shrunk to a palette (`pngquant`). Not part of CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ansiToSVG from 'ansi-to-svg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = path.join(root, 'bin/restartdoctor.js');
const FIXTURE = 'fixtures/incidents/restart-race';
const SERVER = `rd-screenshots-${process.pid}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-shots-'));

const tmux = (...args) => execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });

function need(cmd, versionFlag, hint) {
  try {
    execFileSync(cmd, [versionFlag], { stdio: 'ignore' });
  } catch {
    console.error(`screenshots: ${cmd} not found (${hint})`);
    process.exit(2);
  }
}

async function until(session, ok, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', session);
    if (ok(screen)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One shot: run `command` in a cols×rows pane, wait for `ready`, capture (with scrollback when `history`, up to the `stopAt` line). */
async function shot({ name, cols, rows, command, ready, what, history = false, stopAt = null }) {
  const session = name;
  tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), `cd ${root} && TERM=xterm-256color ${command}; sleep 120`);
  await until(session, ready, what);
  const ansi = tmux('capture-pane', '-e', '-p', '-t', session, ...(history ? ['-S', '-', '-E', '-'] : []));
  tmux('kill-session', '-t', session);
  let lines = ansi.replace(/\n+$/, '').split('\n');
  if (history) while (lines.length && lines.at(-1).replace(/\x1b\[[0-9;]*m/g, '').trim() === '') lines.pop();
  const stop = stopAt ? lines.findIndex((l) => stopAt.test(l.replace(/\x1b\[[0-9;]*m/g, ''))) : -1;
  lines = lines.slice(0, stop > 0 ? stop : history ? 60 : rows);
  const text = lines.map((l) => l + '\x1b[0m').join('\n');
  const svg = ansiToSVG(text, {
    scale: 1,
    fontFace: 'DejaVu Sans Mono',
    fontSize: 14,
    lineHeight: 18,
    paddingTop: 8,
    paddingLeft: 10,
    paddingBottom: 8,
    paddingRight: 10,
    colors: {
      black: '#1d1f21', red: '#e0605e', green: '#7fbf5f', yellow: '#e5b567', blue: '#6b9bd8', magenta: '#b294bb', cyan: '#5fb3b3', white: '#c5c8c6',
      gray: '#8a8f98', redBright: '#ff7b72', greenBright: '#a6e07a', yellowBright: '#ffd580', blueBright: '#8ab4f8', magentaBright: '#d7a6f5',
      cyanBright: '#7fd4d4', whiteBright: '#ffffff', bgBlack: '#1d1f21', bgRed: '#e0605e', bgGreen: '#7fbf5f', bgYellow: '#e5b567', bgBlue: '#6b9bd8',
      bgMagenta: '#b294bb', bgCyan: '#5fb3b3', bgWhite: '#c5c8c6', bgGray: '#8a8f98', bgRedBright: '#ff7b72', bgGreenBright: '#a6e07a',
      bgYellowBright: '#ffd580', bgBlueBright: '#8ab4f8', bgMagentaBright: '#d7a6f5', bgCyanBright: '#7fd4d4', bgWhiteBright: '#ffffff',
      backgroundColor: '#1d1f21', foregroundColor: '#c5c8c6',
    },
  });
  const svgFile = path.join(tmp, `${name}.svg`);
  // A terminal's runs of spaces are layout: keep them (SVG collapses whitespace by default).
  // ansi-to-svg already moves each chunk right by its leading spaces, so those are dropped.
  fs.writeFileSync(svgFile, svg.replace('<svg ', '<svg xml:space="preserve" ').replace(/(<text [^>]*>) +/g, '$1'));
  const png = path.join(root, 'docs', `${name}.png`);
  const full = path.join(tmp, `${name}.png`);
  execFileSync('rsvg-convert', ['-b', '#1d1f21', '-o', full, svgFile]);
  // A terminal has few colours: a 64-colour palette keeps each picture small (< 300 KB).
  execFileSync('pngquant', ['--force', '--quality', '60-95', '64', '--output', png, full]);
  console.log(`${path.relative(root, png)}  ${cols}×${lines.length}  ${Math.round(fs.statSync(png).size / 1024)} KB`);
}

need('tmux', '-V', 'apt-get install -y tmux');
need('rsvg-convert', '--version', 'apt-get install -y librsvg2-bin');
need('pngquant', '--version', 'apt-get install -y pngquant');
if (!fs.existsSync(path.join(root, 'dist/src/cli/main.js'))) {
  console.error('screenshots: dist/src/cli/main.js missing: npm run build first');
  process.exit(2);
}
fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
// What a person sees: the incident diagnosed and the restart counted.
/** The demo report is shown up to its `fix` section (the diffs are long; the README shows them as text). */
const DEMO_STOP = /^\s*fix\s*$/;
const diagnosed = (s) => s.includes('Restart race') && s.includes('96 × connection refused') && /shop-backend-1\s+shop\/backend\s+\S+\s+\S+\s+1\s+143/.test(s) && s.includes('skipped 12 min');
try {
  for (const [cols, rows] of [
    [80, 24],
    [160, 45],
  ]) {
    await shot({ name: `live-${cols}x${rows}`, cols, rows, command: `${BUILT} --replay ${FIXTURE} --speed 20`, ready: diagnosed, what: 'the diagnosed incident' });
  }
  const demoArgs = `--log ${FIXTURE}/error.log --events ${FIXTURE}/docker-events.jsonl --containers ${FIXTURE}/inspect.json --nginx-conf ${FIXTURE}/nginx.conf --compose ${FIXTURE}/docker-compose.yml`;
  // The report as a person reads it first: summary, impact, timeline, why, what happened.
  await shot({ name: 'demo-report', cols: 150, rows: 50, command: `${BUILT} ${demoArgs}; echo '--- end of report ---'`, ready: (s) => s.includes('--- end of report ---'), what: 'the demo report', history: true, stopAt: DEMO_STOP });
} finally {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
