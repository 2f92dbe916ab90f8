/** What the tmux tests need before they start: tmux itself (a failure in CI, a skip elsewhere) and the built CLI. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect } from 'vitest';

export function requireTmux(ctx: { skip: () => void }): void {
  try {
    execFileSync('tmux', ['-V']);
  } catch (err) {
    if (process.env.CI) throw err;
    console.warn('[skip] tmux is not installed (apt-get install -y tmux)');
    ctx.skip();
  }
  expect(fs.existsSync('dist/src/cli/main.js'), 'dist/src/cli/main.js missing: run npm run build first').toBe(true);
}
