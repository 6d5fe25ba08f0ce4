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
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      '**/*-changed.*',
      'out/**',
      'polytope-demo/**',
      '.peer/**',
      '.device/**',
      '.bundle/**',
      'python/polytope_lens/engine/**',
    ],
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
  {
    // Browser code: the explorer (packages/web/src) and the script of `polytope view` pages.
    files: ['packages/web/src/**/*.{ts,tsx}', 'packages/cli/assets/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        history: 'readonly',
        self: 'readonly',
        Worker: 'readonly',
        SVGPolygonElement: 'readonly',
        HTMLElement: 'readonly',
        HTMLCanvasElement: 'readonly',
        PerformanceObserver: 'readonly',
        requestAnimationFrame: 'readonly',
        cancelAnimationFrame: 'readonly',
        URLSearchParams: 'readonly',
        FileReader: 'readonly',
        Blob: 'readonly',
      },
    },
  },
);
