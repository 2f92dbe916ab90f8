/**
 * Loads an nginx configuration from its main file: parses it and every file its `include`
 * directives name (globs relative to the prefix, the main file's directory, as nginx resolves
 * them with `-c`), splicing included directives into the including block. Missing files, cycles
 * and unreadable files become warnings, never exceptions, except for the main file itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, oneLine } from '../../util/errors.js';
import { expandGlob, hasMagic } from './glob.js';
import { parseNginx, type Directive, type ParseWarning, type ParsedFile } from './parser.js';

export interface NginxConfig {
  mainFile: string;
  /** Directory relative includes and certificate paths resolve against. */
  prefix: string;
  /** Top-level directives of the main file, includes expanded. */
  root: Directive[];
  /** Every file read, by absolute path (the text is what edits apply to). */
  files: Map<string, ParsedFile>;
  warnings: ParseWarning[];
}

const MAX_INCLUDE_DEPTH = 16;

/**
 * `hostRoot`: the config is a copy of another machine's (a container's /etc/nginx fetched through the
 * Docker API, sources/containerConfig.ts) kept under this folder: absolute include paths resolve
 * under it, not on this host.
 */
export function loadNginxConfig(mainPath: string, readText: (p: string) => string = (p) => readFileSync(p, 'utf8'), hostRoot: string | null = null): NginxConfig {
  const mainFile = path.resolve(mainPath);
  let text: string;
  try {
    text = readText(mainFile);
  } catch (err) {
    throw new InputError(`cannot read nginx config ${mainPath}: ${oneLine(err)}`);
  }
  const prefix = path.dirname(mainFile);
  const files = new Map<string, ParsedFile>();
  const warnings: ParseWarning[] = [];

  function expand(directives: Directive[], parent: Directive | null, stack: string[]): Directive[] {
    const out: Directive[] = [];
    for (const d of directives) {
      d.parent = parent;
      out.push(d);
      if (d.block) d.block = expand(d.block, d, stack);
      if (d.name !== 'include' || d.args.length !== 1) continue;
      const pattern = d.args[0]!;
      const absolute = path.isAbsolute(pattern) ? (hostRoot ? path.join(hostRoot, pattern) : pattern) : path.join(prefix, pattern);
      const targets = hasMagic(pattern) ? expandGlob(absolute) : [absolute];
      for (const target of targets) {
        // A container's config never reads this host's files (`include /../../etc/…`).
        if (hostRoot && !path.resolve(target).startsWith(path.resolve(hostRoot) + path.sep)) {
          warnings.push({ file: d.file, line: d.line, message: `include ${pattern} skipped: outside the container's files` });
          continue;
        }
        if (stack.includes(target) || stack.length > MAX_INCLUDE_DEPTH) {
          warnings.push({ file: d.file, line: d.line, message: `include of ${target} skipped: include cycle` });
          continue;
        }
        // mime.types and friends are data, not structure we need; still parsed so their errors show.
        let included: ParsedFile;
        try {
          included = files.get(target) ?? parseNginx(target, readText(target));
        } catch (err) {
          warnings.push({ file: d.file, line: d.line, message: `include ${pattern}: cannot read ${target}: ${oneLine(err)}` });
          continue;
        }
        if (!files.has(target)) {
          files.set(target, included);
          warnings.push(...included.warnings);
        }
        // Each include site gets its own copies so parents are right when a file is included twice.
        const copies = included.directives.map((x) => cloneTree(x));
        out.push(...expand(copies, parent, [...stack, target]));
      }
    }
    return out;
  }

  const main = parseNginx(mainFile, text);
  files.set(mainFile, main);
  warnings.push(...main.warnings);
  const root = expand(main.directives, null, [mainFile]);
  return { mainFile, prefix, root, files, warnings };
}

function cloneTree(d: Directive): Directive {
  return { ...d, block: d.block ? d.block.map((c) => cloneTree(c)) : null };
}
