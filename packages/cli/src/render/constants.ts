/* eslint-disable no-restricted-syntax -- this module is where the CLI names its figure/report thresholds; each is documented below. */
/**
 * The CLI's named numeric constants: figure and tick tolerances, report clean-up thresholds and
 * study hyper-parameters. The engine's geometric tolerances live in
 * packages/core/src/geometry/predicates.ts; these only shape what the CLI draws and prints, so a
 * change here never changes a region, a polytope or a bound.
 */

/**
 * Relative slack when snapping to ticks: a step ratio of 1.9999999 picks 2 (not 5), a tick at
 * `lo − 1e-9·step` still counts as inside [lo, hi], and `log10(0.001)` = −2.9999999 still gives 3
 * decimals.
 */
export const TICK_SNAP = 1e-9;

/** Relative width below which a line figure's y range counts as flat and is widened around it. */
export const DEGENERATE_SPAN = 1e-12;

/** Absolute spread of bar values below which the bar chart's axis is widened (frame bias bars). */
export const FLAT_BARS_SPAN = 1e-9;

/** Values below this in magnitude print as "0" in figure labels. */
export const LABEL_ZERO = 1e-12;

/**
 * Slack, relative to the box span on each axis, for an anchor on the box edge to still be drawn
 * in a slice figure.
 */
export const ANCHOR_IN_BOX_REL = 1e-9;

/**
 * Smallest ⟨normal, point⟩ for the ray through a point to count as meeting a facet's plane in
 * front of the origin (frame polytope figure); below it the hit marker is not drawn.
 */
export const RAY_HITS_FACET = 1e-12;

/** Magnitudes below this print as 0 in JSON reports (cleans denormal noise such as 1e-310). */
export const REPORT_ZERO = 1e-300;

/**
 * Relative difference below which two neighbouring 1-D pieces have the same affine map, so that
 * they count as one linear region in the animation's frame metadata.
 */
export const SAME_MAP_REL = 1e-12;

/** Smallest half-width of an animation's input view (a single point still gets a visible box). */
export const MIN_VIEW_SPAN = 1e-6;

/** Smallest half-range of the dual (slope, intercept) panel, so an all-zero map still has axes. */
export const MIN_DUAL_RANGE = 1e-3;

/** Slack of the PBE certification check (layer α ≤ estimate α + slack), to absorb rounding. */
export const CERTIFY_SLACK = 1e-12;

/** Smallest elapsed time in seconds used as a divisor for rates (a timer can read 0). */
export const MIN_SECONDS = 1e-9;

/** Weight decays compared by the polytopes study (a hyper-parameter grid, not a tolerance). */
export const STUDY_WEIGHT_DECAYS: readonly number[] = [0, 1e-3, 1e-2];
