import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60000,
    pool: 'forks',
    // Both cores: vitest's default leaves one free (one worker on a 2-core machine, ~120 s instead of ~70 s).
    maxWorkers: 2,
    // Test files share one module instance per worker (no re-import per file: 57 s instead of 78 s).
    // Safe because the library keeps no module-level mutable state (issue 10); the in-process CLI
    // tests check that no signal handler leaks between calls.
    isolate: false,
    // A CommonJS module's default import is its module.exports, as in Node: without this, vitest
    // follows `__esModule` (gifenc's `default` is GIFEncoder), and the in-process CLI tests
    // (packages/cli/test/run-cli.ts) fail where the real command works.
    deps: { interopDefault: false },
  },
});
