/**
 * Public API of `@polytope-lens/core`: exact local linear structure and partitions of piecewise-linear
 * neural networks.
 *
 * Every name here is exported explicitly, grouped by what a library user does with it, and carries
 * JSDoc with an example on its declaration (checked by `src/public-api.test.ts`). Engine internals,
 * kernels, arenas and global switches are not part of this API: what the CLI and its workers need
 * lives in `@polytope-lens/core/internal` (src/internal.ts), which may change without notice.
 *
 * To add a name: put it in the section it belongs to (values in the `export {}` line, types in the
 * `export type {}` line) and give its declaration JSDoc with an `@example`.
 */

// --- errors ---
export { PolytopeError, AbortError, InternalError, ERROR_CODES } from './errors.js';
export { DEFAULT_MAX_BYTES } from './io/budget.js';
export type { AbortSignalLike, ErrorCode } from './errors.js';

// --- network: the IR and its construction ---
export { asMlp, mergeLinearLayers } from './network/mlp-view.js';
export type { AffineLayer } from './network/mlp-view.js';
export { Network, buildNetwork } from './network/network.js';
export type { NodeSpec, ActivationSlot } from './network/network.js';
export { ACTIVATION_TYPES, isActivation, sizeOf } from './network/ir.js';
export type {
  Node,
  NodeType,
  Shape,
  InputNode,
  DenseNode,
  Conv2dNode,
  ReluNode,
  LeakyReluNode,
  HardTanhNode,
  MaxPoolNode,
  AvgPoolNode,
  GlobalAvgPoolNode,
  ChannelAffineNode,
  AddNode,
  ReshapeNode,
  ConcatNode,
  PadNode,
  SliceNode,
  TransposeNode,
  ResizeNode,
  ResizeCoordinateMode,
  ResizeNearestMode,
  ReduceMeanNode,
  BroadcastAffineNode,
  PReluNode,
  GatherNode,
  AffineNode,
  ActivationNode,
} from './network/ir.js';

// --- prepared networks: an immutable copy that owns every cache (prepare once, query many times) ---
export { prepareNetwork, PreparedNetwork, networkOf, MAX_WINDOW_POSITIONS } from './network/prepared.js';
export type { NetworkLike } from './network/prepared.js';

// --- tolerances (geometry/predicates.ts; every option named `tolerances` overrides these) ---
export { DEFAULT_TOLERANCES, WALK_TOLERANCES, POLYTOPE_TOLERANCES, JACOBIAN_GRID_TOLERANCE } from './geometry/predicates.js';
export type { Tolerances, WalkTolerances, PolytopeTolerances } from './geometry/predicates.js';

// --- evaluation ---
export { forward, forwardBatch, forwardWithCode } from './network/forward.js';

// --- readers and writers ---
export {
  readNetworkJson,
  writeNetworkJson,
  networkToJsonString,
  NETWORK_JSON_FORMAT,
  NETWORK_JSON_LAYER_TYPES,
} from './io/network-json.js';
export { readOnnx, onnxExternalDataFiles, SUPPORTED_ONNX_OPS } from './io/onnx.js';
export type { ReadOnnxOptions } from './io/onnx.js';
export { writeOnnx } from './io/onnx-export.js';
export type { OnnxExportOptions } from './io/onnx-export.js';
export { readNpy, readNpz, writeNpy, writeNpz } from './io/npy.js';
export type { NpyArray, NpyWriteDtype } from './io/npy.js';
export { readIdx, idxImages, idxLabels } from './io/idx.js';
export type { IdxArray, IdxImages } from './io/idx.js';
export { readCifarBatch, CIFAR10_CLASSES, CIFAR_IMAGE_BYTES } from './io/cifar.js';
export type { CifarBatch } from './io/cifar.js';
export { normalizeImages, channelStats, MNIST_STATS, CIFAR10_STATS } from './io/normalize.js';
export type { NormalizeOptions, ChannelStats } from './io/normalize.js';

// --- local affine maps, activation codes and regions ---
export { affineMapAt, affineMapOfCode, jacobianForward, jacobianReverse } from './spline/affine.js';
export type { AffineMap, LocalAffine, JacobianMode } from './spline/affine.js';
export { ActivationCode, activationCode, codeKey, codeOffsets, hammingDistance } from './spline/code.js';
export { regionAt } from './spline/region.js';
export type { Region, RegionRow } from './spline/region.js';

