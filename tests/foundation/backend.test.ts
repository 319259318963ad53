import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';

/**
 * tfjs-core registers no gradients; the umbrella @tensorflow/tfjs does. The engine got
 * them only because probing the optional tfjs-node loads the umbrella package - where
 * tfjs-node is absent (or in a bundle that leaves it out) training failed with
 * "gradient function not found for Multiply". Importing the engine's backend module,
 * before any probe, must be enough. First in its own file: a probe (the next test's, or
 * another file's) would hide it.
 */
describe('gradients', () => {
  it('are registered by the engine itself, before any backend probe', () => {
    for (const kernel of ['Multiply', 'BatchMatMul', 'Add', 'Sub', 'Exp', 'Sum', 'Max', 'Sqrt', 'Rsqrt', 'Tanh', 'Reshape', 'Transpose', 'Slice', 'Concat', 'GatherV2']) {
      expect(tf.getGradient(kernel), kernel).toBeDefined();
    }
  });
});

describe('a backend asked for by name', () => {
  it('that cannot run here fails with its name and the reason, not a silent fallback', async () => {
    const { probes } = await initBackend('auto');
    const unusable = probes.find((p) => !p.available);
    if (!unusable) return console.warn('[backend] every backend is usable here: nothing to refuse');
    await expect(initBackend(unusable.name)).rejects.toThrow(`The ${unusable.name} backend cannot be used here: ${unusable.detail}`);
  });
});
