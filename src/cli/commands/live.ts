/**
 * Live mode and replay: a LiveSession (session/liveSession.ts: sources → engine, enrichment,
 * status lines, export) wired to the full-screen UI, or, without a TTY (`--no-tui`, piped, CI),
 * to one line per incident and per checklist result. The UI only ever sees snapshots taken by
 * the SnapshotStore.
 *
 * Exit codes: an incident was detected → EXIT.found, none → EXIT.ok (as the postmortem);
 * a SIGINT that ends a session without a key to quit → EXIT.interrupted (130), a SIGTERM →
 * EXIT.terminated (143); either way the screen is restored and the sources closed first.
 */
import { LiveSession } from '../../session/liveSession.js';
import { SnapshotStore } from '../../ui/store.js';
import { runTui } from '../../ui/run.js';
import type { CliIo, Command } from '../io.js';
import { DEFAULT_LOG, parseMainOptions, type MainOptions } from '../mainOptions.js';
import { readTime } from '../values.js';
import { trapSignals, type SignalTrap } from '../signalTrap.js';
import { loadPatternsOrExplain } from '../patternsOption.js';

export const liveCommand: Command = async (argv, io) => runLive(parseMainOptions(argv, io), io);

export async function runLive(o: MainOptions, io: CliIo): Promise<number> {
  // Before any source starts or anything is printed: a signal from here on ends the session cleanly.
  const trap = trapSignals();
  try {
    return await runSession(o, io, trap);
  } finally {
    trap.release();
  }
}

async function runSession(o: MainOptions, io: CliIo, trap: SignalTrap): Promise<number> {
  const patterns = loadPatternsOrExplain(o.patternsDir);
  const replay = o.mode === 'replay' ? o.replay : null;
  // `--from`: a time of day means the recording's day, read against its first line, not today.
  const replayFrom = o.replayFrom !== null ? (start: number): number => readTime('--from', o.replayFrom!, session.tz, start, start) : null;
  const session: LiveSession = new LiveSession({ ...o, replay, replayFrom, patterns, defaultLog: DEFAULT_LOG }, io);
  // Lines mode whose reader went away (`| head -1`: EPIPE destroys stdout) ends as a finished
  // session, with its incident exit code, instead of printing into nothing for ever.
  const onStdoutGone = (): void => trap.wake();
  let store: SnapshotStore | null = null;
  try {
    await session.start();
    if (o.noTui) io.stdout.once('close', onStdoutGone);
    if (trap.signal() !== null) {
      // Interrupted while the sources started: no screen to draw, end as interrupted.
    } else if (o.noTui) {
      // Lines mode: until the replay ends, or until a signal for a live session (the handlers were set in runLive).
      await (session.replayDone ? Promise.race([session.replayDone, trap.stopped]) : trap.stopped);
    } else {
      // The first frame shows what the sources delivered so far (a replay has its lead-up already), not an empty engine.
      const feed = (store = new SnapshotStore({ produce: () => session.snapshot() }));
      session.onChange = () => feed.invalidate();
      feed.start();
      const rerunChecklist = session.rerunChecklist;
      const tui = runTui({
        feed,
        color: o.color,
        stdout: io.stdout as NodeJS.WriteStream,
        stdin: io.stdin as NodeJS.ReadStream,
        stderr: io.stderr as NodeJS.WriteStream,
        actions: { exportMarkdown: async (snapshot) => session.writeExport(snapshot), ...(rerunChecklist ? { rerunChecklist } : {}) },
      });
      trap.onSignal(tui.stop);
      await tui.done;
    }
  } finally {
    store?.stop();
    trap.release();
    io.stdout.off('close', onStdoutGone);
    await session.stop();
  }
  const scrollback = await session.finish();
  // After the screen is gone: what happened, for the scrollback.
  if (!o.noTui) for (const l of scrollback) io.stdout.write(`${l}\n`);
  return session.exitCode(trap.signal());
}