// --- coefficient matrices over datasets (dissertation §6–7): batched exact maps, shards, analyses ---
export { affineMapsBatch, releaseSharedJacobians, sharedJacobians } from './coefficients/batch.js';
export type { AffineBatch, AffineBatchBuffers } from './coefficients/batch.js';
export {
  COEFFICIENTS_FORMAT,
  npyHeader,
  parseCoefficientManifest,
  planCoefficientShards,
  readCoefficientSet,
} from './coefficients/manifest.js';
export type { CoefficientManifest, CoefficientSet, CoefficientShard } from './coefficients/manifest.js';
export { compressionAccuracy, distinctRows, kMeans, nearestCentre } from './coefficients/compress.js';
export type { CoefficientData, CompressionResult, KMeansResult } from './coefficients/compress.js';
export {
  closestTriple,
  compareCrossSection,
  gridCodes,
  gridPoint,
  jacobianGrid,
  MAX_TRIPLE_POINTS,
  JACOBIAN_MAP_BUDGET,
} from './coefficients/cross-section.js';
export type { ClosestTriple, CrossSectionComparison, ExactRegions, GridCodes, JacobianGrid } from './coefficients/cross-section.js';
export { symmetricEigen } from './coefficients/eigen.js';
export type { SymmetricEigen } from './coefficients/eigen.js';
export { activeSubspace, gradientActiveSubspace, gradientCovariance } from './coefficients/sensitivity.js';
export type { ActiveSubspace, GradientSpectrum } from './coefficients/sensitivity.js';
export {
  SIMILARITY_RIDGE,
  coefficientMatrix,
  leastSquaresMap,
  leastSquaresSource,
  linearCka,
  networkSimilarity,
} from './coefficients/similarity.js';
export type { LeastSquaresSource, SimilarityInput, SimilarityResult } from './coefficients/similarity.js';

// --- 2-D slices and 1-D lines ---
export { slicePlane, planeThrough, planeFromDirections, inputPlane, anchorBox } from './regions/slice.js';
export { MlpSliceWorkspace, sliceMlpPlane, sliceMlpFlat, partitionMlp } from './regions/slice-mlp.js';
export type { FlatMlpSlice, MlpPartition, MlpSliceOptions } from './regions/slice-mlp.js';
export type { Plane, Box2, SliceOptions, SliceResult, SliceRegion, SliceSummary } from './regions/slice.js';
export type { PartitionOptions, PartitionProgress } from './regions/engine.js';
export { partitionLine, partitionLineAsync } from './regions/line.js';
export type { LineResult, LinePiece, LineOptions } from './regions/line.js';
export { validateSlice, validateLine } from './regions/validate.js';
export { resolutionProblem } from './regions/resolution.js';
export type { ValidationReport } from './regions/validate.js';
export { polygonArea, polygonCentroid } from './geometry/cells.js';
export type { Polygon } from './geometry/cells.js';

// --- full-dimensional regions: enumeration, walk, sampling ---
export { enumeratePolytopes, polytopeDomain, regionInDomain, validatePolytopes } from './polytopes/enumerate.js';
export { regionCountBounds } from './regions/bounds.js';
export type { RegionCountBounds } from './regions/bounds.js';
export type { EnumerateOptions, PolytopeEnumeration, PolytopeRegion, PolytopeProgress, PolytopeDomain } from './polytopes/enumerate.js';
export { walkRegions } from './polytopes/walk.js';
export type { WalkOptions, WalkResult, WalkRegion, WalkCertificates } from './polytopes/walk.js';
export { hitAndRun, regionInBox, estimateFacets } from './polytopes/sample.js';
export type { HPolytope, HitAndRunOptions } from './polytopes/sample.js';
export { subspacePolytopes, subspaceThrough, subspaceRegionAt, subspaceConstraintName } from './polytopes/subspace.js';
export type { SubspaceOptions, SubspaceRegion, SubspaceEnumeration } from './polytopes/subspace.js';
export { subspaceShapeStudy } from './polytopes/subspace-study.js';
export type { SubspaceShapeStats } from './polytopes/subspace-study.js';

