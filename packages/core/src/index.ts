export * from './errors.js';
export * from './network/ir.js';
export * from './network/network.js';
export * from './network/kernels.js';
export * from './network/activation.js';
export * from './network/forward.js';
