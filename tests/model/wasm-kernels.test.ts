import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { matMul } from '../../src-main/model/matmul';
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
});
