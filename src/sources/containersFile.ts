/**
 * `--containers FILE`: the output of `docker inspect $(docker ps -aq)`, read and decoded, or one
 * InputError line saying what is wrong with it.
 */
import { readFileSync } from 'node:fs';
import type { ContainerInfo } from '../model/container.js';
import { decodeInspectFile } from '../parse/containerInspect.js';
import { InputError } from '../util/errors.js';
import { assertReadableFile, describeFsError } from './readInput.js';

export function readContainersFile(path: string): ContainerInfo[] {
  assertReadableFile(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new InputError(`${path}: not valid JSON (${err.message})`, 'pass the output of `docker inspect $(docker ps -aq)`');
    throw describeFsError(path, err);
  }
  try {
    return decodeInspectFile(json, path);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err), 'pass the output of `docker inspect $(docker ps -aq)`');
  }
}
