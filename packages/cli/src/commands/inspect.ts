import type { Command } from 'commander';
import { isActivation, sizeOf } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { writeFileAtomic } from '../util.js';

/** `polytope inspect MODEL`: layers, shapes, parameter and unit counts. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("list a model's layers, shapes, parameter and unit counts")
    .argument('<model>', 'network JSON or ONNX file')
    .option('--json <path>', 'also write the summary as JSON')
    .action((modelPath: string, opts: { json?: string }) => {
      const net = loadModel(modelPath);
      const layers = net.nodes.map((node, i) => {
        let params = 0;
        if (node.type === 'dense' || node.type === 'conv2d') params = node.weight.length + node.bias.length;
        else if (node.type === 'channel_affine') params = node.scale.length * 2;
        else if (node.type === 'prelu') params = node.slope.length;
        const detail: Record<string, unknown> = {};
        if (node.type === 'conv2d')
          Object.assign(detail, {
            kernel: node.kernel,
            stride: node.stride,
            padding: node.padding,
            dilation: node.dilation,
            groups: node.groups,
          });
        if (node.type === 'maxpool' || node.type === 'avgpool')
          Object.assign(detail, {
            kernel: node.kernel,
            stride: node.stride,
            padding: node.padding,
            ...(node.ceilMode ? { ceil_mode: true } : {}),
          });
        if (node.type === 'concat') detail.axis = node.axis;
        if (node.type === 'add' && node.coefficients) detail.coefficients = node.coefficients;
        if (node.type === 'leaky_relu') detail.alpha = node.alpha;
        if (node.type === 'hardtanh') Object.assign(detail, { min: node.min, max: node.max });
        return {
          index: i,
          type: node.type,
          ...(node.name ? { name: node.name } : {}),
          inputs: node.inputs,
          shape: node.shape,
          params,
          units: isActivation(node) ? sizeOf(node.shape) : 0,
          ...detail,
        };
      });
      const summary = {
        input_shape: net.inputShape,
        output_shape: net.outputShape,
        parameters: net.numParameters,
        activation_units: net.numUnits,
        activation_layers: net.activations.length,
        layers,
      };
      const lines = [`${modelPath}: input [${net.inputShape.join(', ')}] → output [${net.outputShape.join(', ')}]`];
      lines.push(
        `${'#'.padStart(3)}  ${'type'.padEnd(15)}${'shape'.padEnd(16)}${'inputs'.padEnd(10)}${'params'.padStart(9)}${'units'.padStart(8)}`,
      );
      for (const l of layers) {
        lines.push(
          `${String(l.index).padStart(3)}  ${l.type.padEnd(15)}${`[${l.shape.join(', ')}]`.padEnd(16)}${l.inputs.join(',').padEnd(10)}${String(l.params).padStart(9)}${String(l.units).padStart(8)}`,
        );
      }
      lines.push(
        `parameters: ${summary.parameters}, activation units: ${summary.activation_units} in ${summary.activation_layers} layer(s)`,
      );
      process.stdout.write(lines.join('\n') + '\n');
      if (opts.json) writeFileAtomic(opts.json, JSON.stringify(summary, null, 2) + '\n');
    });
}
