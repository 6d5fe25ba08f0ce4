/** Frames, frame polytopes, polytope bias estimation, injectivity and reconstruction of ReLU layers. */
export * from './frame.js';
export * from './polytope.js';
export * from './checks.js';
export * from './bias.js';
export * from './injectivity.js';
export * from './reconstruct.js';
export * from './figures.js';
