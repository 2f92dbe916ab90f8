/**
 * Does the checklist's conclusion (what the probes see now) agree with the diagnosis (what the
 * events and log lines say happened)? One table: for each conclusion that names a cause, the
 * patterns it agrees with. A conclusion not in the table (healthy now, Docker state unknown)
 * names no cause, so it contradicts nothing. When they disagree the screen says so in one line
 * instead of showing two causes as if both were true.
 */
import { CONCLUSIONS, type Conclusion } from '../checklist/conclusion.js';
import type { Incident } from '../model/incident.js';

const AGREES_WITH: Partial<Record<Conclusion, readonly string[]>> = {
  [CONCLUSIONS.restartRace]: ['restart-race', 'slow-startup'],
  [CONCLUSIONS.listeningUnhealthy]: ['slow-startup', 'upstream-timeout', 'transient-refused'],
  [CONCLUSIONS.crash]: ['crash-restart', 'crash-loop'],
  [CONCLUSIONS.oom]: ['oom-kill'],
  [CONCLUSIONS.stopTimeoutKill]: ['stop-timeout'],
  [CONCLUSIONS.stopped]: ['backend-down'],
  [CONCLUSIONS.paused]: ['backend-down'],
  [CONCLUSIONS.crashLoop]: ['crash-loop', 'crash-restart', 'oom-kill'],
  [CONCLUSIONS.notListening]: ['backend-down', 'no-live-upstreams'],
  [CONCLUSIONS.noSuchContainer]: ['backend-down'],
  [CONCLUSIONS.unreachable]: ['backend-down', 'upstream-timeout', 'no-live-upstreams'],
  [CONCLUSIONS.backendDown]: ['backend-down', 'no-live-upstreams'],
};

/** The checklist's conclusion in the one wording the screen uses: `app not yet listening → restart race`. */
export function checklistVerdictText(conclusion: string): string {
  return conclusion.replace(': ', ' → ');
}

/** The diagnosis's cause in a few words: the pattern title up to its colon, `stop timeout`. */
function diagnosisCause(title: string): string {
  const head = title.split(':')[0]!.trim();
  return head.charAt(0).toLowerCase() + head.slice(1);
}

/**
 * Null when the checklist has not run or agrees; else the one line that names both sides:
 * `checklist: app not yet listening → restart race; diagnosis from events: stop timeout`.
 */
export function verdictConflict(i: Incident): string | null {
  const c = i.checklist;
  if (!c) return null;
  const agrees = AGREES_WITH[c.conclusion as Conclusion];
  if (!agrees || agrees.includes(i.diagnosis.patternId)) return null;
  return `checklist: ${checklistVerdictText(c.conclusion)}; diagnosis from events: ${diagnosisCause(i.diagnosis.title)}`;
}
