/**
 * Linear programs on HiGHS (WebAssembly, npm `highs`): loaded once, lazily, on first use.
 * Every LP the library solves goes through `solveLp`.
 *
 * HiGHS is imported dynamically through a specifier bundlers cannot follow (`importByName`): its
 * Emscripten loader imports `node:module` and locates `highs.wasm` next to itself, so a browser
 * bundle of the core that pulled it in would fail to build (esbuild) or fail at run time. Node
 * resolves the specifier from this package's dependencies; in a browser the LP-based analyses
 * (walk, polytope facets, frame bias bounds) reject with a one-line `unsupported` error while
 * everything else (slices, lines, affine maps, training) works. See docs/web.md.
 */
import type { Highs } from 'highs';
import { PolytopeError } from '../errors.js';

let highsPromise: Promise<Highs> | undefined;

/** `import(name)` with a run-time name: bundlers leave it alone (vite: `@vite-ignore`). */
function importByName(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ name) as Promise<unknown>;
}

async function loadHighs(): Promise<Highs> {
  let mod: unknown;
  try {
    mod = await importByName(['hi', 'ghs'].join(''));
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PolytopeError(
      'unsupported',
      `the LP solver HiGHS (npm 'highs') cannot be loaded here (${why}); the LP-based analyses (walk, polytope facets, frame bounds) need Node`,
    );
  }
  // `highs` ships CommonJS types but an ESM build whose default export is the loader.
  const loader = ((mod as { default?: unknown }).default ?? mod) as () => Promise<Highs>;
  return loader();
}

/** The shared HiGHS instance (loaded on first use; a failed load is retried on the next call). */
export function highs(): Promise<Highs> {
  highsPromise ??= loadHighs().catch((e: unknown) => {
    highsPromise = undefined;
    throw e;
  });
  return highsPromise;
}

export interface LpProblem {
  /** Number of variables. */
  numCols: number;
  /** Objective coefficients (minimized unless `maximize`). */
  cost: ArrayLike<number>;
  maximize?: boolean;
  /** Variable bounds (±Infinity allowed). */
  colLower: ArrayLike<number>;
  colUpper: ArrayLike<number>;
  /** Dense row-major constraint matrix (numRows × numCols); ignored when `csr` is given. */
  rows: ArrayLike<number>;
  /** Sparse constraint matrix (compressed rows), for large sparse LPs (e.g. box rows in 784-d). */
  csr?: { starts: Int32Array; indices: Int32Array; values: Float64Array };
  /** Extra HiGHS options (e.g. `{ solver: 'ipm' }`, `{ presolve: 'off' }`). */
  highsOptions?: Record<string, string | number | boolean>;
  numRows: number;
  rowLower: ArrayLike<number>;
  rowUpper: ArrayLike<number>;
}

export type LpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'other';

export interface LpSolution {
  status: LpStatus;
  objective: number;
  x: Float64Array;
}

type HighsModel = ReturnType<Highs['createModel']>;

async function buildModel(problem: LpProblem): Promise<{ h: Highs; model: HighsModel; fix: (v: number) => number }> {
  const h = await highs();
  const inf = h.infinity;
  const fix = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v);
  const { numRows, numCols } = problem;
  let starts: Int32Array = new Int32Array(numRows + 1);
  let indices: Int32Array;
  let values: Float64Array;
  if (problem.csr) ({ starts, indices, values } = problem.csr);
  else {
    const idx: number[] = [];
    const val: number[] = [];
    for (let r = 0; r < numRows; r++) {
      for (let c = 0; c < numCols; c++) {
        const v = problem.rows[r * numCols + c]!;
        if (v !== 0) {
          idx.push(c);
          val.push(v);
        }
      }
      starts[r + 1] = idx.length;
    }
    indices = Int32Array.from(idx);
    values = Float64Array.from(val);
  }
  const model = highsCall(() =>
    h.createModel({
      numCols,
      numRows,
      sense: problem.maximize ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize,
      colCost: Float64Array.from(problem.cost),
      colLower: Float64Array.from(problem.colLower, fix),
      colUpper: Float64Array.from(problem.colUpper, fix),
      rowLower: Float64Array.from(problem.rowLower, fix),
      rowUpper: Float64Array.from(problem.rowUpper, fix),
      matrix: { format: 'csr', numRows, numCols, starts, indices, values },
    }),
  );
  highsCall(() => model.options.set({ output_flag: false, ...(problem.highsOptions ?? {}) }));
  return { h, model, fix };
}

/**
 * Runs a HiGHS call, turning its exceptions (HighsError on values it cannot represent, e.g. a
 * coefficient or bound near ±1e308, or an invalid option) into a one-line `PolytopeError`.
 */
function highsCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new PolytopeError(
      'solver-failed',
      `the LP solver failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (are the coordinates or weights extremely large?)`,
    );
  }
}

function runModel(h: Highs, model: HighsModel, numCols: number): LpSolution {
  try {
    model.run();
    const st = model.getModelStatus();
    const S = h.constants.modelStatus;
    const status: LpStatus =
      st === S.optimal
        ? 'optimal'
        : st === S.infeasible
          ? 'infeasible'
          : st === S.unbounded || st === S.unboundedOrInfeasible
            ? 'unbounded'
            : 'other';
    if (status !== 'optimal') return { status, objective: NaN, x: new Float64Array(numCols) };
    return { status, objective: model.getObjectiveValue(), x: Float64Array.from(model.getSolution().colValue) };
  } catch (err) {
    throw new PolytopeError('solver-failed', `the LP solver failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Solves an LP. Infinite bounds are passed as HiGHS's infinity. */
export async function solveLp(problem: LpProblem): Promise<LpSolution> {
  const { h, model } = await buildModel(problem);
  try {
    return runModel(h, model, problem.numCols);
  } finally {
    model.dispose();
  }
}

/**
 * A reusable LP: change the objective or row bounds and solve again; HiGHS warm-starts from the
 * previous basis, so a sequence of related LPs (e.g. redundancy checks of every row of one
 * polytope) costs a few pivots each. Call `dispose` when done.
 *
 * @example
 * const lp = await createLp(problem);
 * lp.setCost(c1); const a = lp.solve();
 * lp.setRowBounds(3, -Infinity, 2); const b = lp.solve();
 * lp.dispose();
 */
export async function createLp(problem: LpProblem): Promise<{
  setCost(cost: ArrayLike<number>): void;
  setRowBounds(row: number, lower: number, upper: number): void;
  solve(): LpSolution;
  dispose(): void;
}> {
  const { h, model, fix } = await buildModel(problem);
  const n = problem.numCols;
  return {
    setCost(cost) {
      highsCall(() => model.changeColsCost({ kind: 'range', from: 0, to: n - 1 }, Float64Array.from(cost)));
    },
    setRowBounds(row, lower, upper) {
      highsCall(() => model.changeRowBounds(row, fix(lower), fix(upper)));
    },
    solve() {
      return runModel(h, model, n);
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * Chebyshev centre of {z : Q z ≤ p} (optionally inside a box): the centre and radius of the largest
 * inscribed ball, from the LP max r s.t. Q_i z + ‖Q_i‖ r ≤ p_i. Radius Infinity when unbounded,
 * 0 for an empty or flat region (status tells which).
 */
export async function chebyshevCenter(
  Q: ArrayLike<number>,
  p: ArrayLike<number>,
  d: number,
  box?: { lower: ArrayLike<number>; upper: ArrayLike<number> },
): Promise<{ center: Float64Array; radius: number; status: LpStatus }> {
  const nq = p.length;
  const nb = box ? 2 * d : 0;
  const numRows = nq + nb;
  const numCols = d + 1;
  const rows = new Float64Array(numRows * numCols);
  const upper = new Float64Array(numRows);
  for (let r = 0; r < nq; r++) {
    let nrm = 0;
    for (let c = 0; c < d; c++) {
      const v = Q[r * d + c]!;
      rows[r * numCols + c] = v;
      nrm += v * v;
    }
    rows[r * numCols + d] = Math.sqrt(nrm);
    upper[r] = p[r]!;
  }
  if (box) {
    for (let c = 0; c < d; c++) {
      rows[(nq + 2 * c) * numCols + c] = 1;
      rows[(nq + 2 * c) * numCols + d] = 1;
      upper[nq + 2 * c] = box.upper[c]!;
      rows[(nq + 2 * c + 1) * numCols + c] = -1;
      rows[(nq + 2 * c + 1) * numCols + d] = 1;
      upper[nq + 2 * c + 1] = -box.lower[c]!;
    }
  }
  const cost = new Float64Array(numCols);
  cost[d] = 1;
  const colLower = new Float64Array(numCols).fill(-Infinity);
  colLower[d] = 0;
  const colUpper = new Float64Array(numCols).fill(Infinity);
  const sol = await solveLp({
    numCols,
    numRows,
    cost,
    maximize: true,
    colLower,
    colUpper,
    rows,
    rowLower: new Float64Array(numRows).fill(-Infinity),
    rowUpper: upper,
  });
  if (sol.status === 'unbounded') return { center: new Float64Array(d), radius: Infinity, status: sol.status };
  if (sol.status !== 'optimal') return { center: new Float64Array(d), radius: 0, status: sol.status };
  return { center: sol.x.slice(0, d), radius: sol.x[d]!, status: sol.status };
}
