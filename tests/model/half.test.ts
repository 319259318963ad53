import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src-main/engine/backend';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { addToFrozen, frozenMatMul, frozenMatMulT, fromHalfBits, gatherColumns, HalfMatrix, packHalves, toHalfBits } from '../../src-main/model/half';
import { LoraAdapter } from '../../src-main/model/lora';
import { matMul } from '../../src-main/model/matmul';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * Frozen weights stored as float16 (model/half.ts): the conversion on the CPU, bit
 * for bit; on webgpu the kernels that read the packed pairs against tfjs's float32
 * ops on the same (rounded) values, and the model's memory and merge with them.
 */
describe('float16 conversion', () => {
  it('rounds to nearest even, with subnormals, overflow and NaN as a GPU does', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65_504, 0x7bff],
      // Halfway between 65,504 and 65,536 (infinity): the even one.
      [65_520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [3e-8, 0x0001],
      // Exactly half the smallest subnormal rounds to 0 (even), just above it to 2^-24.
      [2 ** -25, 0x0000],
      [2 ** -25 * 1.0001, 0x0001],
      [1e-8, 0x0000],
      // Ties between 1 and its neighbours: to even.
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      // A mantissa carry into the exponent: 2047/1024 rounds up to 2.
      [2 - 2 ** -12, 0x4000],
    ];
    for (const [value, bits] of cases) expect(toHalfBits(value), `${value}`).toBe(bits);
    expect(toHalfBits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN)))).toBe(true);
    // Normal values keep 11 significant bits.
    for (const [value] of cases) if (Math.abs(value) >= 2 ** -14 && Math.abs(value) <= 65_504) expect(Math.abs(fromHalfBits(toHalfBits(value)) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11);
  });

  it('packs pairs as toHalfBits rounds each value, its fast path included, low half first', () => {
    // Both sides of the fast path's bounds (2^-14 and the 65,520 tie) and random magnitudes from 1e-9 to 1e6.
    const edges = [2 ** -14, 2 ** -14 * (1 - 2 ** -24), 65_504, 65_519.996, 65_520, 65_536, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 - 2 ** -12, 0, -0, Infinity, NaN];
    const data = new Float32Array(2_016);
    data.set(edges.flatMap((v) => [v, -v]));
    for (let i = 2 * edges.length; i < data.length; i++) data[i] = (i % 2 ? -1 : 1) * 10 ** (-9 + 15 * ((i * 0.618) % 1));
    const packed = packHalves(data, 2, data.length / 2);
    for (let i = 0; i < packed.length; i++) {
      expect(packed[i] & 0xffff, `${data[2 * i]}`).toBe(toHalfBits(data[2 * i]));
      expect(packed[i] >>> 16, `${data[2 * i + 1]}`).toBe(toHalfBits(data[2 * i + 1]));
    }
    expect(() => packHalves(new Float32Array(6), 2, 3)).toThrow('3 columns is odd');
  });

  it('stores every bfloat16 value of float16 normal size exactly (real checkpoints lose nothing)', () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    let normal = 0;
    let inexact = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      u32[0] = bits << 16;
      const value = f32[0];
      if (!Number.isFinite(value) || Math.abs(value) < 2 ** -14 || Math.abs(value) > 65_504) continue;
      normal += 1;
      if (fromHalfBits(toHalfBits(value)) !== value) inexact += 1;
    }
    expect(normal).toBe(2 * 30 * 128);
    expect(inexact).toBe(0);
  });
});

