import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { AdamW } from '../../src-main/model/adamw';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { LoraAdapter, transposeData } from '../../src-main/model/lora';
import { lossAndGrads, makeBatch } from '../../src-main/model/lora-training';
import { SafetensorsFile } from '../../src-main/model/safetensors';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * The engine against transformers 5.17 + PEFT 0.21 (float32, CPU) on the tiny
 * Gemma 3 fixture: 7 layers with a full-attention layer among sliding ones, GQA,
 * window 6, randomised norms, right padding. On webgpu too where Dawn finds an
 * adapter (lavapipe on a CPU box, so CI checks the path a Mac's Metal runs).
 */
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe.skipIf(!haveFixtures).each(['wasm', 'cpu', ...(webgpuAdapter ? (['webgpu'] as const) : [])] as const)('Gemma 3 + LoRA parity with transformers/PEFT on %s', (backend) => {
  let model: Gemma3Model;
  let ref: SafetensorsFile;
  let reference: { base_loss: number; lora_loss: number; greedy_ids: number[]; greedy_prompt_len: number };
  let rows: { ids: number[][]; mask: number[][]; labels: number[][] };

  beforeAll(async () => {
    await initBackend(backend);
    const dir = fixture('gemma3-tiny', 'model');
    model = Gemma3Model.load(dir);
    ref = new SafetensorsFile(fixture('gemma3-tiny', 'reference.safetensors'));
    reference = JSON.parse(readFileSync(fixture('gemma3-tiny', 'reference.json'), 'utf8'));
    const split = (key: string) => {
      const { shape, data } = ref.readInt(key);
      return Array.from({ length: shape[0] }, (_, b) => Array.from(data.subarray(b * shape[1], (b + 1) * shape[1])));
    };
    rows = { ids: split('input_ids'), mask: split('attention_mask'), labels: split('labels') };
  });
  afterAll(() => {
    model?.dispose();
    ref?.close();
  });

  const examples = () => rows.ids.map((ids, b) => {
    const len = rows.mask[b].reduce((a, v) => a + v, 0);
    return { inputIds: ids.slice(0, len), labels: rows.labels[b].slice(0, len) };
  });

  it('base hidden states and logits agree within 1e-4', async () => {
    const out = model.forward(rows.ids, rows.mask);
    expect(maxAbs(await out.hidden[1].data(), ref.readFloat32('base_hidden_layer1').data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbs(await out.last.data(), ref.readFloat32('base_hidden_last').data)).toBeLessThanOrEqual(1e-4);
    const logits = model.logits(out.last);
    expect(maxAbs(await logits.data(), ref.readFloat32('base_logits').data)).toBeLessThanOrEqual(1e-4);
    tf.dispose([...out.hidden, out.last, logits]);
  });

  it('base loss (labels shifted, prompt and padding ignored) agrees within 1e-5', async () => {
    const r = await lossAndGrads(model, null, makeBatch(examples(), 0), { withGrad: false });
    expect(r.tokens).toBe(12 + 7 - 2 + 2);
    expect(Math.abs(r.lossSum / r.tokens - reference.base_loss)).toBeLessThanOrEqual(1e-5);
  });

  it('the PEFT adapter loads and gives lora_logits within 1e-4 and lora_loss within 1e-5', async () => {
    const adapter = LoraAdapter.load(fixture('gemma3-tiny', 'adapter'), model.config);
    const out = model.forward(rows.ids, rows.mask, (i) => adapter.forLayer(i), { scale: adapter.scale, dropout: 0, dropoutSeed: 0 });
    const logits = model.logits(out.last);
    expect(maxAbs(await logits.data(), ref.readFloat32('lora_logits').data)).toBeLessThanOrEqual(1e-4);
    const r = await lossAndGrads(model, adapter, makeBatch(examples(), 0), { withGrad: false });
    expect(Math.abs(r.lossSum / r.tokens - reference.lora_loss)).toBeLessThanOrEqual(1e-5);
    tf.dispose([...out.hidden, out.last, logits]);
    adapter.dispose();
  });

  it('merging the adapter into the weights gives the same logits; unmerging restores the base', async () => {
    const adapter = LoraAdapter.load(fixture('gemma3-tiny', 'adapter'), model.config);
    adapter.merge(model);
    const merged = model.forward(rows.ids, rows.mask);
    const logits = model.logits(merged.last);
    expect(maxAbs(await logits.data(), ref.readFloat32('lora_logits').data)).toBeLessThanOrEqual(1e-4);
    adapter.unmerge(model);
    const base = model.forward(rows.ids, rows.mask);
    const baseLogits = model.logits(base.last);
    expect(maxAbs(await baseLogits.data(), ref.readFloat32('base_logits').data)).toBeLessThanOrEqual(1e-4);
    tf.dispose([...merged.hidden, merged.last, logits, ...base.hidden, base.last, baseLogits]);
    adapter.dispose();
  });

  it('gradients of every LoRA A/B agree within 1e-3 x max|grad|, and AdamW matches torch within 1e-5', async () => {
    const adapter = LoraAdapter.load(fixture('gemma3-tiny', 'adapter'), model.config);
    const r = await lossAndGrads(model, adapter, makeBatch(examples(), 0), { withGrad: true });
    expect(Math.abs(r.lossSum / r.tokens - reference.lora_loss)).toBeLessThanOrEqual(1e-5);
    const keys = adapter.variableKeys();
    expect(keys).toHaveLength(7 * 4 * 2);
    const referenceGrads: tf.Tensor[] = [];
    for (const [i, key] of keys.entries()) {
      const name = key.replace('base_model.model.', '');
      const expected = ref.readFloat32(`grad/${name}`);
      const [rows2, cols] = r.grads![i].shape as [number, number];
      const ours = transposeData((await tf.div(r.grads![i], r.tokens).data()) as Float32Array, rows2, cols);
      const scale = Math.max(...expected.data.map(Math.abs));
      expect(maxAbs(ours, expected.data), name).toBeLessThanOrEqual(1e-3 * scale);
      // The optimiser is checked on the reference gradients: on elements whose gradient is
      // ~1e-7, eps=1e-8 turns float32 rounding of the gradient into 1e-5 differences.
      referenceGrads.push(tf.tensor2d(transposeData(expected.data, expected.shape[0], expected.shape[1]), [expected.shape[1], expected.shape[0]]));
    }
    const optimizer = new AdamW(adapter.variables());
    optimizer.apply(referenceGrads, { lr: 1e-2, weightDecay: 0.01 });
    const after = await adapter.peftTensors();
    for (const key of keys) {
      expect(maxAbs(after[key].data, ref.readFloat32(`after_adamw/${key.replace('base_model.model.', '')}`).data), key).toBeLessThanOrEqual(1e-5);
    }
    optimizer.dispose();
    tf.dispose([...r.grads!, ...referenceGrads]);
    adapter.dispose();
  });

  it('greedy generation reproduces transformers token for token (sliding window in the KV cache)', async () => {
    const prompt = reference.greedy_ids.slice(0, reference.greedy_prompt_len);
    const before = tf.memory().numTensors;
    const out = await generate(model, [prompt], { maxNewTokens: 16 });
    expect([...prompt, ...out.tokens[0]]).toEqual(reference.greedy_ids);
    expect(out.finish).toEqual(['length']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('batched generation with left padding gives each row what it gets alone', async () => {
    const prompt = reference.greedy_ids.slice(0, reference.greedy_prompt_len);
    const batched = await generate(model, [prompt.slice(3), prompt], { maxNewTokens: 10 });
    const alone = await generate(model, [prompt.slice(3)], { maxNewTokens: 10 });
    expect(batched.tokens[1]).toEqual(reference.greedy_ids.slice(8, 18));
    expect(batched.tokens[0]).toEqual(alone.tokens[0]);
  });
});
