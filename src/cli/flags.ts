/**
 * The one command-line reader. Every command declares its flags as a table of data (type, value
 * placeholder, one line of help) and reads its argv through `parseFlags`; the help texts are
 * generated from the same tables (help.ts). Node's parseArgs only cuts the line into tokens: the
 * checks and every message are ours, one line, with the nearest valid flag when one is close.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import leven from 'leven';
import { assertTimeZone, systemTimeZone } from '../parse/localTime.js';
import { UsageError } from '../util/errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Repeatable: the values are collected in order. */
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help (FILE, DUR, TIME…). */
  arg?: string;
  /** One line of help. A flag without one is still listed. */
  help?: string;
  /** The heading it is listed under in the main help. */
  group?: string;
}
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/**
 * Flags every command takes, anywhere on the line (before or after the command's name). A command
 * that has no use for one (lint and --docker) accepts it and does nothing with it.
 */
export const GLOBAL_FLAGS = {
  json: { type: 'boolean', group: 'Global', help: 'machine-readable output (one JSON document with schemaVersion; errors as JSON too)' },
  'no-color': { type: 'boolean', group: 'Global', help: 'no colours (also NO_COLOR=1 or TERM=dumb)' },
  tz: { type: 'string', arg: 'ZONE', group: 'Global', help: "zone the log's local times were written in (default: $TZ, else this machine's)" },
  docker: { type: 'string', arg: 'URL', group: 'Global', help: 'Docker endpoint: unix:///var/run/docker.sock or tcp://HOST:2376 (default: $DOCKER_HOST, else the local socket)' },
  help: { type: 'boolean', short: 'h', group: 'Global', help: 'this help (`restartdoctor help COMMAND` for a command\'s)' },
  version: { type: 'boolean', short: 'V', group: 'Global', help: 'print the version' },
} as const satisfies FlagTable;

type ValueOf<S> = S extends { type: 'boolean' } ? boolean : S extends { multiple: true } ? string[] : string;
type FlagValues<T> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

export interface ParsedFlags<T> {
  values: FlagValues<T>;
  positionals: string[];
}

export interface ParseContext {
  /** `restartdoctor` for the main command, else the subcommand's name. */
  command: string;
  /** Whether words that are not flags are taken (lint's files); else each is an error. */
  positionals?: boolean;
  /** The other commands' tables: a flag of another command is "misplaced", not unknown. */
  others?: Readonly<Record<string, FlagTable>>;
}

const isMain = (command: string): boolean => command === 'restartdoctor';
const helpRef = (command: string): string => (isMain(command) ? 'restartdoctor --help' : `restartdoctor help ${command}`);
const flagName = (raw: string): string => raw.replace(/^-+/, '').split('=')[0] ?? '';

