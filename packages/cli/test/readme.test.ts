/**
 * The README's set-up and quick-tour commands are run as written (tfjs `test_snippets` style):
 * in a scratch folder holding a link to the repository's examples/ (nothing outside the repository,
 * as on a fresh clone), with `npx polytope` → the built CLI. The first
 * (`demo`) runs the real executable; the rest run `main()` in this process (see run-cli.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

function readmeCommands(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const cmds: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const m = /(?:^|&& )npx polytope (.*?)(?:\s+#.*)?$/.exec(line.trim());
      if (m) cmds.push(m[1]!.trim());
    }
  }
  return cmds;
}

describe('README commands', () => {
  it('run as written and succeed', async () => {
    const base = mkdtempSync(join(tmpdir(), 'polytope-readme-'));
    const cwd = join(base, 'work');
    mkdirSync(cwd);
    symlinkSync(EXAMPLES, join(cwd, 'examples'));
    const cmds = readmeCommands();
    expect(cmds[0]).toBe('demo');
    // A fresh clone has nothing beside it: the tour reads only what the repository ships.
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).not.toContain('../shared');
    expect(cmds.length).toBeGreaterThan(6);
    for (const [i, cmd] of cmds.entries()) {
      const args = cmd.split(/\s+/);
      const r = i === 0 ? spawnCli(args, { cwd }) : await runCli(args, { cwd });
      expect(r.code, `polytope ${cmd}\n${r.stderr}`).toBe(0);
    }
  }, 600_000);
});
