/**
 * The sparse transposed convolution of the coefficient reverse pass (`conv2dTransposeSparse` in
 * batch.ts) as a float64 WebAssembly SIMD (f64x2) kernel, assembled byte by byte like
 * network/gemm64.ts: gin += convᵀ(gout) on unit-major blocks of m columns (m even), visiting only
 * output positions whose gradient row is not zero, and clearing each such row after use (so gout is
 * all zero when the call returns and the caller need not clear it before the next sample). Lanes run along the columns, and every element
 * of gin adds its products one by one in the same order as the JavaScript loop (output channel,
 * position, tap, input channel; no fused multiply–add), so the results are bit-identical to it.
 *
 * The kernel works in its own memory, where `ReversePass` lays out every adjoint buffer (so no
 * copies between JavaScript and the kernel), each convolution's weight, its tap table (byte
 * offsets into an input channel, −1 in the padding) and an eight-integer descriptor:
 * [output channels, positions, taps, input channels per group, output channels per group,
 * bytes per input channel (h·w·m·8), bytes per row (m·8), bytes per weight tap step (taps·8),
 * list entries]. A second entry point takes a list of (channel, position, row) instead of scanning
 * gout: a max-pool's winners, so the convolution's own (large) output adjoint is never formed. A
 * third runs the transpose in gather form from a program of rows and terms (`gatherBody`): each
 * input row a dot product kept in registers and stored once, over the rows the caller needs only.
 *
 * State: the compiled module is cached per thread (like gemm64.ts); each `ConvTransposeKernel`
 * owns an instance and a memory that never grows after it is made (so views stay valid).
 */
import { KernelBody, OP, compileKernel, instantiateKernel, kernelModule, memarg, wasmApi } from '../wasm/assembler.js';
import type { WasmMemory } from '../wasm/assembler.js';

// WebAssembly opcodes (core and SIMD), from the assembler's table; block kinds as `KernelBody.open` takes them.
const {
  i32Add: I32_ADD,
  i32Sub: I32_SUB,
  i32Eqz: I32_EQZ,
  i32Mul: I32_MUL,
  i32DivU: I32_DIV_U,
  i32GeU: I32_GE_U,
  i32LtU: I32_LT_U,
  i32GeS: I32_GE_S,
  i32Ne: I32_NE,
  i32Load: I32_LOAD,
  f64Load: F64_LOAD,
  f64Const: F64_CONST,
  end: END,
  v128Load: V128_LOAD,
  v128Store: V128_STORE,
  f64x2Splat: F64X2_SPLAT,
  f64x2Add: F64X2_ADD,
  f64x2Mul: F64X2_MUL,
  f64x2Ne: F64X2_NE,
  v128Or: V128_OR,
  v128AnyTrue: V128_ANY_TRUE,
} = OP;
const [BLOCK, LOOP, IF] = [OP.block[0], OP.loop[0], OP.if[0]];

// Params 0–5; i32 locals 6–28; v128 locals 29–31, then one per column pair.
const [GOUT, GIN, W, TAP, DESC, LIST] = [0, 1, 2, 3, 4, 5];
const [OC_N, P_N, TAPS, ICG, OCG, STEP, MB, WSTEP] = [6, 7, 8, 9, 10, 11, 12, 13];
const [OC, POS, OROW, E, T, TP, WT, AT, IROW, WI, CI, GBASE, WOC, TAPROW, N] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
const [WV, ZERO, ZV] = [29, 30, 31];
/** The v128 local holding column pair v of the current gradient row. */
const G = (v: number): number => 32 + v;
const I32_LOCALS = 23; // 6–28

