/**
 * `restartdoctor drill --container NAME --url http://127.0.0.1:PORT/PATH [options]`
 * Restarts (or stop+starts, or crash-kills) a container under bounded traffic and reports what
 * the clients saw. Exit 0 when failures ≤ --max-failures and the app answered again, 1 when not,
 * 2 on usage or setup errors (thrown as UserError for the top-level handler to print).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DRILL_FLAGS } from '../../drill/flags.js';
import { drillOptions, type DrillOptions } from '../../drill/options.js';
import type { DockerEnv } from '../../sources/dockerEndpoint.js';
import { renderMarkdown, renderText } from '../../drill/report.js';
import { runDrill } from '../../drill/run.js';
import { InputError } from '../../util/errors.js';
import { EXIT } from '../../util/exitCodes.js';
import { parseFlags } from '../flags.js';
import { commandHelp } from '../help.js';
import type { Command } from '../io.js';

/** `--help` short-circuits validation: it must work with no other flag. */
export type DrillArgs = { kind: 'help' } | { kind: 'run'; options: DrillOptions };

export function parseDrillArgs(argv: string[], env: DockerEnv): DrillArgs {
  const { values } = parseFlags(argv, DRILL_FLAGS, { command: 'drill' });
  if (values.help === true) return { kind: 'help' };
  return { kind: 'run', options: drillOptions(values, env) };
}

export const drillCommand: Command = async (argv, io) => {
  const args = parseDrillArgs(argv, io.env);
  if (args.kind === 'help') {
    io.stdout.write(commandHelp('drill'));
    return EXIT.ok;
  }
  const o = args.options;
  const report = await runDrill(o, { now: io.now });

  if (o.export) {
    const file = path.resolve(io.cwd, o.export);
    try {
      await writeFile(file, renderMarkdown(report));
    } catch (err) {
      throw new InputError(`--export: cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  io.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderText(report));
  return report.pass ? EXIT.ok : EXIT.found;
};
