/**
 * The narrow interface between the outside world (files, stdin, the Docker daemon) and the engine.
 * A source pushes items into sinks and reports its health; it never parses or diagnoses.
 */
import type { SourceStatus } from '../model/snapshot.js';

/** One log line as read: no trailing newline, CR already stripped. `lineNo` is 1-based per source. */
export type LineSink = (source: string, lineNo: number, text: string) => void;

/** One raw Docker event object as received (decoded and validated later by parse/dockerEvent.ts). */
export type RawEventSink = (raw: unknown) => void;

/** Raw `docker inspect`-shaped objects (GET /containers/{id}/json), decoded by parse/containerInspect.ts. */
export type RawInspectSink = (raw: unknown[]) => void;

export interface SourceHandle {
  status(): SourceStatus;
  close(): Promise<void>;
}
