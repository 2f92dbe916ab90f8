#!/usr/bin/env node
/**
 * The `restartdoctor` command (package.json "bin"; npm's shims run it with Node on every platform).
 * It runs the CLI in this process, so start-up costs what `node dist/src/cli/main.js` costs. A run
 * that needs the V8 heap flags (a big log, a live session: src/cli/nodeFlags.ts) starts Node again
 * with them on the CLI module, sharing stdio, passing on signals and the exit (src/cli/relaunch.ts).
 */
import { runAsProgram } from '../dist/src/cli/main.js';

runAsProgram(process.argv.slice(2), { withHeapFlags: true });
