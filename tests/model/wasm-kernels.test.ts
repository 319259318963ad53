import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { matMul } from '../../src-main/model/matmul';
import { promptIds } from '../../src-main/model/prompt';
import { ChatTokenizer } from '../../src-main/model/tokenizer';
import { seededRandom } from '../../src-main/train/batching';

const values = (n: number, seed: number) => {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
};

describe('wasm kernels replaced for speed', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('slices contiguous parts (the batch split) and strided parts exactly', () => {
    const data = values(16 * 64 * 48, 1);
    const x = tf.tensor3d(data, [16, 64, 48]);
    for (const i of [0, 7, 15]) {
      const part = tf.slice(x, [i, 0, 0], [1, -1, -1]);
      expect(part.shape).toEqual([1, 64, 48]);
      expect(Array.from(part.dataSync())).toEqual(Array.from(data.subarray(i * 64 * 48, (i + 1) * 64 * 48)));
      part.dispose();
    }
    const rows = tf.slice(x, [3, 10, 0], [1, 5, -1]);
    expect(Array.from(rows.dataSync())).toEqual(Array.from(data.subarray((3 * 64 + 10) * 48, (3 * 64 + 15) * 48)));
    const strided = tf.slice(x, [2, 1, 5], [2, 3, 4]);
    const expected: number[] = [];
    for (let a = 2; a < 4; a++) for (let b = 1; b < 4; b++) for (let c = 5; c < 9; c++) expected.push(data[(a * 64 + b) * 48 + c]);
    expect(Array.from(strided.dataSync())).toEqual(expected);
    tf.dispose([x, rows, strided]);
  });

  it('multiplies a batch of matrices (split into 2-D products) as the definition says', () => {
    const [n, r, k, c] = [16, 20, 8, 12];
    const a = values(n * r * k, 2);
    const b = values(n * k * c, 3);
    const product = matMul(tf.tensor3d(a, [n, r, k]), tf.tensor3d(b, [n, c, k]), false, true);
    const got = product.dataSync();
    for (const [m, i, j] of [[0, 0, 0], [9, 13, 5], [15, 19, 11]]) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a[(m * r + i) * k + t] * b[(m * c + j) * k + t];
      expect(got[(m * r + i) * c + j]).toBeCloseTo(sum, 5);
    }
    product.dispose();
  });

  it('generates for 64 long prompts at once (a prefill that used to run wasm out of memory), as in batches of 16, and leaks no tensors', async () => {
    const modelDir = resolve(import.meta.dirname, '../../resources/models/sqlora-tiny-gemma3');
    const model = Gemma3Model.load(modelDir);
    const tokenizer = ChatTokenizer.load(modelDir);
    const rows = readFileSync(resolve(import.meta.dirname, '../../resources/datasets/default/test.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    // The 64 longest prompts of the test split, in their order there.
    const everyPrompt = rows.map((r) => promptIds(tokenizer, r.sql_prompt, r.sql_context));
    const cut = everyPrompt.map((p) => p.length).sort((a, b) => b - a)[63];
    const prompts = everyPrompt.filter((p) => p.length >= cut).slice(0, 64);
    expect(Math.max(...prompts.map((p) => p.length))).toBeGreaterThan(500);
    const before = tf.memory().numTensors;
    const all = await generate(model, prompts, { maxNewTokens: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const chunked: number[][] = [];
    for (const i of [0, 16, 32, 48]) chunked.push(...(await generate(model, prompts.slice(i, i + 16), { maxNewTokens: 2 })).tokens);
    expect(all.tokens.map((t) => t[0])).toEqual(chunked.map((t) => t[0]));
    model.dispose();
  }, 120_000);
});
