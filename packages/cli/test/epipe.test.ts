/**
 * A reader that closes the pipe early (`polytope --help | head -1`) ends the command quietly: no
 * EPIPE stack trace on stderr, exit status 0 (reported by the web helper; fixed in supervisor.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));

describe('a closed stdout pipe', () => {
  it('polytope --help | true (the reader is gone before the first write) exits 0 with nothing on stderr', () => {
    // bash's pipefail makes the pipeline's status the command's own.
    const r = spawnSync('/bin/bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" --help | true`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(r.status).toBe(0);
  });
});
