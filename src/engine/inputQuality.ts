/**
 * Can the input answer the question at all? After a postmortem has read everything, this decides
 * from the counters whether "no incident found" would be true or only quiet: an access log, a
 * binary file, a file that is not nginx's, or a --since/--until window that selects nothing is a
 * loud "can't tell" (exit 2, saying what was read and what was expected); an input that is partly
 * usable is diagnosed with a warning. Pure: the caller prints and exits.
 */
import type { EngineCounters } from '../model/snapshot.js';
import { formatLocal } from '../parse/localTime.js';
import { MAX_LINE_CHARS } from '../parse/nginx/header.js';
import { countsBiggestFirst, formatCount } from '../util/count.js';

/**
 * Above this share of non-empty lines that are neither nginx error lines nor access lines, a
 * diagnosis comes with a warning (access lines are expected: nginx in Docker writes both logs to
 * one stream).
 */
export const MOSTLY_UNREADABLE_SHARE = 0.5;
/** A kind of line "dominates" an unusable input when it is at least this share of its lines. */
const DOMINANT_SHARE = 0.5;
/** --since earlier than the log's first line by more than this: the start of the window is not covered. */
const COVERAGE_SLACK_MS = 60_000;

/** What nginx's error log looks like, for messages. */
const EXPECTED = 'expected nginx error-log lines like `2026/12/02 04:21:36 [error] 7#7: *22 connect() failed (111: Connection refused) …`';
/** The parser's line limit (MAX_LINE_CHARS characters), for messages: `1 MiB`. */
const LINE_LIMIT = `${MAX_LINE_CHARS / (1024 * 1024)} MiB`;
const GIVE_ERROR_LOG = "give nginx's error_log file (e.g. /var/log/nginx/error.log), or `docker logs --timestamps NGINX 2>&1 | restartdoctor`";

export interface InputFacts {
  /** The log files read (`-`: standard input). */
  files: readonly string[];
  counters: EngineCounters;
  /** Oldest and newest valid nginx line, --since/--until or not (IncidentEngine.logSpan). */
  span: { first: number; last: number } | null;
  since: number | null;
  until: number | null;
  tz: string;
}

export interface InputVerdict {
  /** Nothing can be said: one line and a hint, exit 2. */
  fatal: { message: string; hint: string } | null;
  /** Something can be said, with these caveats (stderr and the report's notes). */
  warnings: string[];
}

function inputName(files: readonly string[]): string {
  const names = files.map((f) => (f === '-' ? 'standard input' : f));
  if (names.length === 0) return 'the input';
  return names.length <= 3 ? names.join(', ') : `${names[0]} … ${names[names.length - 1]} (${names.length} files)`;
}

/** `2026-12-02 04:10:05` in `tz`; the second of a range without its date when it is the same day. */
function when(epoch: number, tz: string): string {
  return formatLocal(epoch, tz).replace(/\//g, '-');
}

function range(first: number, last: number, tz: string): string {
  const a = when(first, tz);
  const b = when(last, tz);
  return `${a} – ${a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b} ${tz}`;
}

function windowText(since: number | null, until: number | null, tz: string): string {
  if (since !== null && until !== null) return `--since ${when(since, tz)} … --until ${when(until, tz)}`;
  return since !== null ? `--since ${when(since, tz)}` : `--until ${when(until!, tz)}`;
}

export function judgeInput(f: InputFacts): InputVerdict {
  const c = f.counters;
  const name = inputName(f.files);
  const unparsed = (Object.values(c.unparsed) as number[]).reduce((s, n) => s + n, 0);
  const empty = c.unparsed.empty ?? 0;
  const lines = c.linesRead - empty;
  const access = c.accessLines ?? 0;
  const untimed = c.untimed ?? 0;
  const nginx = c.upstreamErrors + c.otherLines + c.outsideWindow;
  const inWindow = c.upstreamErrors + c.otherLines;
  const warnings: string[] = [];

  if (lines <= 0) {
    return { fatal: { message: `${name}: ${c.linesRead === 0 ? 'empty' : 'only empty lines'}: nothing to diagnose`, hint: GIVE_ERROR_LOG }, warnings };
  }
  if (nginx === 0) {
    const binary = c.unparsed.binary ?? 0;
    const of = `${formatCount(lines)} line${lines === 1 ? '' : 's'}`;
    if (binary >= lines * DOMINANT_SHARE) {
      return {
        fatal: { message: `${name}: looks binary (${formatCount(binary)} of ${of} hold control bytes), not a text log — ${EXPECTED}`, hint: `if it is compressed (other than gzip), decompress it first; else ${GIVE_ERROR_LOG}` },
        warnings,
      };
    }
    // The reasons the lines were set aside, as counted: an nginx line longer than the limit is
    // skipped for its length, and saying it is "not an nginx error-log line" would send the user
    // looking for the wrong file.
    const byReason = countsBiggestFirst({ ...c.unparsed, empty: 0, untimed, 'access-log': access });
    const tooLong = c.unparsed['too-long'] ?? 0;
    if (tooLong >= lines * DOMINANT_SHARE) {
      const which = tooLong === lines ? (lines === 1 ? '' : 'all ') : `${formatCount(tooLong)} of them `;
      return {
        fatal: { message: `${name}: ${of}, ${which}longer than the ${LINE_LIMIT} line limit, skipped (${byReason}) — ${EXPECTED}`, hint: `nginx writes far shorter lines; ${GIVE_ERROR_LOG}` },
        warnings,
      };
    }
    if (tooLong > 0) {
      return { fatal: { message: `${name}: ${of}, none was read as an nginx error-log line (${byReason}; too-long lines are over the ${LINE_LIMIT} limit) — ${EXPECTED}`, hint: GIVE_ERROR_LOG }, warnings };
    }
    const why = access >= lines * DOMINANT_SHARE ? ` (${formatCount(access)} look like access-log lines)` : untimed >= lines * DOMINANT_SHARE ? ` (${formatCount(untimed)} carry no date)` : byReason ? ` (${byReason})` : '';
    return { fatal: { message: `${name}: ${of}, none is an nginx error-log line${why} — ${EXPECTED}`, hint: GIVE_ERROR_LOG }, warnings };
  }
  if (inWindow === 0 && f.span) {
    return {
      fatal: {
        message: `${name}: no line falls in ${windowText(f.since, f.until, f.tz)} (the log covers ${range(f.span.first, f.span.last, f.tz)})`,
        hint: 'move the window, or give the log of that time (rotated logs: --log \'/var/log/nginx/error.log*\')',
      },
      warnings,
    };
  }

  const unreadable = unparsed - empty + untimed;
  if (unreadable > lines * MOSTLY_UNREADABLE_SHARE) {
    const reasons = countsBiggestFirst({ ...c.unparsed, empty: 0, untimed });
    warnings.push(`${name}: ${formatCount(unreadable)} of ${formatCount(lines)} lines are not nginx error-log lines (${reasons}); diagnosed from the ${formatCount(nginx)} that are`);
  }
  if (f.since !== null && f.span && f.span.first > f.since + COVERAGE_SLACK_MS) {
    warnings.push(`the log starts at ${when(f.span.first, f.tz)} ${f.tz}, after --since ${when(f.since, f.tz)}: nothing is known of the time before (older lines may be in a rotated file: --log '…/error.log*')`);
  }
  return { fatal: null, warnings };
}
