/**
 * The shapes a live session shares with its sources' wiring (liveSources.ts), kept apart so the
 * wiring depends on what it uses of a session, not on the session's class.
 */
import type { Readable, Writable } from 'node:stream';
import type { Pattern } from '../diagnose/patternSchema.js';
import type { IncidentEngine } from '../engine/incidentEngine.js';
import type { SourceStatus } from '../model/snapshot.js';
import type { RecordingFiles, ReplaySink } from '../sources/replay.js';
import type { LineSink, SourceHandle } from '../sources/types.js';
import type { EnrichOptions } from './enrich.js';

/** What of its process a session touches (the CLI's io fits). */
export interface SessionIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
}

export interface LiveSessionOptions extends EnrichOptions {
  /** A recording folder to replay; null for a live session. */
  replay: string | null;
  speed: number;
  /** `--from` of a replay, read against the recording's first line once it is loaded. */
  replayFrom: ((recordingStart: number) => number) | null;
  logs: string[];
  /** The host's default error log: when it is the one named and unreadable, nginx containers are the sources. */
  defaultLog: string;
  nginxContainer: string | null;
  tz: string;
  patterns: Pattern[];
  since: number | null;
  until: number | null;
  burstGapMs: number;
  minErrors: number;
  /** Lines mode: incidents and checks printed on stdout, sources' states on stderr; no screen. */
  noTui: boolean;
  exportPath: string | null;
  allPlatforms: boolean;
}

/** What the sources' wiring uses of a session: its options, its sinks, and where it keeps the handles. */
export interface SessionPorts {
  readonly o: LiveSessionOptions;
  readonly io: SessionIo;
  readonly tz: string;
  readonly files: RecordingFiles | null;
  readonly historySince: number | null;
  readonly engine: IncidentEngine;
  readonly configs: EnrichOptions;
  readonly sources: SourceHandle[];
  readonly cleanups: (() => void)[];
  readonly abort: AbortController;
  readonly lineSink: LineSink;
  replaySink(): ReplaySink;
  readonly onStatus: (s: SourceStatus) => void;
  sayHistory(id: string, text: string, short: string): void;
  onChange(): void;
}
