import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { LoraAdapter } from '../../src-main/model/lora';
import { lossAndGrads, LoraStepModel, makeBatch } from '../../src-main/model/lora-training';
import type { EncodedExample } from '../../src-main/train/trainer';

/**
 * Two models that must compute the same thing - one whole, one with its embedding split
 * by vocabulary for a device limit (`SQLORA_MAX_TENSOR_BYTES`) - compared through
 * everything the engine does. Used on wasm (sharding.test.ts) and on webgpu.
 */
/** The model in `from`, its tensors capped at `limit` bytes (null: the device's own limit) - split by vocabulary where needed. */
export const loadWithLimit = (from: string, limit: number | null): Gemma3Model => {
  if (limit === null) delete process.env.SQLORA_MAX_TENSOR_BYTES;
  else process.env.SQLORA_MAX_TENSOR_BYTES = String(limit);
  try {
    return Gemma3Model.load(from);
  } finally {
    delete process.env.SQLORA_MAX_TENSOR_BYTES;
  }
};
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};
/** A tensor's values, read asynchronously (webgpu has no synchronous read in Node). */
export const values = async (t: tf.Tensor) => (await t.data()) as Float32Array;

/** A LoRA adapter with every factor non-zero (a fresh one has B = 0: no effect, no gradient for A). */
export function adapterFor(model: Gemma3Model): LoraAdapter {
  const adapter = LoraAdapter.create(model.config, { r: 4, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'] }, 9);
  adapter.variables().forEach((v, i) => v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.05, 'float32', 100 + i))));
  return adapter;
}

/**
 * Forward logits through every layer, loss, every LoRA gradient, one optimiser step
 * and the evaluation loss after it, greedy generation and (`sample`) sampled
 * generation: the same on both models. Sampling is compared only where the
 * distribution is not near-uniform: over 262,144 random-weight tokens, logits equal
 * within 1e-7 still reorder the nucleus and pick another token.
 */
export async function expectSameEngine(models: [Gemma3Model, Gemma3Model], makeAdapter: (m: Gemma3Model) => LoraAdapter, examples: EncodedExample[], prompts: number[][], sample: boolean) {
  const adapters = models.map(makeAdapter);
  const lora = (i: number) => ({ layers: (l: number) => adapters[i].forLayer(l), options: { scale: adapters[i].scale, dropout: 0, dropoutSeed: 0 } });
  const batch = makeBatch(examples, 0);

  const logits = models.map((m, i) => tf.tidy(() => m.logits(m.forward(batch.ids, batch.attentionMask, lora(i).layers, lora(i).options).last)));
  expect(logits[1].shape).toEqual([batch.ids.length * batch.ids[0].length, models[0].config.vocabSize]);
  expect(maxDiff(await values(logits[0]), await values(logits[1]))).toBeLessThanOrEqual(1e-5);
  tf.dispose(logits);

  const [a, b] = await Promise.all(models.map((m, i) => lossAndGrads(m, adapters[i], batch, { withGrad: true, chunkRows: 3 })));
  expect(b.tokens).toBe(a.tokens);
  expect(Math.abs(b.lossSum - a.lossSum) / a.tokens).toBeLessThanOrEqual(1e-5);
  expect(b.grads!.length).toBe(a.grads!.length);
  let largest = 0;
  for (const [k, g] of a.grads!.entries()) {
    const [ga, gb] = [await values(g), await values(b.grads![k])].map((d) => d.map((v) => v / a.tokens));
    largest = Math.max(largest, ...ga.map(Math.abs));
    expect(maxDiff(ga, gb)).toBeLessThanOrEqual(1e-5);
  }
  // The gradients compared are not all zero.
  expect(largest).toBeGreaterThan(1e-3);
  tf.dispose([...a.grads!, ...b.grads!]);

  const after: number[] = [];
  for (const [i, model] of models.entries()) {
    const step = new LoraStepModel(model, adapters[i], { baseModel: null, chunkRows: 3 });
    const { tokens } = await step.accumulate(examples, 1);
    await step.step({ tokens, lr: 1e-2, weightDecay: 0, maxGradNorm: 1 });
    after.push(await step.evalLoss(examples, 2));
    step.dispose();
  }
  expect(Math.abs(after[0] - a.lossSum / a.tokens)).toBeGreaterThan(1e-4);
  expect(Math.abs(after[1] - after[0])).toBeLessThanOrEqual(1e-5);

  for (const options of [{ maxNewTokens: 6 }, ...(sample ? [{ maxNewTokens: 6, temperature: 0.9, topP: 0.95, seed: 3 }] : [])]) {
    const [ga, gb] = await Promise.all(models.map(async (m, i) => (await generate(m, prompts, options, lora(i).layers, lora(i).options)).tokens));
    expect(gb).toEqual(ga);
  }
  adapters.forEach((x) => x.dispose());
}

