#!/usr/bin/env node
// Writes packages/cli/dist/help-manifest.json: every command's declaration, taken from the full
// program, for `polytope --help` without loading the commands (src/help-light.ts). Run by the root
// `build` and `prepare` scripts after `tsc -b`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliDigest, describeCommands } from '../dist/help-light.js';
import { fullProgram } from '../dist/main.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = { digest: cliDigest(dist), commands: describeCommands(fullProgram()) };
writeFileSync(new URL('help-manifest.json', `file://${dist}`), `${JSON.stringify(manifest)}\n`);
