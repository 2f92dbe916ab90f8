/**
 * `npm run record -- NAME [OUTDIR]` (or `-- all`): re-records one incident (or every one, one after
 * another) for real with the local Docker Engine and nginx. See fixtures/recorded/README.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'lib.mjs' && f !== 'run.mjs').map((f) => f.slice(0, -4)).sort();
const [name, outDir] = process.argv.slice(2);
if (!name || (name !== 'all' && !names.includes(name))) {
  console.error(`usage: npm run record -- NAME [OUTDIR] | all   (NAME: ${names.join(', ')})`);
  process.exit(2);
}
if (name === 'all' && outDir) {
  console.error('record: OUTDIR applies to one recording, not to all');
  process.exit(2);
}
for (const n of name === 'all' ? names : [name]) {
  console.log(`== recording ${n}`);
  const r = spawnSync(process.execPath, [path.join(here, `${n}.mjs`), ...(outDir ? [outDir] : [])], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
