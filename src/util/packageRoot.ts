import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root (where `patterns/` ships), found by walking up from this module:
 * the depth differs between `src/` under the test runner and `dist/src/` when built.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'patterns'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('restartdoctor: cannot find its install folder (package.json with patterns/)');
}
