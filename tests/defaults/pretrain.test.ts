import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { pretrain, trainableWindows } from '../../src-main/defaults/pretrain';
import { parseGemma3Config } from '../../src-main/model/config';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { lossAndGrads, makeBatch } from '../../src-main/model/lora-training';
import { gemma3ConfigJson } from '../../src-main/model/tiny-model';
import { seededRandom } from '../../src-main/train/batching';

/**
 * Pretraining counts only answer tokens. A toy corpus: documents of random prompt
 * tokens followed by a fixed answer. Trained on answers alone, the model learns the
 * answer and nothing about the prompts.
 */
const V = 48;
const ANSWER = [40, 41, 42, 43];

function toyCorpus(documents: number) {
  const random = seededRandom(5);
  const stream: number[] = [];
  const mask: number[] = [];
  const docStarts: number[] = [];
  const docs: { ids: number[]; answerMask: number[] }[] = [];
  for (let d = 0; d < documents; d++) {
    const prompt = [2, ...Array.from({ length: 8 }, () => 6 + Math.floor(random() * 30))];
    const doc = { ids: [...prompt, ...ANSWER, 1], answerMask: [...prompt.map(() => 0), 1, 1, 1, 1, 0] };
    docs.push(doc);
    docStarts.push(stream.length);
    stream.push(...doc.ids);
    mask.push(...doc.answerMask);
  }
  return { docs, corpus: { stream: Int32Array.from(stream), docStarts: Int32Array.from(docStarts), answerMask: Uint8Array.from(mask) } };
}

async function meanLoss(model: Gemma3Model, docs: { ids: number[]; answerMask: number[] }[], answers: boolean): Promise<number> {
  const examples = docs.map((d) => ({ inputIds: d.ids, labels: d.ids.map((id, i) => (i > 0 && Boolean(d.answerMask[i]) === answers ? id : -100)) }));
  const r = await lossAndGrads(model, null, makeBatch(examples, 0), { withGrad: false });
  return r.lossSum / r.tokens;
}

describe('pretrain', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('only starts windows that hold an answer token', async () => {
    const corpus = { stream: Int32Array.from([2, 7, 8, 9, 1, 2, 7, 8, 9, 1, 2, 7]), docStarts: Int32Array.from([0, 5, 10]), answerMask: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]) };
    expect(Array.from(trainableWindows(corpus, 4))).toEqual([0]);
    await expect(pretrain({} as Gemma3Model, { ...corpus, answerMask: new Uint8Array(12) }, { steps: 1, batchSize: 1, seqLen: 4, learningRate: 1e-3, warmupRatio: 0, weightDecay: 0, seed: 1 })).rejects.toThrow(/no window of 5 tokens holding an answer/);
  });

  it('starts the embedding at its own std and every other matrix at 0.02', async () => {
    const shape = { hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 64 };
    const model = Gemma3Model.withRandomWeights(parseGemma3Config(gemma3ConfigJson(shape, { vocabSize: 512, eosTokenIds: [1] })), 3, true, 0.1);
    const std = async (t: { data(): Promise<ArrayLike<number>> }) => {
      const d = Array.from(await t.data());
      return Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
    };
    expect(await std(model.embedT)).toBeCloseTo(0.1, 2);
    expect(await std(model.variables().find((v) => v.size === 32 * 64)!)).toBeCloseTo(0.02, 2);
    model.dispose();
  });

  it('learns the answers and leaves the prompts untrained', async () => {
    const { docs, corpus } = toyCorpus(60);
    const shape = { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 64 };
    const model = Gemma3Model.withRandomWeights(parseGemma3Config(gemma3ConfigJson(shape, { vocabSize: V, eosTokenIds: [1] })), 3, true);
    const probe = docs.slice(0, 8);
    const before = { answers: await meanLoss(model, probe, true), prompts: await meanLoss(model, probe, false) };
    const logs: number[] = [];
    await pretrain(model, corpus, { steps: 40, batchSize: 4, seqLen: 26, learningRate: 1e-2, warmupRatio: 0.1, weightDecay: 0, seed: 1, logEvery: 10, onLog: (l) => void logs.push(l.loss) });
    const after = { answers: await meanLoss(model, probe, true), prompts: await meanLoss(model, probe, false) };
    expect(logs.length).toBe(4);
    expect(after.answers).toBeLessThan(0.3);
    expect(before.answers).toBeGreaterThan(3);
    // Trained on prompts too, it would move towards ln 30 = 3.4 on their random tokens; answers alone pull it away from them.
    expect(after.prompts).toBeGreaterThan(before.prompts + 1);
    model.dispose();
  });

  it("splits the embedding's one-hot gradient to fit the device, with the same result", async () => {
    // A device whose largest tensor is the largest weight (8 KiB): the [104 x 48] one-hot of a
    // 4 x 26 batch goes in 3 chunks of at most 42 rows (on a GPU at 32 x 384 tokens it was 192 MiB, over the limit).
    const shape = { hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 64 };
    const build = (limit: number | null) => {
      if (limit) process.env.SQLORA_MAX_TENSOR_BYTES = String(limit);
      try {
        return Gemma3Model.withRandomWeights(parseGemma3Config(gemma3ConfigJson(shape, { vocabSize: V, eosTokenIds: [1] })), 3, true);
      } finally {
        delete process.env.SQLORA_MAX_TENSOR_BYTES;
      }
    };
    const whole = build(null);
    const split = build(8192);
    expect(split.tensorLimit).toBe(8192);
    const { corpus } = toyCorpus(20);
    const options = { steps: 3, batchSize: 4, seqLen: 26, learningRate: 1e-2, warmupRatio: 0, weightDecay: 0, seed: 1 };
    await pretrain(whole, corpus, options);
    const profile = await tf.profile(async () => void (await pretrain(split, corpus, options)));
    const oneHots = profile.kernels.filter((k) => k.name === 'OneHot').map((k) => k.outputShapes[0].reduce((n, d) => n * d, 4));
    // Per step: 3 chunks of the embedding's gradient and the loss's one-hot of the answer targets.
    expect(oneHots).toHaveLength(3 * 4);
    expect(Math.max(...oneHots)).toBeLessThanOrEqual(8192);
    const [a, b] = [whole.variables(), split.variables()];
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [await a[i].data(), await b[i].data()];
      let worst = 0;
      for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]));
      expect(worst, a[i].name).toBeLessThan(1e-5);
    }
    whole.dispose();
    split.dispose();
  });
});