/** The closest of `names` to `typed`, when it is close enough to be what was meant. */
export function nearest(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = leven(typed, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  // A typo (one or two edits, a third of a long name), or the start of exactly one name (--nginx).
  if (best !== null && bestDistance <= Math.max(2, Math.floor(typed.length / 3))) return best;
  const prefixed = typed.length >= 3 ? names.filter((n) => n.startsWith(typed)) : [];
  return prefixed.length === 1 ? prefixed[0]! : null;
}

function unknownFlag(raw: string, table: FlagTable, ctx: ParseContext): UsageError {
  const name = flagName(raw);
  const where = isMain(ctx.command) ? '' : ` for ${ctx.command}`;
  if (raw.startsWith('--')) {
    const owners = Object.entries(ctx.others ?? {}).filter(([, t]) => Object.hasOwn(t, name)).map(([c]) => c);
    const guess = nearest(name, Object.keys(table));
    if (owners.length > 0) {
      const named = owners.map((o) => (isMain(o) ? 'the main command (restartdoctor --log …, live, --replay)' : `restartdoctor ${o}`)).join(' and ');
      // `--container` to the main command is more likely a typo of its --containers than a misplaced check flag.
      if (guess) return new UsageError(`unknown flag --${name}${where} (did you mean --${guess}? --${name} belongs to ${named}) — see ${helpRef(ctx.command)}`, null);
      return new UsageError(`--${name} is not a flag${where || ' of the main command'}: it belongs to ${named} — see ${helpRef(owners[0]!)}`, null);
    }
    return new UsageError(`unknown flag --${name}${where}${guess ? ` (did you mean --${guess}?)` : ''} — see ${helpRef(ctx.command)}`, null);
  }
  const shorts = Object.entries(table).filter(([, s]) => s.short !== undefined);
  const list = shorts.map(([n, s]) => `-${s.short} (--${n})`).join(', ');
  return new UsageError(`unknown flag ${raw}${where}${list ? `; the short flags are ${list}` : ''} — see ${helpRef(ctx.command)}`, null);
}

function strayWord(word: string, ctx: ParseContext): UsageError {
  const where = isMain(ctx.command) ? '' : `${ctx.command}: `;
  const others = Object.keys(ctx.others ?? {}).filter((c) => !isMain(c));
  if (isMain(ctx.command) && others.includes(word)) {
    return new UsageError(`"${word}" is a command: put it first, or after the global flags only (restartdoctor ${word} …)`, `see restartdoctor help ${word}`);
  }
  const guess = isMain(ctx.command) && !word.includes('/') && !word.includes('.') ? nearest(word, others) : null;
  if (guess) return new UsageError(`unknown command "${word}" (did you mean ${guess}?) — see restartdoctor --help`, null);
  return new UsageError(
    `${where}unexpected argument "${word}"`,
    isMain(ctx.command) ? 'logs are passed with --log FILE (or piped on stdin); commands are check, fix, lint, drill, record, help' : `see ${helpRef(ctx.command)}`,
  );
}

/** A zone name Intl knows, or one usage line naming it. */
function checkedTimeZone(tz: string, from: string): string {
  try {
    assertTimeZone(tz);
  } catch (err) {
    throw new UsageError(`${from}: ${(err as Error).message}`, null);
  }
  return tz;
}

/**
 * The zone a log's local times are read in: --tz, else $TZ, else this machine's. The --tz value is
 * checked by parseFlags already, for every command; $TZ here, for the commands that read times.
 */
export function timeZoneOf(tzFlag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (tzFlag !== undefined) return checkedTimeZone(tzFlag, '--tz');
  return env.TZ !== undefined ? checkedTimeZone(env.TZ, '$TZ') : systemTimeZone();
}

/** `--since TIME` / `--log FILE`: how a flag with a value is written, for messages. */
export function usageOf(name: string, spec: FlagSpec): string {
  return spec.type === 'string' ? `--${name} ${spec.arg ?? 'VALUE'}` : `--${name}`;
}

/**
 * Reads `argv` against `table` (the global flags are added): values typed by the table, words that
 * are not flags, or one UsageError line naming the flag and what it wanted.
 */
export function parseFlags<T extends FlagTable>(argv: string[], table: T, ctx: ParseContext): ParsedFlags<T & typeof GLOBAL_FLAGS> {
  const all: FlagTable = { ...GLOBAL_FLAGS, ...table };
  const options = Object.fromEntries(
    Object.entries(all).map(([n, s]) => [n, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }]),
  ) as NonNullable<ParseArgsConfig['options']>;
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const where = isMain(ctx.command) ? '' : `${ctx.command}: `;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      // A stray word is reported where it stands: `chek --upstream …` is a typo of a command first.
      if (!ctx.positionals) throw strayWord(token.value, ctx);
      positionals.push(token.value);
      continue;
    }
    const spec = Object.hasOwn(all, token.name) ? all[token.name] : undefined;
    if (!spec) throw unknownFlag(token.rawName, all, ctx);
    const shown = token.rawName.startsWith('--') ? token.rawName : `${token.rawName} (--${token.name})`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${where}${shown} takes no value (got "${token.value}")`, `see ${helpRef(ctx.command)}`);
      values[token.name] = true;
      continue;
    }
    // parseArgs takes the next word as the value even when it is a flag (`--log --json`).
    const value = token.value;
    if (value === undefined || (!token.inlineValue && /^--?[A-Za-z]/.test(value))) {
      throw new UsageError(`${where}${shown} needs a value: ${usageOf(token.name, spec)}`, `see ${helpRef(ctx.command)}`);
    }
    if (spec.multiple) {
      const list = (values[token.name] as string[] | undefined) ?? [];
      list.push(value);
      values[token.name] = list;
    } else {
      const before = values[token.name];
      if (before !== undefined && before !== value) throw new UsageError(`${where}--${token.name} is given twice ("${String(before)}" and "${value}"): give it once`, null);
      values[token.name] = value;
    }
  }
  // The global --tz, checked once here for every command (check and lint take it and read no times).
  if (typeof values.tz === 'string') checkedTimeZone(values.tz, '--tz');
  return { values: values as FlagValues<T & typeof GLOBAL_FLAGS>, positionals };
}

/**
 * Splits the line into the command's name and its flags: global flags may come before the name
 * (`restartdoctor --json check …`). Anything else first means the main command.
 */
export function findCommand(argv: string[], commands: readonly string[]): { command: string | null; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word.startsWith('-') && word !== '-') {
      const name = word.startsWith('--') ? flagName(word) : Object.entries(GLOBAL_FLAGS).find(([, s]) => 'short' in s && `-${s.short}` === word)?.[0];
      const spec = name !== undefined && Object.hasOwn(GLOBAL_FLAGS, name) ? (GLOBAL_FLAGS as FlagTable)[name] : undefined;
      if (!spec) break;
      if (spec.type === 'string' && !word.includes('=')) i++;
      continue;
    }
    if (commands.includes(word)) return { command: word, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    break;
  }
  return { command: null, rest: argv };
}

/** Whether a line asks for JSON (so that even an error while reading it is printed as JSON). */
export function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
}
