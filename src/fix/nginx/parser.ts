/**
 * Builds the directive tree of one nginx file from its tokens. A syntax error inside a block drops
 * that block (and only that block) and records a warning naming file:line; the rest of the file
 * is still read, because a config analyser that gives up on the first odd block helps nobody.
 * `include` is not expanded here (see load.ts) so this stays a pure function of one text.
 */
import { sanitizeForTerminal } from '../../util/sanitize.js';
import { tokenize, type Token } from './tokenizer.js';

export interface Directive {
  name: string;
  args: string[];
  /** Raw argument tokens, with offsets into `file`'s text. */
  argTokens: Token[];
  file: string;
  line: number;
  /** Offset of the name's first character. */
  start: number;
  /** Offset just after the terminating `;` or the block's closing `}`. */
  end: number;
  /** The `;` token, or the `{` token of a block. */
  terminator: Token;
  /** Present for blocks: the closing `}` token. */
  close: Token | null;
  /** Children in order, with included files' directives spliced in where the include stands. */
  block: Directive[] | null;
  /** Comments directly inside this block, in this file. */
  comments: Token[];
  parent: Directive | null;
}

export interface ParseWarning {
  file: string;
  line: number;
  message: string;
}

export interface ParsedFile {
  file: string;
  text: string;
  /** Top-level directives (children of the implicit main context). */
  directives: Directive[];
  comments: Token[];
  warnings: ParseWarning[];
}

class SyntaxProblem {
  constructor(
    readonly line: number,
    readonly message: string,
    /** True when the token that raised it already closed the current block. */
    readonly closedBlock: boolean,
  ) {}
}

export function parseNginx(file: string, text: string): ParsedFile {
  const tokens = tokenize(text);
  const warnings: ParseWarning[] = [];
  // The messages quote the file's own text, and any file may be given (a binary by mistake, a
  // config with ESC bytes): made terminal-safe here, the one place they are made, so every printer
  // (fix, lint, the reports, the live screen) shows them inert.
  const warn = (line: number, message: string): void => void warnings.push({ file, line, message: sanitizeForTerminal(message) });
  let pos = 0;

  /** Skips to the `}` that closes the block we are in (nested braces balanced). */
  function skipToBlockEnd(): void {
    let depth = 0;
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.type === '{') depth++;
      else if (t.type === '}') {
        if (depth === 0) return;
        depth--;
      }
    }
  }

  /** At top level: skips the rest of one bad statement (to `;` or past a balanced `{…}`). */
  function skipStatement(): void {
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.type === ';') return;
      if (t.type === '{') {
        skipToBlockEnd();
        return;
      }
    }
  }

  function describe(d: { name: string; args: string[] }): string {
    return [d.name, ...d.args].join(' ').slice(0, 60);
  }

  /**
   * Reads children until the closing `}` (inBlock) or end of input. Returns the children, or a
   * SyntaxProblem when the block must be dropped (its remaining tokens already skipped).
   */
  function readChildren(
    parent: Directive | null,
    inBlock: boolean,
    comments: Token[],
  ): { children: Directive[]; close: Token | null } | SyntaxProblem {
    const children: Directive[] = [];
    while (true) {
      const t = tokens[pos];
      if (!t) {
        if (inBlock) return new SyntaxProblem(tokens.at(-1)?.line ?? 1, 'unexpected end of file, expecting "}"', true);
        return { children, close: null };
      }
      pos++;
      if (t.type === 'comment') {
        comments.push(t);
        continue;
      }
      if (t.type === '}') {
        if (inBlock) return { children, close: t };
        warn(t.line, 'unexpected "}" skipped');
        continue;
      }
      if (t.type === 'error' || t.type === ';' || t.type === '{') {
        const message = t.type === 'error' ? t.value : `unexpected "${t.type}"`;
        if (inBlock) {
          if (t.type !== 'error' || t.end < text.length) skipToBlockEnd();
          return new SyntaxProblem(t.line, message, false);
        }
        warn(t.line, `${message}; statement skipped`);
        if (t.type !== '{') skipStatement();
        else skipToBlockEnd();
        continue;
      }
      // A directive: name, then arguments up to `;` or `{`.
      const argTokens: Token[] = [];
      let end: Token | null = null;
      let problem: SyntaxProblem | null = null;
      while (pos < tokens.length) {
        const a = tokens[pos++]!;
        if (a.type === 'comment') {
          comments.push(a);
          continue;
        }
        if (a.type === 'word' || a.type === 'string') {
          argTokens.push(a);
          continue;
        }
        if (a.type === ';' || a.type === '{') {
          end = a;
          break;
        }
        if (a.type === '}') {
          problem = new SyntaxProblem(a.line, `"${t.value}" is not terminated by ";"`, true);
          break;
        }
        problem = new SyntaxProblem(a.line, a.value, false);
        break;
      }
      if (!end && !problem) problem = new SyntaxProblem(t.line, `"${t.value}" is not terminated by ";"`, true);
      if (problem) {
        if (inBlock) {
          if (!problem.closedBlock) skipToBlockEnd();
          return problem;
        }
        warn(problem.line, `${problem.message}; statement at line ${t.line} skipped`);
        if (!problem.closedBlock) skipStatement();
        continue;
      }
      const directive: Directive = {
        name: t.value,
        args: argTokens.map((a) => a.value),
        argTokens,
        file,
        line: t.line,
        start: t.start,
        end: end!.end,
        terminator: end!,
        close: null,
        block: null,
        comments: [],
        parent,
      };
      if (end!.type === '{') {
        const inner = readChildren(directive, true, directive.comments);
        if (inner instanceof SyntaxProblem) {
          warn(t.line, `skipped the "${describe(directive)}" block: ${inner.message} (line ${inner.line})`);
          continue;
        }
        directive.block = inner.children;
        directive.close = inner.close;
        directive.end = inner.close!.end;
      }
      children.push(directive);
    }
  }

  const comments: Token[] = [];
  const top = readChildren(null, false, comments);
  const directives = top instanceof SyntaxProblem ? [] : top.children;
  return { file, text, directives, comments, warnings };
}
