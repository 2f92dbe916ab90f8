import type { IncidentEngine } from '../../src/engine/incidentEngine.js';
import type { ReplaySink } from '../../src/sources/replay.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';

/** A replay played straight into an engine, as a live session's sinks do (session/liveSession.ts replaySink). */
export function engineSink(engine: IncidentEngine): ReplaySink {
  return {
    line: (source, lineNo, text) => lineIntakeOf(engine).ingestLine(source, lineNo, text),
    event: (raw) => void engine.ingestEvent(raw),
    containers: (infos) => engine.setContainers(infos),
    countInvalidEvent: (reason) => engine.countInvalidEvent(reason),
    countIgnoredEvent: () => engine.countIgnoredEvent(),
    clock: (time) => engine.tick(time),
    end: () => engine.finish(),
  };
}
