/**
 * Entry point: picks the command, runs it, and turns any error into one line (or one JSON
 * object under --json) and an exit code from the EXIT table. No stack trace reaches a user.
 *
 * The installed command is bin/restartdoctor.js: it runs the CLI in its own process with the heap
 * held small (util/heapHold.ts), and for a live session or a replay starts Node again with the heap
 * flags of nodeFlags.ts on this module (relaunch.ts).
 * `node dist/src/cli/main.js` runs the same code, with neither.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonError } from '../report/jsonText.js';
import { toolVersion } from '../util/version.js';
import { oneLine, UsageError, UserError } from '../util/errors.js';
import { EXIT } from '../util/exitCodes.js';
import { COMMAND_NAMES, COMMANDS } from './commandFlags.js';
import { findCommand, nearest, parseFlags, wantsJson, type FlagTable } from './flags.js';
import { commandHelp, mainHelp } from './help.js';
import { processIo, type CliIo, type Command } from './io.js';
import { MAIN_FLAGS, parseMainOptions } from './mainOptions.js';
import { hasNodeFlags } from './nodeFlags.js';

// Commands load on demand: ink, react and dockerode cost a second of start-up that a postmortem
// of a piped log, or `--version`, should not pay.
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  fix: async () => (await import('./commands/fix.js')).fixCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  drill: async () => (await import('./commands/drill.js')).drillCommand,
  record: async () => (await import('./commands/record.js')).recordCommand,
};

/** Every command's flags but `command`'s own: a flag found there is misplaced, not unknown. */
function othersThan(command: string): Record<string, FlagTable> {
  const all: Record<string, FlagTable> = { restartdoctor: MAIN_FLAGS, ...Object.fromEntries(Object.entries(COMMANDS).map(([n, c]) => [n, c.flags])) };
  delete all[command];
  return all;
}

/** `restartdoctor help [COMMAND]`. */
function help(words: string[], io: CliIo): number {
  const topic = words.find((w) => !w.startsWith('-'));
  if (topic === undefined || topic === 'help') {
    io.stdout.write(mainHelp());
    return EXIT.ok;
  }
  if (!COMMANDS[topic]) {
    const guess = nearest(topic, Object.keys(COMMANDS));
    throw new UsageError(`help: no command "${topic}"${guess ? ` (did you mean ${guess}?)` : ''}; the commands are ${Object.keys(COMMANDS).join(', ')}`, null);
  }
  io.stdout.write(commandHelp(topic));
  return EXIT.ok;
}

/**
 * `relaunch`: given (the installed command), a run is readied for its heap unless this process has
 * the flags already (prepareHeap: a big postmortem's reader thread starts now; a live session or a
 * replay is handed to `relaunch` with the module to start Node again on).
 */
export async function main(argv: string[], io: CliIo, relaunch?: (entry: string) => Promise<number>): Promise<number> {
  const json = wantsJson(argv);
  try {
    // Global flags may come before the command's name: `restartdoctor --json check …`.
    const { command, rest } = findCommand(argv, COMMAND_NAMES);
    if (command === 'help') return help(rest, io);
    const load = command !== null ? SUBCOMMANDS[command] : undefined;
    if (command !== null && load) {
      // Read here first for --help/--version and one wording of every flag error; the command reads its values.
      const { values } = parseFlags(rest, COMMANDS[command]!.flags, { command, positionals: COMMANDS[command]!.positionals === true, others: othersThan(command) });
      if (values.help) {
        io.stdout.write(commandHelp(command));
        return EXIT.ok;
      }
      if (values.version) {
        io.stdout.write(`restartdoctor ${toolVersion()}\n`);
        return EXIT.ok;
      }
      return await (await load())(rest, io);
    }
    const o = parseMainOptions(argv, io, othersThan('restartdoctor'));
    if (o.help) {
      io.stdout.write(mainHelp());
      return EXIT.ok;
    }
    if (o.version) {
      io.stdout.write(`restartdoctor ${toolVersion()}\n`);
      return EXIT.ok;
    }
    if (relaunch && !hasNodeFlags(process.execArgv)) {
      const entry = await (await import('./relaunch.js')).prepareHeap(o);
      if (entry !== null) return await relaunch(entry);
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
    if (json) io.stdout.write(jsonError(message, user?.hint ?? null, code));
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

/**
 * Runs the CLI as the process's program: its exit code becomes the process's. `withHeapFlags`
 * (bin/restartdoctor.js, which holds the heap already): a run is readied for its heap (relaunch.ts).
 */
export function runAsProgram(argv: string[], { withHeapFlags = false }: { withHeapFlags?: boolean } = {}): void {
  // A closed pipe (`| head`) is a normal end for a report writer, not a crash: the stream is
  // destroyed, writers stop (writeParts), and the command's exit code (1 when an incident was
  // found) stands. Exiting here with 0 would tell a script `restartdoctor … | head -1` found nothing.
  process.stdout.on('error', () => {});
  const relaunch = withHeapFlags ? async (entry: string) => (await import('./relaunch.js')).relaunchWithNodeFlags(entry, argv) : undefined;
  main(argv, processIo(), relaunch).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`restartdoctor: ${oneLine(err)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}

if (isEntryPoint()) runAsProgram(process.argv.slice(2));
