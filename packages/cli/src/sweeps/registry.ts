/**
 * The sweeps `polytope sweep NAME` and `polytope worker` know, by name. Registering a sweep is one
 * line: its name, the module that exports its `SweepDefinition` (a URL relative to this file once
 * built, or a package specifier resolved with `import.meta.resolve`) and the export's name. Worker
 * threads and queue workers load the definition from that module, so it must be importable on its
 * own (no state set up by the command that starts the sweep).
 */
import { sweepRef } from '@polytope-lens/sweep';
import type { SweepRegistry } from '@polytope-lens/sweep';

export const SWEEPS: SweepRegistry = {
  'reproduce-sine': sweepRef(new URL('./reproduce.js', import.meta.url), 'sineSweep'),
  'reproduce-annulus': sweepRef(new URL('./reproduce.js', import.meta.url), 'annulusSweep'),
  // Fig. 5.5: per width × depth cell, Table 5.1's chosen network trained on, its MSE and exact pieces.
  'sine-grid': sweepRef(new URL('./sine-grid.js', import.meta.url), 'sineGridSweep'),
  'polytopes-study': sweepRef(new URL('./polytopes-study.js', import.meta.url), 'polytopesStudySweep'),
  // Issue 15: the training-success sweep (Fig. 3.5, Table 3.3; default functions: the 222 NPN-4
  // classes) and the hypersphere-vs-hypershell sweep (Fig. 4.8).
  'boolean-success': sweepRef('@polytope-lens/core', 'booleanSuccessSweep'),
  hypersphere: sweepRef('@polytope-lens/core', 'hypersphereSweep'),
  // Issue 15, §3.4.3: parity, random and XOR-with-parity functions at n = 5…10 (Figs. 3.7–3.9).
  'boolean-highn': sweepRef('@polytope-lens/core', 'booleanHighnSweep'),
  // Issue 13: the chapter-7 study's three phases (`polytope study chapter7`, docs/chapter7.md).
  'chapter7-train': sweepRef(new URL('./chapter7.js', import.meta.url), 'chapter7TrainSweep'),
  'chapter7-head': sweepRef(new URL('./chapter7.js', import.meta.url), 'chapter7HeadSweep'),
  'chapter7-model': sweepRef(new URL('./chapter7.js', import.meta.url), 'chapter7ModelSweep'),
  'chapter7-similarity': sweepRef(new URL('./chapter7.js', import.meta.url), 'chapter7SimilaritySweep'),
};
