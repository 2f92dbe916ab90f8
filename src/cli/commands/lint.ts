/**
 * `restartdoctor lint FILE... [--format text|json|sarif]`: the CI guard. Exit 1 when a finding of
 * severity warning or error is found (notes inform only), 0 when clean, 2 on usage or an
 * unreadable/unrecognised file.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { failing, formatJson, formatText, lintFiles, toSarif } from '../../lint/index.js';
import { toolVersion } from '../../util/version.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exitCodes.js';
import type { CliIo, Command } from '../io.js';

export const LINT_USAGE = `usage: restartdoctor lint FILE... [--format text|json|sarif]

Checks nginx configs, docker-compose files and Kubernetes manifests (kind detected from the
content) for the settings that turn a backend restart into 502s.

  --format text|json|sarif   output format (default text); sarif is SARIF 2.1.0
  -h, --help                 show this help

Exit 1 on warnings or errors, 0 when clean (notes do not fail), 2 on unreadable input.`;

const Format = z.enum(['text', 'json', 'sarif'], { error: '--format must be text, json or sarif' });

export const lintCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const options = { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  let parsed: { values: { format?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`lint: ${(err as Error).message.split('\n')[0]}`, 'run `restartdoctor lint --help`');
  }
  if (parsed.values.help) {
    io.stdout.write(`${LINT_USAGE}\n`);
    return EXIT.ok;
  }
  const format = Format.safeParse(parsed.values.format ?? 'text');
  if (!format.success) throw new UsageError(`lint: ${format.error.issues[0]?.message ?? 'bad --format'}`);
  if (parsed.positionals.length === 0) throw new UsageError('lint: give at least one file (nginx.conf, docker-compose.yml, k8s.yaml)', 'run `restartdoctor lint --help`');
  const result = lintFiles(parsed.positionals, io.cwd);
  if (format.data === 'json') io.stdout.write(formatJson(result));
  else if (format.data === 'sarif') io.stdout.write(JSON.stringify(toSarif(result, toolVersion()), null, 2) + '\n');
  else io.stdout.write(formatText(result));
  return failing(result.findings).length > 0 ? EXIT.found : EXIT.ok;
};
