import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../../src-main/engine/backend';

/**
 * tfjs-core registers no gradients; the umbrella @tensorflow/tfjs does. The engine got
 * them only because probing the optional tfjs-node loads the umbrella package - where
 * tfjs-node is absent (or in a bundle that leaves it out) training failed with
 * "gradient function not found for Multiply". Importing the engine's backend module,
 * before any probe, must be enough. Its own file: another test's probe would hide it.
 */
describe('gradients', () => {
  it('are registered by the engine itself, before any backend probe', () => {
    for (const kernel of ['Multiply', 'BatchMatMul', 'Add', 'Sub', 'Exp', 'Sum', 'Max', 'Sqrt', 'Rsqrt', 'Tanh', 'Reshape', 'Transpose', 'Slice', 'Concat', 'GatherV2']) {
      expect(tf.getGradient(kernel), kernel).toBeDefined();
    }
  });
});
