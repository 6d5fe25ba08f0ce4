import type { Command } from 'commander';
import { registerFrame } from './frame.js';
import { registerAffine } from './affine.js';
import { registerBench } from './bench.js';
import { registerDemo } from './demo.js';
import { registerInspect } from './inspect.js';
import { registerLine } from './line.js';
import { registerSlice } from './slice.js';
import { registerTrain } from './train.js';
import { registerConstruct, registerTruncate } from './truncate.js';
import { registerTropical } from './tropical.js';
import { registerLens } from './lens.js';
import { registerPolytopes } from './polytopes.js';
import { registerAnimate } from './animate.js';
import { registerReproduce } from './reproduce.js';
import { registerCoefficients } from './coefficients.js';
import { registerJacobianImages } from './jacobian-images.js';
import { registerCompress } from './compress.js';
import { registerSimilarity } from './similarity.js';
import { registerBooleanTrain } from './boolean-train.js';
import { COMMAND_GROUPS, decorateHelp } from './help.js';

/** Registers every command on the program. Add new commands here (and to COMMAND_GROUPS and EXAMPLES in help.ts). */
export function registerAll(program: Command): void {
  registerDemo(program);
  registerFrame(program);
  registerInspect(program);
  registerAffine(program);
  registerLine(program);
  registerSlice(program);
  registerBench(program);
  registerTrain(program);
  registerTruncate(program);
  registerConstruct(program);
  registerTropical(program);
  registerLens(program);
  registerPolytopes(program);
  registerAnimate(program);
  registerReproduce(program);
  registerCoefficients(program);
  registerJacobianImages(program);
  registerCompress(program);
  registerSimilarity(program);
  registerBooleanTrain(program);
  // Commands in their help groups' order.
  const order = COMMAND_GROUPS.flatMap(([, names]) => names);
  const rank = (c: Command) => (order.includes(c.name()) ? order.indexOf(c.name()) : order.length);
  (program.commands as Command[]).sort((a, b) => rank(a) - rank(b));
  decorateHelp(program);
}
