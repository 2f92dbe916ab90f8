/**
 * The help texts, generated from the flag tables (mainOptions.ts, commandFlags.ts, flags.ts's
 * global flags) so a flag cannot exist without being listed. README's "Usage" section mirrors them.
 */
import { COMMANDS } from './commandFlags.js';
import { EXIT_TABLE } from '../util/exitCodes.js';
import { GLOBAL_FLAGS, usageOf, type FlagSpec, type FlagTable } from './flags.js';
import { DEFAULT_LOG, MAIN_FLAGS } from './mainOptions.js';
import { wrap } from '../util/wrap.js';

const COLUMN = 26;
/** Help lines fit a 100-column terminal. */
const WIDTH = 100;

function flagLines(entries: Array<[string, FlagSpec]>): string[] {
  return entries.map(([name, spec]) => {
    const left = `  ${spec.short ? `-${spec.short}, ` : ''}${usageOf(name, spec)}`;
    const help = wrap(spec.help ?? '', WIDTH - COLUMN).join(`\n${' '.repeat(COLUMN)}`);
    return left.length + 2 > COLUMN ? `${left}\n${' '.repeat(COLUMN)}${help}`.trimEnd() : `${left.padEnd(COLUMN)}${help}`.trimEnd();
  });
}

/** The flags of a table by their `group`, in the order the groups first appear (ungrouped last). */
function grouped(table: FlagTable, fallback: string): string[] {
  const groups = new Map<string, Array<[string, FlagSpec]>>();
  for (const entry of Object.entries(table)) {
    const g = entry[1].group ?? fallback;
    groups.set(g, [...(groups.get(g) ?? []), entry]);
  }
  return [...groups].flatMap(([g, entries]) => ['', g, ...flagLines(entries)]);
}

const exitLines = (): string[] => ['', 'Exit codes', ...EXIT_TABLE.map((e) => `  ${String(e.code).padEnd(4)}${wrap(e.meaning, WIDTH - 6).join(`\n${' '.repeat(6)}`)}`)];

export function mainHelp(): string {
  const lines = [
    'restartdoctor — why did nginx say "connect() failed (111: Connection refused)"?',
    '',
    'Joins nginx upstream errors to Docker container restarts, diagnoses the incident, runs the',
    'root-cause checklist and proposes the config fix for your own nginx.conf / docker-compose.yml.',
    '',
    'Usage',
    `  restartdoctor                                   live: the last 15 min, then follow ${DEFAULT_LOG}`,
    '                                                  (or the running nginx containers) and the local Docker daemon',
    '  restartdoctor --nginx-container NAME [--follow] nginx\'s log from its container, through the Docker API',
    '  restartdoctor --follow --log FILE... [--docker unix:///var/run/docker.sock]',
    '  restartdoctor --replay DIR [--speed 20] [--from TIME]   replay a recorded incident folder live (the demo)',
    '  restartdoctor --log FILE [--events FILE] [--containers FILE]   postmortem of recorded files',
    '  cat error.log | restartdoctor --events events.jsonl            postmortem of a piped log',
    `  restartdoctor COMMAND [flags]                   ${Object.keys(COMMANDS).join(', ')} (below)`,
    '  restartdoctor help [COMMAND]                    this help, or a command\'s',
    ...grouped(MAIN_FLAGS, 'Other'),
    ...grouped(GLOBAL_FLAGS, 'Global'),
    '  Global flags work anywhere on the line, before or after a command\'s name.',
    '',
    'Commands (restartdoctor help COMMAND lists its flags)',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(COLUMN - 2)}${c.summary}`),
    ...exitLines(),
  ];
  return `${lines.join('\n')}\n`;
}

export function commandHelp(command: string): string {
  const c = COMMANDS[command];
  if (!c) return mainHelp();
  const lines = [c.intro, '', 'Flags', ...flagLines(Object.entries(c.flags)), '', 'Global flags', ...flagLines(Object.entries(GLOBAL_FLAGS))];
  if (c.outro) lines.push('', ...c.outro.split('\n').flatMap((l) => (l.length > WIDTH ? wrap(l, WIDTH) : [l])));
  return `${lines.join('\n')}\n`;
}
