/**
 * `restartdoctor lint FILE... [--format text|json|sarif] [--json] [--ignore RULE] [--strict]`:
 * the CI guard. Exit 1 when an error is found (or a warning, with --strict), 0 otherwise (notes
 * and waived findings never fail), 2 on usage or an unreadable/unrecognised file.
 * Flags: commandFlags.ts's LINT_FLAGS.
 */
import { z } from 'zod';
import { findRule, formatJson, formatText, lintFiles, lintTally, RULE_LIST, toSarif } from '../../lint/index.js';
import { JSON_SCHEMA_VERSION } from '../../report/jsonText.js';
import { toolVersion } from '../../util/version.js';
import { LINT_FLAGS } from '../commandFlags.js';
import { UsageError } from '../../util/errors.js';
import { EXIT, verdictExit } from '../../util/exitCodes.js';
import { nearest, parseFlags } from '../flags.js';
import { commandHelp } from '../help.js';
import type { CliIo, Command } from '../io.js';

const Format = z.enum(['text', 'json', 'sarif'], { error: '--format must be text, json or sarif' });

/** --ignore's words (repeatable, or comma lists) → rule ids; an unknown one is an error with the nearest. */
export function ignoredRules(words: string[]): Set<string> {
  const ids = new Set<string>();
  for (const word of words.flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean)) {
    const rule = findRule(word);
    if (!rule) {
      const guess = nearest(word, RULE_LIST.flatMap((r) => [r.id, r.name]));
      throw new UsageError(`lint: --ignore ${word}: no such rule${guess ? ` (did you mean ${guess}?)` : ''}`, `the rules: ${RULE_LIST.map((r) => r.id).join(', ')}`);
    }
    ids.add(rule.id);
  }
  return ids;
}

export const lintCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const { values, positionals } = parseFlags(argv, LINT_FLAGS, { command: 'lint', positionals: true });
  if (values.help) {
    io.stdout.write(commandHelp('lint'));
    return EXIT.ok;
  }
  // --json is --format json, as for every other command.
  if (values.json && values.format !== undefined && values.format !== 'json') throw new UsageError(`lint: --json and --format ${values.format} ask for two formats: give one`, null);
  const format = Format.safeParse(values.json ? 'json' : (values.format ?? 'text'));
  if (!format.success) throw new UsageError(`lint: ${format.error.issues[0]?.message ?? 'bad --format'}`);
  const ignore = ignoredRules(values.ignore ?? []);
  if (positionals.length === 0) throw new UsageError('lint: give at least one file (nginx.conf, docker-compose.yml, k8s.yaml)', 'run `restartdoctor help lint`');
  const result = lintFiles(positionals, io.cwd, ignore);
  if (format.data === 'json') io.stdout.write(formatJson(result, JSON_SCHEMA_VERSION));
  else if (format.data === 'sarif') io.stdout.write(JSON.stringify(toSarif(result, toolVersion()), null, 2) + '\n');
  else io.stdout.write(formatText(result));
  const n = lintTally(result.findings);
  return verdictExit(n.error, n.warning, values.strict === true);
};