// --- truncation ---
export { truncate, makeTruncation, lift, liftWeight, truncationForm, truncationForward, checkTruncation } from './truncation/truncation.js';
export type { Truncation, TruncationForm, TruncationCheck, TruncationLayerCheck } from './truncation/truncation.js';
export { coneTruncation, interpolatingNetwork, simplexClassifier, sequentialSeparability } from './truncation/constructions.js';
export type { InterpolatingNetwork, LabelledData, SeparabilityResult, SeparationStep } from './truncation/constructions.js';
export { truncationCones, coneProjection, truncateByCones, negativeSectorSeparation } from './truncation/cones.js';
export type { TruncationCones, NegativeSectorSeparation } from './truncation/cones.js';
export { slsFamily, slsFamilyMember } from './truncation/sls-family.js';
export type { SlsFamily, SlsFamilyMember, SlsParameter, SlsRange } from './truncation/sls-family.js';
export { costDecomposition } from './truncation/cost.js';
export type { CostDecomposition } from './truncation/cost.js';

// --- tropical forms ---
export { tropicalForm, evalTropical, evalMaxAffine, formatMaxAffine, splineOperator, applySplineOperator } from './spline/tropical.js';
export type { TropicalForm, TropicalRational, MaxAffine, TropicalOptions, SplineOperator } from './spline/tropical.js';

// --- lens: spline codes over data ---
export {
  splineCodes,
  codeHamming,
  codeJaccard,
  boundaryDensity,
  densityStudy,
  clusterInputs,
  layerNorms,
  regionNorms,
} from './lens/lens.js';
export type { SplineCodes, BoundaryDensity, DensityStudy, ClusterResult, ClusterFeatures } from './lens/lens.js';
export { crossLayerPurity } from './lens/cross-layer.js';
export type { CrossLayerPurity, GroupingScore } from './lens/cross-layer.js';

// --- frames ---
export {
  frameFromLayer,
  frameFromNetwork,
  frameFromRows,
  randomFrame,
  icosahedronFrame,
  mercedesBenzFrame,
  tetrahedronFrame,
} from './frames/frame.js';
export type { Frame } from './frames/frame.js';
export { checkFrame, isOmnidirectional } from './frames/checks.js';
export type { FrameCheck } from './frames/checks.js';
export { framePolytope, facetContaining, facetLists, facetVertices } from './frames/polytope.js';
export type { FramePolytope, FramePolytopeOptions } from './frames/polytope.js';
export { monteCarloBias, polytopeBiasEstimate, biasThreshold, layerAlpha, neighbourUnionValue } from './frames/bias.js';
export type { MonteCarloBias, MonteCarloOptions, BiasEstimate, BiasOptions, BiasDomain, DataBall } from './frames/bias.js';
export { exactInjectivity, sampledInjectivity } from './frames/injectivity.js';
export type {
  ExactInjectivity,
  ExactInjectivityOptions,
  SampledInjectivity,
  SampledInjectivityOptions,
  InjectivityDomain,
  InjectivityCounterexample,
} from './frames/injectivity.js';
export { reconstructionStudy, reconstructViaFacets, facetDualFrames, frameRelu } from './frames/reconstruct.js';
export type {
  ReconstructionStudy,
  ReconstructionStudyOptions,
  Reconstruction,
  ReconstructOptions,
  FacetDuals,
  FrameActivation,
} from './frames/reconstruct.js';

