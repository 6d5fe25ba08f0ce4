/**
 * `@polytope-lens/core/internal`: engine pieces the CLI and its worker threads need (work units,
 * accumulators, cell operations, MLP views) and global switches. Not part of the public API: names
 * here may change or disappear in any release. Library users import from `@polytope-lens/core`.
 */

// --- partition engine: work units shared between the main thread and slice workers ---
export { rootFrame, planUnits, runPartition, PartitionWorkspace } from './regions/engine.js';
export type { WorkUnit, PartitionFrame, ChildBatch, RunOptions, EmittedRegion } from './regions/engine.js';
export { SliceAccumulator, RegionDescriber, GrowF64, planeDirections, boxExtent, checkBox, checkSliceDomain } from './regions/slice.js';
export { polygonOps, createPolygonOps, boxPolygon } from './geometry/cells.js';
export type { CellOps } from './geometry/cells.js';

// --- the sampled line partition on worker threads ---
export { partitionLineWith, useSampled } from './regions/line.js';
export { mergeSampleBatches, sampleBatchNow } from './regions/line-batch.js';
export type { SampleBatch } from './regions/line-batch.js';

// --- MLP view and polytope reporting ---
export { mlpLayers, constraintName } from './polytopes/enumerate.js';
export type { MlpLayer } from './polytopes/enumerate.js';
export { kCellOps, boxCell, describeCell } from './polytopes/subspace-cells.js';
export type { KCell } from './polytopes/subspace-cells.js';

// --- float64 products shared with the chapter-7 study ---
export { timesTransposed } from './coefficients/matmul.js';

// --- helpers of the CLI's readers and reports ---
export { summaryStats } from './lens/lens.js';
export { isGzip } from './io/idx.js';
export { scaleInputs, unitStdScale } from './train/datasets.js';

// --- global switches (benchmarks only) ---
export { setSimdEnabled, simdAvailable } from './train/simd.js';

// --- weight transforms of the polytopes study ---
export { mapDense, uniformBiases, lowRankHidden } from './polytopes/study.js';
export type { DenseMapper, DenseParameters } from './polytopes/study.js';
export { ACTIVE_RANK_EPS, BOX_OVERFLOW_HEADROOM, SELF_CHECK_EPS } from './geometry/predicates.js';

// --- the sweep contract (runners live outside core) ---
export type { SweepDefinition, ShardContext } from './jobs/spec.js';
export { coincidentFirstLayerUnits } from './regions/resolution.js';
export type { CoincidentUnit } from './regions/resolution.js';
export { binomial, combinations, keepUnits, removeNode, greedyPrune, trainOriginals } from './studies/pruning.js';
export { networkOfLayers } from './truncation/mlp.js';

// --- dissertation §5.3: sine interpolants and exact 1-D pieces (Figs. 5.4, 5.5) ---
export { sineInterpolant, sineNodes, linePieces } from './studies/sine-pieces.js';
export type { LinePieceCoefficients, LinePiecesResult } from './studies/sine-pieces.js';

// --- dissertation §3.4.5: pruning image-classification networks (issue 15) ---
export { bestChannelRemoval, magnitudeMask, removeConvChannel } from './train/prune.js';
export { prunableWeightIndices, pruneNetwork } from './train/prune-run.js';
export type { PruneRunOptions, PruneStep } from './train/prune-run.js';
export type { ChannelCandidate } from './train/prune.js';

// --- chapter-7 similarity by output (the study's shards; `networkSimilarity` combines the same parts) ---
export { combineSimilarity, outputSimilarity } from './coefficients/similarity.js';
export type { OutputSimilarity } from './coefficients/similarity.js';
