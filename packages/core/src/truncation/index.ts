/** Truncation maps, their constructions, and the dense-MLP helpers shared with the tropical and lens modules. */
export * from './mlp.js';
export * from './truncation.js';
export * from './constructions.js';
