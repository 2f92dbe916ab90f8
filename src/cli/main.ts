#!/bin/sh
//usr/bin/env true; exec node --max-semi-space-size=1 --heap-growing-percent=15 "$0" "$@"
/**
 * Entry point: picks the command, runs it, and turns any error into one line (or one JSON
 * object under --json) and an exit code from the EXIT table. No stack trace reaches a user.
 *
 * The two lines above start it: run as a program, `sh` reads the second line (`//usr/bin/env` is
 * a path to it) and execs Node with the heap flags of nodeFlags.ts, which Node takes only at
 * start-up (why they matter is there). To Node that line is a comment, so `node main.js` runs the
 * same code, without the flags.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonError } from '../report/jsonReport.js';
import { toolVersion } from '../util/version.js';
import { oneLine, UserError } from './errors.js';
import { EXIT } from './exitCodes.js';
import { MAIN_HELP } from './help.js';
import { processIo, type CliIo, type Command } from './io.js';
import { parseMainOptions } from './mainOptions.js';

// Commands load on demand: ink, react and dockerode cost a second of start-up that a postmortem
// of a piped log, or `--version`, should not pay.
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  fix: async () => (await import('./commands/fix.js')).fixCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  drill: async () => (await import('./commands/drill.js')).drillCommand,
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    const load = argv[0] !== undefined ? SUBCOMMANDS[argv[0]] : undefined;
    if (load) return await (await load())(argv.slice(1), io);
    const o = parseMainOptions(argv, io);
    if (o.help) {
      io.stdout.write(MAIN_HELP);
      return EXIT.ok;
    }
    if (o.version) {
      io.stdout.write(`restartdoctor ${toolVersion()}\n`);
      return EXIT.ok;
    }
    if (o.mode === 'postmortem') return await (await import('./commands/postmortem.js')).runPostmortem(o, io);
    // ink switches its live renderer off when CI is set (read once, when ink loads). Whether to
    // draw is decided by mainOptions from the terminal itself, so a terminal gets the screen even
    // in a shell that exports CI.
    if (!o.noTui) for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key];
    return await (await import('./commands/live.js')).runLive(o, io);
  } catch (err) {
    const user = err instanceof UserError ? err : null;
    const message = oneLine(err);
    const code = user ? user.exitCode : EXIT.usage;
    if (wantsJson) io.stdout.write(jsonError(message, user?.hint ?? null, code));
    io.stderr.write(`restartdoctor: ${message}\n`);
    if (user?.hint) io.stderr.write(`  hint: ${user.hint}\n`);
    // Not a UserError: a bug. Say so in one line; the stack only with RESTARTDOCTOR_DEBUG.
    if (!user) {
      io.stderr.write('  this is a bug in restartdoctor; rerun with RESTARTDOCTOR_DEBUG=1 for details\n');
      if (io.env.RESTARTDOCTOR_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    }
    return code;
  }
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A closed pipe (`| head`) is a normal end for a report writer, not a crash: the stream is
  // destroyed, writers stop (writeParts), and the command's exit code (1 when an incident was
  // found) stands. Exiting here with 0 would tell a script `restartdoctor … | head -1` found nothing.
  process.stdout.on('error', () => {});
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`restartdoctor: ${oneLine(err)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
