/** Public API of the fix generator: propose (read-only) and apply (writes, with backups). */
export { proposeFix, nonIdempotentWarning } from './propose.js';
export { applyFix, BACKUP_FOLDER, type ApplyOptions, type ApplyResult, type ApplyFileResult, type ApplyStatus } from './apply.js';
export { KNOWN_FIX_IDS, type FixInput, type FixId } from './types.js';
export { parseDuration, timing, DEFAULT_TIME_TO_READY_MS, type Timing } from './timing.js';
export { findNginx, nginxTest } from './nginxTest.js';
