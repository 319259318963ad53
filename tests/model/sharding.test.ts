import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { LoraAdapter } from '../../src-main/model/lora';
import { LoraStepModel } from '../../src-main/model/lora-training';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { ModelWeights } from '../../src-main/model/weights';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { adapterFor, expectSameEngine, loadWithLimit, maxDiff, values } from '../helpers/same-engine';

/**
 * A device whose largest buffer is smaller than the embedding (real Gemma 3 on many
 * GPUs) gets it split by vocabulary. Forced here with SQLORA_MAX_TENSOR_BYTES: on a
 * model with Gemma's full 262,144-token vocabulary (33.5 MB at hidden 32) a 12 MiB
 * limit gives three uneven shards, and the transformers fixture is split in three too.
 * Everything the engine computes must match the unsplit model.
 */
const dir = mkdtempSync(join(tmpdir(), 'sqlora-shard-'));
const LIMIT = 12 * 2 ** 20;
let whole: Gemma3Model;
let split: Gemma3Model;

beforeAll(async () => {
  await initBackend('wasm');
  writeTinyGemma3(dir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 3);
  whole = loadWithLimit(dir, null);
  split = loadWithLimit(dir, LIMIT);
}, 60_000);
afterAll(() => {
  whole?.dispose();
  split?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// Token ids in every shard, including both ends of the vocabulary and the shard edges.
const ids = [2, 17, 87_381, 87_382, 87_383, 174_763, 174_764, 262_143];

describe('embedding split by vocabulary for device limits', () => {
  it('splits the 262,144 x 32 embedding into shards within the limit, covering every token once', async () => {
    expect(whole.embedShards.length).toBe(1);
    expect(split.embedShards.length).toBe(3);
    expect(split.embedShards.map((s) => s.shape[1])).toEqual([87_382, 87_382, 87_380]);
    expect(split.vocabStarts).toEqual([0, 87_382, 174_764]);
    for (const s of split.embedShards) expect(s.shape[0] * s.shape[1] * 4).toBeLessThanOrEqual(LIMIT);
    // Writing the model back gives the file's matrix exactly.
    const a = (await whole.toHuggingFace())['model.embed_tokens.weight'];
    const b = (await split.toHuggingFace())['model.embed_tokens.weight'];
    expect(b.shape).toEqual(a.shape);
    expect(maxDiff(a.data, b.data)).toBe(0);
  });

  it('reads each shard from its own rows of the file, never the whole embedding', () => {
    const read = vi.spyOn(ModelWeights.prototype, 'read');
    try {
      loadWithLimit(dir, LIMIT).dispose();
      const embedding = read.mock.calls.filter(([name]) => name === 'embed_tokens.weight');
      expect(embedding.map(([, rows]) => rows)).toEqual([
        { start: 0, count: 87_382 },
        { start: 87_382, count: 87_382 },
        { start: 174_764, count: 87_380 },
      ]);
    } finally {
      read.mockRestore();
    }
  });

  it('looks tokens up as the unsplit model does', async () => {
    const x = tf.tensor2d([ids], undefined, 'int32');
    const [ea, eb] = [whole.embedTokens(x), split.embedTokens(x)];
    expect(maxDiff(await values(ea), await values(eb))).toBe(0);
    tf.dispose([x, ea, eb]);
  });

  it('gives the same logits, loss, LoRA gradients, step, evaluation loss and generation as the unsplit model', async () => {
    const examples = [
      { inputIds: [2, ...ids], labels: [-100, -100, ...ids.slice(1)] },
      { inputIds: [2, 262_143, 5, 174_764, 87_381], labels: [-100, 262_143, 5, 174_764, 87_381] },
    ];
    await expectSameEngine([whole, split], adapterFor, examples, [[2, 17, 87_383], [2, 262_143]], false);
  }, 120_000);

  it('keeps every tensor of a training step, an evaluation and generation within the limit', async () => {
    // 78 labelled positions: one 256-row chunk of logits from the widest shard would be 27 MB.
    const long = Array.from({ length: 40 }, (_, t) => ids[t % ids.length]);
    const examples = [long, long.slice(1)].map((x) => ({ inputIds: x, labels: x }));
    const adapter = adapterFor(split);
    const step = new LoraStepModel(split, adapter, { baseModel: null });
    const profile = await tf.profile(async () => {
      const { tokens } = await step.accumulate(examples, 1);
      await step.step({ tokens, lr: 1e-3, weightDecay: 0, maxGradNorm: 1 });
      await step.evalLoss(examples, 2);
      await generate(split, [[2, 17], [2, 262_143]], { maxNewTokens: 2 });
    });
    const largest = Math.max(...profile.kernels.flatMap((k) => k.outputShapes.map((s) => s.reduce((a, b) => a * b, 4))));
    expect(largest).toBeGreaterThan(LIMIT / 2);
    expect(largest).toBeLessThanOrEqual(LIMIT);
    step.dispose();
    adapter.dispose();
  }, 120_000);

  it('keeps tensor count and bytes flat across training steps, evaluation and generation after the first step (no leak), split or not', async () => {
    for (const model of [whole, split]) {
      const adapter = LoraAdapter.create(model.config, { r: 4, alpha: 16, dropout: 0.1, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, 4);
      const step = new LoraStepModel(model, adapter, { baseModel: null, chunkRows: 4 });
      const batch = [{ inputIds: [2, ...ids], labels: [-100, -100, ...ids.slice(1)] }];
      const once = async (position: number) => {
        const { tokens } = await step.accumulate(batch, position);
        await step.step({ tokens, lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1 });
        expect(await step.readStats()).toHaveLength(1);
      };
      await once(1);
      const { numTensors, numBytes } = tf.memory();
      for (let p = 2; p <= 4; p++) await once(p);
      expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([numTensors, numBytes]);
      await step.evalLoss(batch, 1);
      await generate(model, [[2, 17]], { maxNewTokens: 3 });
      expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([numTensors, numBytes]);
      step.dispose();
      adapter.dispose();
    }
  }, 60_000);

  it('refuses, before uploading anything, a device where not even one token row fits, naming the tensor and the limit', () => {
    const before = tf.memory().numTensors;
    expect(() => loadWithLimit(dir, 64)).toThrow("embed_tokens.weight [262144 x 32] needs 32.0 MiB in one tensor, above this device's limit of 64 B; even one token row does not fit.");
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses, before uploading anything, any other weight larger than the limit', () => {
    const before = tf.memory().numTensors;
    expect(() => loadWithLimit(dir, 4096)).toThrow(
      "layers.0.mlp.gate_proj.weight [64 x 32] needs 8.0 KiB in one tensor, above this device's limit of 4.0 KiB; only the embedding and LM head can be split (by vocabulary).",
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!haveFixtures)('the transformers fixture split in three', () => {
  const from = fixture('gemma3-tiny', 'model');
  let models: [Gemma3Model, Gemma3Model];
  beforeAll(() => {
    // 384 x 64 floats in shards of at most 175 rows; gate/up/down_proj (40 KiB each) still fit.
    models = [loadWithLimit(from, null), loadWithLimit(from, 45_000)];
  });
  afterAll(() => models?.forEach((m) => m.dispose()));

  it('matches the unsplit model and transformers', async () => {
    const [, splitFixture] = models;
    expect(splitFixture.embedShards.map((s) => s.shape[1])).toEqual([128, 128, 128]);
    const reference = JSON.parse(readFileSync(fixture('gemma3-tiny', 'reference.json'), 'utf8')) as { greedy_ids: number[]; greedy_prompt_len: number };
    const prompt = reference.greedy_ids.slice(0, reference.greedy_prompt_len);
    expect([...prompt, ...(await generate(splitFixture, [prompt], { maxNewTokens: 16 })).tokens[0]]).toEqual(reference.greedy_ids);

    const examples = [
      { inputIds: [2, 40, 383, 128, 127, 255, 256, 9], labels: [-100, -100, 383, 128, 127, 255, 256, 9] },
      { inputIds: [2, 300, 1, 129], labels: [-100, 300, 1, 129] },
    ];
    await expectSameEngine(models, (m) => LoraAdapter.load(fixture('gemma3-tiny', 'adapter'), m.config), examples, [prompt, prompt.slice(2)], true);
  }, 60_000);
});
