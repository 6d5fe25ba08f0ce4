// Lint configuration (`npm run lint`, part of `npm test`): typescript-eslint strict plus three
// house rules: function length, parameter count, and no stray tolerance literals outside
// packages/core/src/geometry/predicates.ts (tolerances live there, named and documented).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Float literals that look like tolerances: 1e-9, 2.5E-12, 0.0001, .000001. */
const EPSILON_LITERALS = [
  {
    selector: 'Literal[raw=/^[0-9._]*e-[0-9_]+$/i]',
    message: 'Tolerance-like literal: use a named tolerance from packages/core/src/geometry/predicates.ts (or name the constant there).',
  },
  {
    selector: 'Literal[raw=/^0?\\.000[0-9_]*$/]',
    message:
      'Tolerance-like literal (< 0.001): use a named tolerance from packages/core/src/geometry/predicates.ts (or name the constant there).',
  },
];

const TEST_FILES = ['**/*.test.ts', 'packages/*/test/**/*.ts'];

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*-changed.*', 'out/**', 'polytope-demo/**'],
  },
  js.configs.recommended,
  tseslint.configs.strict,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        structuredClone: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        globalThis: 'readonly',
        queueMicrotask: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
        WebAssembly: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-params': 'off',
      // With noUncheckedIndexedAccess, `a[i]!` on typed arrays is the house idiom on hot paths.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/max-params': ['error', { max: 6 }],
      'no-restricted-syntax': ['error', ...EPSILON_LITERALS],
    },
  },
  {
    files: ['packages/core/src/geometry/predicates.ts', ...TEST_FILES],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // describe()/it() callbacks group many cases; their length is not a function's length.
    files: TEST_FILES,
    rules: { 'max-lines-per-function': 'off' },
  },
  // TEMPORARY: lead removes after merging issue-10 branches.
  // Files that broke a rule when the rules were added (other issue-10 branches are splitting the long
  // functions and moving the epsilons into predicates.ts). After merging, delete from this line to
  // the matching END TEMPORARY line, run `npm run lint`, and fix what is left.
  {
    files: [
      'packages/cli/src/commands/animate.ts',
      'packages/cli/src/commands/frame.ts',
      'packages/cli/src/commands/polytopes.ts',
      'packages/cli/src/commands/slice.ts',
      'packages/cli/src/render/slice-figure.ts',
      'packages/cli/src/render/ticks.ts',
      'packages/core/src/frames/checks.ts',
      'packages/core/src/frames/figures.ts',
      'packages/core/src/frames/injectivity.ts',
      'packages/core/src/frames/polytope.ts',
      'packages/core/src/frames/random.ts',
      'packages/core/src/frames/reconstruct.ts',
      'packages/core/src/geometry/cells.ts',
      'packages/core/src/geometry/linalg.ts',
      'packages/core/src/io/network-json.ts',
      'packages/core/src/io/onnx.ts',
      'packages/core/src/polytopes/enumerate.ts',
      'packages/core/src/polytopes/walk.ts',
      'packages/core/src/regions/engine.ts',
      'packages/core/src/regions/slice.ts',
      'packages/core/src/regions/validate.ts',
      'packages/core/src/spline/tropical.ts',
      'packages/core/src/train/optimizers.ts',
      'packages/core/src/truncation/constructions.ts',
      'packages/core/src/truncation/mlp.ts',
      'packages/core/src/truncation/truncation.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: [
      'packages/cli/src/commands/animate.ts',
      'packages/core/src/frames/polytope.ts',
      'packages/core/src/geometry/linalg.ts',
      'packages/core/src/io/onnx.ts',
      'packages/core/src/network/activation.ts',
      'packages/core/src/polytopes/enumerate.ts',
      'packages/core/src/polytopes/walk.ts',
      'packages/core/src/regions/engine.ts',
      'packages/core/src/regions/slice.ts',
      'packages/core/src/spline/region.ts',
      'packages/core/src/train/gemm.ts',
      'packages/core/src/train/losses.ts',
      'packages/core/src/train/simd.ts',
    ],
    rules: { '@typescript-eslint/max-params': 'off' },
  },
  {
    files: [
      'packages/cli/src/commands/animate.ts',
      'packages/cli/src/commands/frame.ts',
      'packages/cli/src/commands/lens.ts',
      'packages/cli/src/commands/polytopes.ts',
      'packages/cli/src/commands/slice.ts',
      'packages/cli/src/parallel/slice-parallel.ts',
      'packages/cli/src/render/slice-figure.ts',
      'packages/core/src/frames/figures.ts',
      'packages/core/src/frames/injectivity.ts',
      'packages/core/src/geometry/linalg.ts',
      'packages/core/src/io/network-json.ts',
      'packages/core/src/io/onnx.ts',
      'packages/core/src/network/kernels.ts',
      'packages/core/src/network/network.ts',
      'packages/core/src/polytopes/enumerate.ts',
      'packages/core/src/polytopes/walk.ts',
      'packages/core/src/regions/engine.ts',
      'packages/core/src/spline/tropical.ts',
      'packages/core/src/train/gemm.ts',
      'packages/core/src/train/onnx-export.ts',
      'packages/core/src/train/trainer.ts',
    ],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    files: [
      'packages/cli/src/commands/train.ts',
      'packages/cli/src/types/cli-progress.d.ts',
      'packages/core/src/io/network-json.test.ts',
      'packages/core/src/spline/region.ts',
    ],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['packages/core/src/io/network-json.test.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
  {
    files: ['packages/core/src/io/onnx.ts'],
    rules: { 'no-fallthrough': 'off' },
  },
  {
    files: ['packages/core/src/train/datasets.ts'],
    rules: { 'no-useless-assignment': 'off' },
  },
  // END TEMPORARY
);
