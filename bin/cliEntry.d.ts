/** Types of cliEntry.js (plain JavaScript beside the installed command). */
export function cliModules(root: URL): { main: string; heapHold: string; compileBudget: string };
