import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { loadGemma3Config } from '../../src-main/model/config';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { LoraAdapter } from '../../src-main/model/lora';
import { LoraStepModel } from '../../src-main/model/lora-training';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { ModelWeights } from '../../src-main/model/weights';

/**
 * A device whose largest buffer is smaller than the embedding (real Gemma 3 on many
 * GPUs) gets it split by vocabulary. Forced here with SQLORA_MAX_TENSOR_BYTES on a
 * model with Gemma's full 262,144-token vocabulary (33.5 MB at hidden 32) and a
 * 12 MiB limit: three shards. Everything the engine does must match the unsplit model.
 */
const dir = mkdtempSync(join(tmpdir(), 'sqlora-shard-'));
const LIMIT = 12 * 2 ** 20;
let whole: Gemma3Model;
let split: Gemma3Model;

const load = (limit: number | null): Gemma3Model => {
  if (limit === null) delete process.env.SQLORA_MAX_TENSOR_BYTES;
  else process.env.SQLORA_MAX_TENSOR_BYTES = String(limit);
  try {
    const weights = new ModelWeights(dir, loadGemma3Config(dir));
    try {
      return Gemma3Model.fromWeights(weights);
    } finally {
      weights.close();
    }
  } finally {
    delete process.env.SQLORA_MAX_TENSOR_BYTES;
  }
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

beforeAll(async () => {
  await initBackend('wasm');
  writeTinyGemma3(dir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 3);
  whole = load(null);
  split = load(LIMIT);
}, 60_000);
afterAll(() => {
  whole?.dispose();
  split?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// Token ids in every shard, including both ends of the vocabulary and the shard edges.
const ids = [2, 17, 87_381, 87_382, 87_383, 174_763, 174_764, 262_143];

describe('embedding split by vocabulary for device limits', () => {
  it('splits the 262,144 x 32 embedding into shards within the limit, covering every token once', () => {
    expect(whole.embedShards.length).toBe(1);
    expect(split.embedShards.length).toBe(3);
    expect(split.embedShards.map((s) => s.shape[1])).toEqual([87_382, 87_382, 87_380]);
    expect(split.vocabStarts).toEqual([0, 87_382, 174_764]);
    for (const s of split.embedShards) expect(s.size * 4).toBeLessThanOrEqual(LIMIT);
    // Writing the model back gives the file's matrix exactly.
    const a = whole.toHuggingFace()['model.embed_tokens.weight'];
    const b = split.toHuggingFace()['model.embed_tokens.weight'];
    expect(b.shape).toEqual(a.shape);
    expect(close(a.data, b.data)).toBe(0);
  });

  it('looks tokens up and computes logits as the unsplit model does', () => {
    const x = tf.tensor2d([ids], undefined, 'int32');
    const [ea, eb] = [whole.embedTokens(x), split.embedTokens(x)];
    expect(close(ea.dataSync(), eb.dataSync())).toBe(0);
    const [la, lb] = [whole.logits(whole.finalHidden(ea)), split.logits(split.finalHidden(eb))];
    expect(lb.shape).toEqual([ids.length, 262_144]);
    expect(close(la.dataSync(), lb.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, ea, eb, la, lb]);
  });

  it('gives the same LoRA loss, gradient norm and updated adapter, and the same greedy generation', async () => {
    const lora = { r: 4, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'] as const };
    const batch = [
      { inputIds: [2, ...ids], labels: [-100, -100, ...ids.slice(1)] },
      { inputIds: [2, 262_143, 5, 174_764, 87_381], labels: [-100, 262_143, 5, 174_764, 87_381] },
    ];
    const results = [];
    for (const model of [whole, split]) {
      const adapter = LoraAdapter.create(model.config, { ...lora, targets: [...lora.targets] }, 9);
      const step = new LoraStepModel(model, adapter, { baseModel: null, chunkRows: 3 });
      const { lossSum, tokens } = await step.accumulate(batch, 1);
      const { gradNorm } = await step.step({ tokens, lr: 1e-2, weightDecay: 0, maxGradNorm: 1e9 });
      const after = await step.evalLoss(batch, 2);
      results.push({ lossSum, tokens, gradNorm, after });
      step.dispose();
      adapter.dispose();
    }
    const [a, b] = results;
    expect(b.tokens).toBe(a.tokens);
    expect(Math.abs(b.lossSum - a.lossSum) / a.lossSum).toBeLessThan(1e-5);
    expect(Math.abs(b.gradNorm - a.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
    expect(a.after).not.toBeCloseTo(a.lossSum / a.tokens, 3);
    expect(Math.abs(b.after - a.after)).toBeLessThan(1e-5);

    const options = { maxNewTokens: 6, stopTokenIds: [1] };
    expect(generate(split, [[2, 17, 87_383], [2, 262_143]], options).tokens).toEqual(generate(whole, [[2, 17, 87_383], [2, 262_143]], options).tokens);
  }, 60_000);

  it('keeps tensor count and bytes flat across training steps, evaluation and generation after the first step (no leak), split or not', async () => {
    for (const model of [whole, split]) {
      const adapter = LoraAdapter.create(model.config, { r: 4, alpha: 16, dropout: 0.1, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, 4);
      const step = new LoraStepModel(model, adapter, { baseModel: null, chunkRows: 4 });
      const batch = [{ inputIds: [2, ...ids], labels: [-100, -100, ...ids.slice(1)] }];
      const once = async (position: number) => {
        const { tokens } = await step.accumulate(batch, position);
        await step.step({ tokens, lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1 });
      };
      await once(1);
      const { numTensors, numBytes } = tf.memory();
      for (let p = 2; p <= 4; p++) await once(p);
      expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([numTensors, numBytes]);
      await step.evalLoss(batch, 1);
      generate(model, [[2, 17]], { maxNewTokens: 3 });
      expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([numTensors, numBytes]);
      step.dispose();
      adapter.dispose();
    }
  }, 60_000);

  it('refuses a device where not even one token row fits, naming the tensor and the limit', () => {
    expect(() => load(64)).toThrow(/embed_tokens\.weight \[262144 x 32\] needs 32\.0 MiB in one tensor, above this device's limit of 0\.0 MiB; even one token row does not fit/);
  });
});
