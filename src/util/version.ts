import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './packageRoot.js';

let cached: string | null = null;

/** The installed package's version (reports name it, so a report says which rules made it). */
export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
