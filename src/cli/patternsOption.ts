import { loadPatterns, loadPatternsWithOverlay, PatternFileError } from '../diagnose/loadPatterns.js';
import type { Pattern } from '../diagnose/patternSchema.js';
import { InputError } from '../util/errors.js';

/** The bundled rules, with --patterns DIR laid over them by id; an invalid file is one InputError naming file and field. */
export function loadPatternsOrExplain(dir: string | null): Pattern[] {
  try {
    return dir ? loadPatternsWithOverlay(dir) : loadPatterns();
  } catch (err) {
    if (err instanceof PatternFileError) throw new InputError(err.message, 'fix the field named above, or remove --patterns to use the bundled rules');
    throw err;
  }
}
