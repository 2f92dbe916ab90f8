/** The fix generator's entry for the engine and live mode: propose (read-only). `fix --apply` uses apply.ts. */
export { proposeFix } from './propose.js';
export type { FixInput } from './types.js';
export { ConfigReads } from './configReads.js';
