import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60000,
    pool: 'forks',
    // Both cores: vitest's default leaves one free (one worker on a 2-core machine, ~120 s instead of ~70 s).
    maxWorkers: 2,
    // A CommonJS module's default import is its module.exports, as in Node: without this, vitest
    // follows `__esModule` (gifenc's `default` is GIFEncoder), and the in-process CLI tests
    // (packages/cli/test/run-cli.ts) fail where the real command works.
    deps: { interopDefault: false },
  },
});