// --- training ---
export { TrainableNetwork } from './train/model.js';
export type { TrainableNetworkOptions, InputTransform } from './train/model.js';
export { train, evaluate } from './train/trainer.js';
export type { TrainOptions, TrainResult, TrainProgress, TrainSnapshot, EpochReport, Evaluation } from './train/trainer.js';
export { architectureLayers, NAMED_ARCHITECTURES } from './train/architectures.js';
export type { ArchitectureOptions } from './train/architectures.js';
export { layerNodes } from './train/architectures.js';
export type { LayerSpec } from './train/architectures.js';
export { createOptimizer, OPTIMIZER_NAMES } from './train/optimizers.js';
export type { Optimizer, OptimizerName, OptimizerOptions, SgdOptions, AdamOptions } from './train/optimizers.js';
export { lossAndGradient, LOSS_NAMES } from './train/losses.js';
export type { LossName } from './train/losses.js';
export { INIT_NAMES } from './train/init.js';
export { BatchedMlp, trainBatched, batchedLossAndGradient, booleanTrainingData } from './train/batched.js';
export type { BatchedMlpShape, BatchedData, BatchedPrecision, BatchedTrainOptions, BatchedTrainResult } from './train/batched.js';
export { booleanSuccessSweep, parityTruthTable, randomTruthTable } from './studies/boolean-success.js';
export type {
  TruthTable,
  BooleanSuccessOptions,
  BooleanSuccessParams,
  BooleanSuccessCell,
  BooleanSuccessShape,
  BooleanSuccessMerged,
} from './studies/boolean-success.js';
export { booleanHighnSweep, highnFunctions, xorParityTable, trainHighnCell, highnRandomSeed } from './studies/boolean-highn.js';
export type {
  HighnClass,
  HighnFunction,
  HighnFunctionRow,
  HighnDimRow,
  HighnShapeRow,
  BooleanHighnOptions,
  BooleanHighnParams,
  BooleanHighnCell,
  BooleanHighnMerged,
} from './studies/boolean-highn.js';
export { runSweepLocally } from './studies/run-local.js';
export { parity1dStudy, toySteadyStates, toyGradient, toyLoss, xorLossAndGradient, lossClass } from './studies/parity1d.js';
export type { Parity1dOptions, Parity1dResult, Parity1dMinimum, ToySteadyState, XorParams } from './studies/parity1d.js';
export { widePrune, deepPrune, subnetworkCurves, parityData } from './studies/pruning.js';
export type { PruneTraining, WidePruneResult, DeepPruneResult, PlainNet } from './studies/pruning.js';
export { hypersphereSweep, HYPERSPHERE_THRESHOLDS } from './studies/hypersphere-sweep.js';
export type { HypersphereSweepOptions, HypersphereShardParams, HypersphereSweepMerged } from './studies/hypersphere-sweep.js';
export type { LocalSweepOptions } from './studies/run-local.js';
export type { InitName } from './train/init.js';
export {
  toyDataset,
  imageDataset,
  xorCorners,
  xorData,
  xorCircle,
  sineData,
  circleAnnulus,
  hypersphereShell,
  TOY_DATASETS,
} from './train/datasets.js';
export type {
  Dataset,
  Task,
  ToyDatasetName,
  ToyDatasetOptions,
  ImageDatasetOptions,
  XorCircleOptions,
  SineOptions,
  PlaygroundOptions,
  HypersphereOptions,
} from './train/datasets.js';

// --- random numbers and random networks ---
// Boolean functions (seed ch. 3; docs/boolean.md) and minimal hypersphere networks (ch. 4)
export { parseTruthTable, booleanInputs, tableFrom, parityTable, MAX_BOOLEAN_INPUTS } from './boolean/truth.js';
export { npnCanonical, npnCanonicalizer, npnClasses, npnRepresentatives, npnClassCount } from './boolean/npn.js';
export type { NpnClasses } from './boolean/npn.js';
export { npnTables, npnCanonicalFast, npnClassRepresentatives } from './boolean/npn-fast.js';
export type { NpnTables } from './boolean/npn-fast.js';
export { walshFourier, fourierStats, walshFourierWide, fourierStatsWide, MAX_WIDE_BOOLEAN_INPUTS } from './boolean/fourier.js';
export type { FourierStats } from './boolean/fourier.js';
export { swapsChambers, swapsValue, swapsDocumented, swapsBruteForce, projectionChanges } from './boolean/swaps.js';
export type { SwapsChambers, SwapsResult } from './boolean/swaps.js';
export {
  shallowNetwork,
  widthTwoNetwork,
  sawtoothNetwork,
  parityNetwork,
  checkConstruction,
  binaryProjection,
  lineSignChanges,
} from './boolean/construct.js';
export type { BooleanDomain, ConstructOptions, ConstructionCheck } from './boolean/construct.js';
export { minimalNetwork, minimalRadii, minimalRatioFormula, randomDotProducts, simplexVertices } from './minimal/hypersphere.js';
export type { MinimalConstruction, MinimalNet, MinimalRadii } from './minimal/hypersphere.js';

export { mulberry32, seededRandom, gaussian, normalSample, uniformSample, shuffleInPlace } from './random.js';
export type { Random } from './random.js';
export { randomMlp } from './reference/random.js';