/**
 * The body of `ct(gout, gin, w, tap, desc, list)` (byte offsets in the kernel's memory) for rows of
 * `2 · pairs` columns. Without `list`: every row of gout in order (cleared after use). With `list`:
 * the rows named by the list, `desc[8]` entries of three i32 (output channel, position, byte offset
 * of the gradient row), gout unused and the rows left as they are.
 */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function body(pairs: number, list: boolean): number[] {
  const clearRows = !list;
  const { f, get, set, i32: konst, open, close, br, brIf, sum: addTo, advance: addConst } = new KernelBody();
  /** One gradient row at OROW, output channel base GBASE / WOC, taps at TAPROW: skipped when zero, else added to gin. */
  const rowWork = () => {
    open(BLOCK, 'next');
    open(BLOCK, 'nonzero');
    // the row's column pairs into G(v); ZV = OR of (G(v) ≠ 0); any lane set jumps to the work
    for (let v = 0; v < pairs; v++) {
      get(OROW);
      f.push(...V128_LOAD, ...memarg(3, v * 16));
      set(G(v));
      get(G(v));
      get(ZERO);
      f.push(...F64X2_NE);
      if (v > 0) {
        get(ZV);
        f.push(...V128_OR);
      }
      set(ZV);
    }
    get(ZV);
    f.push(...V128_ANY_TRUE);
    brIf('nonzero');
    br('next');
    close(); // nonzero
    // for (t = 0; t < TAPS; t++, TP += 4, WT += 8)
    konst(0);
    set(T);
    get(TAPROW);
    set(TP);
    get(WOC);
    set(WT);
    open(LOOP, 't');
    get(TP);
    f.push(I32_LOAD, ...memarg(2, 0));
    set(AT);
    get(AT);
    konst(0);
    f.push(I32_GE_S);
    open(IF, 'in');
    addTo(IROW, GBASE, AT);
    get(WT);
    set(WI);
    konst(0);
    set(CI);
    // for (ci = 0; ci < ICG; ci++, IROW += STEP, WI += WSTEP)
    open(LOOP, 'ci');
    get(WI);
    f.push(F64_LOAD, ...memarg(3, 0), ...F64X2_SPLAT);
    set(WV);
    // gin[irow + 16v] += wv · G(v), every column pair (static offsets)
    for (let v = 0; v < pairs; v++) {
      get(IROW);
      get(IROW);
      f.push(...V128_LOAD, ...memarg(3, v * 16));
      get(WV);
      get(G(v));
      f.push(...F64X2_MUL, ...F64X2_ADD, ...V128_STORE, ...memarg(3, v * 16));
    }
    addTo(IROW, IROW, STEP);
    addTo(WI, WI, WSTEP);
    addConst(CI, 1);
    get(CI);
    get(ICG);
    f.push(I32_LT_U);
    brIf('ci');
    close(); // ci
    close(); // in
    addConst(TP, 4);
    addConst(WT, 8);
    addConst(T, 1);
    get(T);
    get(TAPS);
    f.push(I32_LT_U);
    brIf('t');
    close(); // t
    if (clearRows) {
      // the row has been used: clear it, so gout is all zero again for the next sample
      for (let v = 0; v < pairs; v++) {
        get(OROW);
        get(ZERO);
        f.push(...V128_STORE, ...memarg(3, v * 16));
      }
    }
    close(); // next
  };
  f.push(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, ...F64X2_SPLAT);
  set(ZERO);
  [OC_N, P_N, TAPS, ICG, OCG, STEP, MB, WSTEP].forEach((local, k) => {
    get(DESC);
    f.push(I32_LOAD, ...memarg(2, k * 4));
    set(local);
  });
  // GBASE = GIN + (oc / OCG) · ICG · STEP; WOC = W + oc · ICG · WSTEP
  const channelBase = () => {
    get(GIN);
    get(OC);
    get(OCG);
    f.push(I32_DIV_U);
    get(ICG);
    f.push(I32_MUL);
    get(STEP);
    f.push(I32_MUL, I32_ADD);
    set(GBASE);
    get(W);
    get(OC);
    get(ICG);
    f.push(I32_MUL);
    get(WSTEP);
    f.push(I32_MUL, I32_ADD);
    set(WOC);
  };
  if (list) {
    // for (e = 0; e < N; e++, LIST += 12): oc, pos, orow from the list; TAPROW = TAP + pos · TAPS · 4
    get(DESC);
    f.push(I32_LOAD, ...memarg(2, 32));
    set(N);
    konst(0);
    set(E);
    open(BLOCK, 'e-exit');
    open(LOOP, 'e');
    get(E);
    get(N);
    f.push(I32_GE_U);
    brIf('e-exit');
    [OC, POS, OROW].forEach((local, k) => {
      get(LIST);
      f.push(I32_LOAD, ...memarg(2, k * 4));
      set(local);
    });
    channelBase();
    get(TAP);
    get(POS);
    get(TAPS);
    konst(4);
    f.push(I32_MUL, I32_MUL, I32_ADD);
    set(TAPROW);
    rowWork();
    addConst(LIST, 12);
    addConst(E, 1);
    br('e');
    close(); // e
    close(); // e-exit
    f.push(END);
    return f;
  }
  // for (oc = 0; oc < OC_N; oc++)
  konst(0);
  set(OC);
  get(GOUT);
  set(OROW);
  open(BLOCK, 'oc-exit');
  open(LOOP, 'oc');
  get(OC);
  get(OC_N);
  f.push(I32_GE_U);
  brIf('oc-exit');
  channelBase();
  get(TAP);
  set(TAPROW);
  // for (pos = 0; pos < P_N; pos++, OROW += MB, TAPROW += TAPS · 4)
  konst(0);
  set(POS);
  open(BLOCK, 'pos-exit');
  open(LOOP, 'pos');
  get(POS);
  get(P_N);
  f.push(I32_GE_U);
  brIf('pos-exit');
  rowWork();
  addConst(POS, 1);
  addTo(OROW, OROW, MB);
  get(TAPROW);
  get(TAPS);
  konst(4);
  f.push(I32_MUL, I32_ADD);
  set(TAPROW);
  br('pos');
  close(); // pos
  close(); // pos-exit
  addConst(OC, 1);
  br('oc');
  close(); // oc
  close(); // oc-exit
  f.push(END);
  return f;
}