describe.skipIf(!webgpuAdapter)('float16 frozen weights on webgpu', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('webgpu');
    dir = mkdtempSync(join(tmpdir(), 'sqlora-half-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** max |a - b| / max |b|, read at once. */
  async function relError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
    const [diff, size] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))]);
    const out = (await diff.data())[0] / (await size.data())[0];
    tf.dispose([diff, size]);
    return out;
  }

  const random = (shape: [number, number], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D;

  it('multiply like tfjs does with the rounded values: x W, its input gradient and dy W^T, tiled and split over K', async () => {
    // Edges of the 64 x 64 tiles and the 16-deep K tile; 1, 3 and 16 rows take the
    // one-word-per-thread split over K; a long reduction on one tile splits the tiled
    // kernel (x W at 64 x 8,192 x 64 in 8 slices, dy W^T at 40 x 64 x 5,000 in 4, the
    // last one short).
    const shapes = [
      [1, 64, 128],
      [3, 130, 66],
      [16, 1152, 256],
      [17, 100, 202],
      [200, 96, 330],
      [8, 2000, 64],
      [64, 8192, 64],
      [40, 64, 5000],
    ] as const;
    for (const [M, K, N] of shapes) {
      const data = (await random([K, N], 1).data()) as Float32Array;
      const w = HalfMatrix.fromFloat32(data, K, N);
      const rounded = tf.tensor2d(await w.toFloat32(), [K, N]);
      const x = random([M, K], 2);
      const dy = random([M, N], 3);
      const y = frozenMatMul(x, w);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(frozenMatMul(t as tf.Tensor2D, w), dy)))(x);
      const dyWt = frozenMatMulT(dy, w);
      const want = tf.matMul(x, rounded);
      // The engine's matMul: tfjs's own is wrong for a transposed B at 40 x 64 x 5,000 (webgpu-matmul.test.ts).
      const wantDx = matMul(dy, rounded, false, true);
      expect(y.shape).toEqual([M, N]);
      expect(await relError(y, want), `x W at ${M}x${K}x${N}`).toBeLessThan(1e-5);
      expect(await relError(dx, wantDx), `gradient at ${M}x${K}x${N}`).toBeLessThan(1e-5);
      expect(await relError(dyWt, wantDx), `dy W^T at ${M}x${K}x${N}`).toBeLessThan(1e-5);
      // The rounding itself: float16 keeps 11 significant bits.
      expect(await relError(rounded, tf.tensor2d(data, [K, N]))).toBeLessThan(2 ** -10);
      tf.dispose([rounded, x, dy, y, dx, dyWt, want, wantDx]);
      w.dispose();
    }
  }, 120_000);

  it('gathers a shard’s columns as scaled rows (zero outside it) and merges a delta', async () => {
    const [K, N] = [40, 26];
    const w = HalfMatrix.fromFloat32((await random([K, N], 4).data()) as Float32Array, K, N);
    const values = await w.toFloat32();
    // Token ids of a shard starting at 100: 100 and 125 are its ends, 99 and 126 outside.
    const got = (await gatherColumns(w, tf.tensor1d([100, 125, 99, 126, 110], 'int32'), 100, 3).data()) as Float32Array;
    [0, 25, -1, -1, 10].forEach((column, row) => {
      for (let k = 0; k < K; k++) expect(got[row * K + k]).toBe(column < 0 ? 0 : values[k * N + column] * 3);
    });
    const delta = tf.mul(random([K, N], 5), 0.01) as tf.Tensor2D;
    const merged = addToFrozen(w, delta) as HalfMatrix;
    const deltaValues = await delta.data();
    const mergedValues = await merged.toFloat32();
    for (let i = 0; i < values.length; i++) expect(mergedValues[i]).toBe(fromHalfBits(toHalfBits(values[i] + deltaValues[i])));
    tf.dispose([delta]);
    w.dispose();
    merged.dispose();
  });

  it('hold a model’s matrices in half the bytes, and merge/unmerge an adapter back to the same bits', async () => {
    const modelDir = join(dir, 'model');
    writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 5);
    const bytes = (build: () => Gemma3Model) => {
      const before = tf.memory().numBytes;
      const model = build();
      return { model, bytes: tf.memory().numBytes - before };
    };
    process.env.SQLORA_WEIGHTS = 'float32';
    const full = bytes(() => Gemma3Model.load(modelDir));
    delete process.env.SQLORA_WEIGHTS;
    const half = bytes(() => Gemma3Model.load(modelDir));
    expect(full.model.halfWeights).toBe(false);
    expect(half.model.halfWeights).toBe(true);
    // Everything but the norms (float32 in both) is halved.
    const norms = 4 * half.model.layers.reduce((sum, l) => sum + Object.values(l.norms).reduce((n, t) => n + t.size, 0), half.model.finalNorm.size);
    expect(half.bytes - norms).toBe((full.bytes - norms) / 2);

    const adapter = LoraAdapter.create(half.model.config, { r: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'] }, 6);
    for (const v of adapter.variables()) v.assign(tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 7), 0.05));
    const q = half.model.layers[1].proj.q_proj as HalfMatrix;
    const before = await q.packed.data();
    const tensors = tf.memory().numTensors;
    adapter.merge(half.model);
    const mergedQ = half.model.layers[1].proj.q_proj as HalfMatrix;
    expect(mergedQ).not.toBe(q);
    expect(Array.from(await mergedQ.packed.data())).not.toEqual(Array.from(before));
    adapter.unmerge(half.model);
    expect(half.model.layers[1].proj.q_proj).toBe(q);
    expect(Array.from(await q.packed.data())).toEqual(Array.from(before));
    expect(tf.memory().numTensors).toBe(tensors);
    adapter.dispose();
    full.model.dispose();
    half.model.dispose();
  }, 60_000);
});
