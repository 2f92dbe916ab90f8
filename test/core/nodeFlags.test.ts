/**
 * The heap a run of the installed command gets (src/cli/nodeFlags.ts, relaunch.ts): a live session
 * or a replay starts Node again with the flags; a postmortem runs in this process, whose heap
 * bin/restartdoctor.js holds small (what that does to a real run: test/core/launcher.test.ts).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMainOptions } from '../../src/cli/mainOptions.js';
import { hasNodeFlags, NODE_FLAGS } from '../../src/cli/nodeFlags.js';
import { prepareHeap } from '../../src/cli/relaunch.js';
import { REPO } from '../support/cli.js';
import { captureIo } from '../support/captureIo.js';

const F = path.join(REPO, 'fixtures/incidents/restart-race');
const options = (argv: string[]) => parseMainOptions(argv, captureIo());

describe('prepareHeap', () => {
  it('live mode and replay start Node again on the CLI with the flags', async () => {
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    expect(await prepareHeap(options(['--follow', '--log', `${F}/error.log`, '--no-tui']))).toBe(cli);
    expect(await prepareHeap(options(['--replay', F]))).toBe(cli);
  });

  it('a postmortem runs in this process: of files, of a pipe, through the Docker API', async () => {
    expect(await prepareHeap(options(['--log', `${F}/error.log`]))).toBeNull();
    expect(await prepareHeap(options(['--log', '-']))).toBeNull();
    expect(await prepareHeap(options(['--nginx-container', 'nginx']))).toBeNull();
    expect(await prepareHeap(options(['--log', path.join(F, 'no such file.log')]))).toBeNull();
  });
});

describe('hasNodeFlags', () => {
  it('only with every flag', () => {
    expect(hasNodeFlags([...NODE_FLAGS, '--enable-source-maps'])).toBe(true);
    expect(hasNodeFlags([NODE_FLAGS[0]!])).toBe(false);
    expect(hasNodeFlags([])).toBe(false);
  });
});