// The gather kernel's locals: params 0–5 (PROG, SEGS), i32 locals 6–17; v128 locals from 18.
const [PROG, SEGS] = [0, 1];
const [KN, RN, ROWP, TERMS, TPTR, KK, CIO, IRW, CIO2, IRW2, WADDR, GADDR] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const GATHER_I32_LOCALS = 12; // 6–17
const [W0, W1, GV] = [18, 19, 20];
/** The v128 accumulator of column pair v of the pass's row `row` (0 or 1). */
const ACC = (pairs: number, row: number, v: number): number => 21 + row * pairs + v;
/** The most column pairs for which a pass computes two rows at once (their accumulators then fit the 16 vector registers of x64). */
const GATHER_TWO_ROWS_MAX_PAIRS = 5;

/**
 * The body of `gather(prog, segments)`: the transposed convolution in gather form, each input row
 * written (not added to) once as a dot product over the gradient rows that reach it. `prog` holds
 * `segments` segments, one per input position: K and R, then R rows (byte offset of the input
 * channel's weight column, ci · taps · 8, and of its gin row), then K terms (byte offset of the
 * weight W[oc, 0, t] and of the gradient row of (oc, output position)). Every row of a segment
 * sums the same terms in the same order: row = Σ_k W[k] · g_k, left to right from +0. Two rows per
 * pass share the gradient loads where their accumulators fit the registers.
 */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function gatherBody(pairs: number): number[] {
  const { f, get, set, i32: konst, open, close, br, brIf, advance: addConst } = new KernelBody();
  const loadI32 = (dst: number, base: number, offset: number) => {
    get(base);
    f.push(I32_LOAD, ...memarg(2, offset));
    set(dst);
  };
  /** One pass over the segment's K terms for `rows` (1 or 2) rows at (CIO, IRW) and (CIO2, IRW2). */
  const pass = (rows: number) => {
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < pairs; v++) {
        f.push(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, ...F64X2_SPLAT);
        set(ACC(pairs, r, v));
      }
    get(TERMS);
    set(TPTR);
    get(KN);
    set(KK);
    open(BLOCK, 'k-exit');
    open(LOOP, 'k');
    get(KK);
    f.push(I32_EQZ);
    brIf('k-exit');
    loadI32(WADDR, TPTR, 0);
    loadI32(GADDR, TPTR, 4);
    [CIO, CIO2].slice(0, rows).forEach((cio, r) => {
      get(WADDR);
      get(cio);
      f.push(I32_ADD, F64_LOAD, ...memarg(3, 0), ...F64X2_SPLAT);
      set(r === 0 ? W0 : W1);
    });
    for (let v = 0; v < pairs; v++) {
      get(GADDR);
      f.push(...V128_LOAD, ...memarg(3, v * 16));
      set(GV);
      for (let r = 0; r < rows; r++) {
        get(ACC(pairs, r, v));
        get(r === 0 ? W0 : W1);
        get(GV);
        f.push(...F64X2_MUL, ...F64X2_ADD);
        set(ACC(pairs, r, v));
      }
    }
    addConst(TPTR, 8);
    get(KK);
    konst(1);
    f.push(I32_SUB);
    set(KK);
    br('k');
    close(); // k
    close(); // k-exit
    [IRW, IRW2].slice(0, rows).forEach((irw, r) => {
      for (let v = 0; v < pairs; v++) {
        get(irw);
        get(ACC(pairs, r, v));
        f.push(...V128_STORE, ...memarg(3, v * 16));
      }
    });
  };
  // for (; SEGS > 0; SEGS--): K, R, rows, terms; PROG moves past the segment
  open(BLOCK, 'seg-exit');
  open(LOOP, 'seg');
  get(SEGS);
  f.push(I32_EQZ);
  brIf('seg-exit');
  loadI32(KN, PROG, 0);
  loadI32(RN, PROG, 4);
  get(PROG);
  konst(8);
  f.push(I32_ADD);
  set(ROWP);
  // TERMS = ROWP + R · 8; PROG = TERMS + K · 8
  get(ROWP);
  get(RN);
  konst(8);
  f.push(I32_MUL, I32_ADD);
  set(TERMS);
  get(TERMS);
  get(KN);
  konst(8);
  f.push(I32_MUL, I32_ADD);
  set(PROG);
  if (pairs <= GATHER_TWO_ROWS_MAX_PAIRS) {
    // while (R ≥ 2): two rows, R −= 2
    open(BLOCK, 'two-exit');
    open(LOOP, 'two');
    get(RN);
    konst(2);
    f.push(I32_LT_U);
    brIf('two-exit');
    loadI32(CIO, ROWP, 0);
    loadI32(IRW, ROWP, 4);
    loadI32(CIO2, ROWP, 8);
    loadI32(IRW2, ROWP, 12);
    pass(2);
    addConst(ROWP, 16);
    get(RN);
    konst(2);
    f.push(I32_SUB);
    set(RN);
    br('two');
    close(); // two
    close(); // two-exit
  }
  // while (R > 0): one row
  open(BLOCK, 'one-exit');
  open(LOOP, 'one');
  get(RN);
  f.push(I32_EQZ);
  brIf('one-exit');
  loadI32(CIO, ROWP, 0);
  loadI32(IRW, ROWP, 4);
  pass(1);
  addConst(ROWP, 8);
  get(RN);
  konst(1);
  f.push(I32_SUB);
  set(RN);
  br('one');
  close(); // one
  close(); // one-exit
  get(SEGS);
  konst(1);
  f.push(I32_SUB);
  set(SEGS);
  br('seg');
  close(); // seg
  close(); // seg-exit
  f.push(END);
  return f;
}

// The grouped kernel's i32 locals (after the six parameters of `body`'s signature); v128 locals from 20.
const [GE, GEND, GRUN, GPOS, GTP, GWT, GT, GAT, GIRW, GCIO, GCI, GK, GG, GN] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const [G_TAPS, G_ICG, G_STEP, G_WSTEP] = [20, 21, 22, 23];
const GROUPED_I32_LOCALS = 18; // 6–23
const GW = 24;
/** The v128 accumulator of column pair v in the grouped kernel. */
const GACC = (v: number): number => 25 + v;

/**
 * The body of `grouped(gout, gin, w, tap, desc, list)` for one group: the list's `desc[8]` entries
 * (byte offset of the weight W[oc, 0, 0], output position, byte offset of the gradient row) sorted
 * by position; per run of entries at one position, per tap inside the input and input channel ci,
 * the run's sum Σ W[oc, ci, t] · g (from +0, in list order) is added to gin's row once. The same
 * products as the list kernel with one load and store of each gin row per run instead of per
 * entry (that kernel is bound by those stores).
 */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function groupedBody(pairs: number): number[] {
  const { f, get, set, i32: konst, open, close, br, brIf, sum: addTo, advance: addConst } = new KernelBody();
  const loadI32 = (dst: number, base: number, offset: number) => {
    get(base);
    f.push(I32_LOAD, ...memarg(2, offset));
    set(dst);
  };
  loadI32(G_TAPS, DESC, 8);
  loadI32(G_ICG, DESC, 12);
  loadI32(G_STEP, DESC, 20);
  loadI32(G_WSTEP, DESC, 28);
  loadI32(GN, DESC, 32);
  // GE = LIST; GEND = LIST + N · 12
  get(LIST);
  set(GE);
  get(LIST);
  get(GN);
  konst(12);
  f.push(I32_MUL, I32_ADD);
  set(GEND);
  open(BLOCK, 'runs-exit');
  open(LOOP, 'runs');
  get(GE);
  get(GEND);
  f.push(I32_GE_U);
  brIf('runs-exit');
  loadI32(GPOS, GE, 4);
  // GRUN: the end of the run of entries at GPOS
  get(GE);
  konst(12);
  f.push(I32_ADD);
  set(GRUN);
  open(BLOCK, 'run-exit');
  open(LOOP, 'run');
  get(GRUN);
  get(GEND);
  f.push(I32_GE_U);
  brIf('run-exit');
  get(GRUN);
  f.push(I32_LOAD, ...memarg(2, 4));
  get(GPOS);
  f.push(I32_NE);
  brIf('run-exit');
  addConst(GRUN, 12);
  br('run');
  close(); // run
  close(); // run-exit
  // for (t = 0, GTP = TAP + pos · taps · 4, GWT = 0; t < taps; t++, GTP += 4, GWT += 8)
  get(TAP);
  get(GPOS);
  get(G_TAPS);
  konst(4);
  f.push(I32_MUL, I32_MUL, I32_ADD);
  set(GTP);
  konst(0);
  set(GWT);
  konst(0);
  set(GT);
  open(LOOP, 't');
  loadI32(GAT, GTP, 0);
  get(GAT);
  konst(0);
  f.push(I32_GE_S);
  open(IF, 'in');
  addTo(GIRW, GIN, GAT);
  get(GWT);
  set(GCIO);
  konst(0);
  set(GCI);
  open(LOOP, 'ci');
  for (let v = 0; v < pairs; v++) {
    f.push(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, ...F64X2_SPLAT);
    set(GACC(v));
  }
  get(GE);
  set(GK);
  open(LOOP, 'k');
  get(GK);
  f.push(I32_LOAD, ...memarg(2, 0));
  get(GCIO);
  f.push(I32_ADD, F64_LOAD, ...memarg(3, 0), ...F64X2_SPLAT);
  set(GW);
  loadI32(GG, GK, 8);
  for (let v = 0; v < pairs; v++) {
    get(GACC(v));
    get(GW);
    get(GG);
    f.push(...V128_LOAD, ...memarg(3, v * 16), ...F64X2_MUL, ...F64X2_ADD);
    set(GACC(v));
  }
  addConst(GK, 12);
  get(GK);
  get(GRUN);
  f.push(I32_LT_U);
  brIf('k');
  close(); // k
  for (let v = 0; v < pairs; v++) {
    get(GIRW);
    get(GIRW);
    f.push(...V128_LOAD, ...memarg(3, v * 16));
    get(GACC(v));
    f.push(...F64X2_ADD, ...V128_STORE, ...memarg(3, v * 16));
  }
  addTo(GIRW, GIRW, G_STEP);
  addTo(GCIO, GCIO, G_WSTEP);
  addConst(GCI, 1);
  get(GCI);
  get(G_ICG);
  f.push(I32_LT_U);
  brIf('ci');
  close(); // ci
  close(); // in
  addConst(GTP, 4);
  addConst(GWT, 8);
  addConst(GT, 1);
  get(GT);
  get(G_TAPS);
  f.push(I32_LT_U);
  brIf('t');
  close(); // t
  get(GRUN);
  set(GE);
  br('runs');
  close(); // runs
  close(); // runs-exit
  f.push(END);
  return f;
}

/** The most columns a kernel takes (one v128 local per pair; wider blocks keep the JavaScript loops). */
const CONV_KERNEL_MAX_COLUMNS = 32;

const cache = new Map<string, object | null>();

/** How a module visits the rows: every gradient row (`scan`), a list of them (`list`), a list sorted by position (`grouped`) or a gather program (`gather`). */
type Mode = 'scan' | 'list' | 'gather' | 'grouped';

/** The module compiled for rows of m columns in `mode`, or null where WebAssembly SIMD is unavailable. Built once per thread, m and mode. */
function compiled(m: number, mode: Mode): object | null {
  const key = `${m}:${mode}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  cache.set(key, null);
  const wa = wasmApi();
  if (!wa) return null;
  const pairs = m / 2;
  const bytes =
    mode === 'gather'
      ? kernelModule('ct', GATHER_I32_LOCALS, 3 + 2 * pairs, gatherBody(pairs))
      : mode === 'grouped'
        ? kernelModule('ct', GROUPED_I32_LOCALS, 1 + pairs, groupedBody(pairs))
        : kernelModule('ct', I32_LOCALS, 3 + pairs, body(pairs, mode === 'list'));
  try {
    cache.set(key, compileKernel(wa, bytes));
  } catch {
    cache.set(key, null);
  }
  return cache.get(key)!;
}

/** One convolution's weight, tap table and descriptor in the kernel's memory (byte offsets). */
export interface ConvTransposeLayout {
  readonly weight: number;
  readonly taps: number;
  readonly desc: number;
}

/** An instance of the kernel with its own memory of a fixed size. */
export interface ConvTransposeKernel {
  /** gin += convᵀ(gout): byte offsets of the two blocks (views of `memory`) and the node's layout; clears gout. */
  readonly run: (gout: number, gin: number, layout: ConvTransposeLayout) => void;
  /** gin += the transposed convolution of the rows named by the list at byte offset `list` (`desc[8]` entries: channel, position, row offset). */
  readonly runList: (gin: number, layout: ConvTransposeLayout, list: number) => void;
  /** gin += the transposed convolution (one group) of the list at byte offset `list`, sorted by position (`desc[8]` entries: weight offset of W[oc, 0, 0], position, row offset). */
  readonly runGrouped: (gin: number, layout: ConvTransposeLayout, list: number) => void;
  /** Writes the rows of a gather program (`gatherBody`) at byte offset `prog` with `segments` segments. */
  readonly runGather: (prog: number, segments: number) => void;
  readonly memory: WasmMemory;
}

/** A kernel instance for blocks of m columns (even, 2 ≤ m ≤ 32) with `bytes` of memory (zeroed), or null without WebAssembly SIMD. */
export function convTransposeKernel(m: number, bytes: number): ConvTransposeKernel | null {
  if (m % 2 !== 0 || m < 2 || m > CONV_KERNEL_MAX_COLUMNS) return null;
  const mod = compiled(m, 'scan');
  const modList = compiled(m, 'list');
  const modGather = compiled(m, 'gather');
  const modGrouped = compiled(m, 'grouped');
  const wa = wasmApi();
  if (!mod || !modList || !modGather || !modGrouped || !wa) return null;
  type Fn = (a: number, b: number, c: number, d: number, e: number, f: number) => void;
  const { memory, exports } = instantiateKernel(wa, mod, bytes);
  const ct = exports['ct'] as Fn;
  const ctList = new wa.Instance(modList, { env: { memory } }).exports['ct'] as Fn;
  const ctGather = new wa.Instance(modGather, { env: { memory } }).exports['ct'] as Fn;
  const ctGrouped = new wa.Instance(modGrouped, { env: { memory } }).exports['ct'] as Fn;
  return {
    run: (gout, gin, l) => ct(gout, gin, l.weight, l.taps, l.desc, 0),
    runList: (gin, l, list) => ctList(0, gin, l.weight, l.taps, l.desc, list),
    runGrouped: (gin, l, list) => ctGrouped(0, gin, l.weight, l.taps, l.desc, list),
    runGather: (prog, segments) => ctGather(prog, segments, 0, 0, 0, 0),
    memory,
  };
}
