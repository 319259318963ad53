import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { AdamW, clipByGlobalNorm } from '../../src-main/model/adamw';
import { flatten } from '../../src-main/model/grad';

/**
 * The optimiser works on every parameter at once, flat: two dozen kernels per step
 * whatever the number of tensors. torch's numbers are checked in parity.test.ts; this
 * holds the flat bookkeeping to the per-tensor formula, checkpoints, and the kernel count.
 */
const shapes = [[3, 4], [5], [2, 2, 2]];
const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7));

/** torch.optim.AdamW on plain numbers, one tensor at a time. */
function referenceAdamW(params: number[][], gradsPerStep: number[][][], lr: number, weightDecay: number): number[][] {
  const m = params.map((p) => p.map(() => 0));
  const v = params.map((p) => p.map(() => 0));
  const out = params.map((p) => [...p]);
  gradsPerStep.forEach((grads, s) => {
    const t = s + 1;
    out.forEach((p, k) =>
      p.forEach((x, i) => {
        const g = grads[k][i];
        m[k][i] = 0.9 * m[k][i] + 0.1 * g;
        v[k][i] = 0.999 * v[k][i] + 0.001 * g * g;
        const update = m[k][i] / (1 - 0.9 ** t) / (Math.sqrt(v[k][i] / (1 - 0.999 ** t)) + 1e-8);
        p[i] = x * (1 - lr * weightDecay) - lr * update;
      }),
    );
  });
  return out;
}

describe('AdamW over flat parameters', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('updates each tensor as torch does one by one, and a checkpointed state continues identically', async () => {
    const start = shapes.map((s, k) => values(s.reduce((a, b) => a * b, 1), k));
    const grads = [1, 2, 3].map((step) => start.map((p, k) => values(p.length, 10 * step + k)));
    const make = () => start.map((p, k) => tf.variable(tf.tensor(p, shapes[k])));
    const params = make();
    const optimizer = new AdamW(params);
    const apply = (o: AdamW, g: number[][]) => {
      const flat = flatten(g.map((x, k) => tf.tensor(x, shapes[k])));
      o.apply(flat, { lr: 0.1, weightDecay: 0.01 });
      flat.dispose();
    };
    apply(optimizer, grads[0]);
    const saved = await optimizer.state();
    expect(saved.step).toBe(1);
    expect(saved.m.map((m) => m.length)).toEqual([12, 5, 8]);
    apply(optimizer, grads[1]);
    apply(optimizer, grads[2]);
    const expected = referenceAdamW(start, grads, 0.1, 0.01);
    params.forEach((p, k) => {
      expect(p.shape).toEqual(shapes[k]);
      Array.from(p.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[k][i], 5));
    });

    // Restored from the state after step 1 into fresh parameters at that point: the same end.
    const resumed = make();
    const first = new AdamW(resumed);
    apply(first, grads[0]);
    first.dispose();
    const again = new AdamW(resumed);
    again.restore(saved);
    apply(again, grads[1]);
    apply(again, grads[2]);
    resumed.forEach((p, k) => expect(Array.from(p.dataSync())).toEqual(Array.from(params[k].dataSync())));
    tf.dispose([...params, ...resumed]);
    optimizer.dispose();
    again.dispose();
  });

  it('refuses optimiser state that does not fit the parameters, naming the tensor', () => {
    const params = shapes.map((s) => tf.variable(tf.zeros(s)));
    const optimizer = new AdamW(params);
    const m = [new Float32Array(12), new Float32Array(4), new Float32Array(8)];
    expect(() => optimizer.restore({ step: 3, m, v: m })).toThrow('optimizer state tensor 1 has 4 values, the parameter 5');
    expect(() => optimizer.restore({ step: 3, m: m.slice(0, 2), v: m.slice(0, 2) })).toThrow('optimizer state has 2 tensors, the adapter 3');
    expect(optimizer.step).toBe(0);
    const wrong = tf.zeros([7]) as tf.Tensor1D;
    expect(() => optimizer.apply(wrong, { lr: 0.1, weightDecay: 0 })).toThrow('a gradient of 7 values for 25 parameters');
    tf.dispose([...params, wrong]);
    optimizer.dispose();
  });

  it('clips to the global norm as torch does, multiplying by 1 under it', async () => {
    const g = tf.tensor1d([3, 4, 0, 12]);
    const big = clipByGlobalNorm(g, 1);
    expect((await big.norm.data())[0]).toBeCloseTo(13, 5);
    Array.from(await big.clipped.data()).forEach((x, i) => expect(x).toBeCloseTo(([3, 4, 0, 12][i] * 1) / (13 + 1e-6), 6));
    const small = clipByGlobalNorm(g, 100);
    expect(Array.from(await small.clipped.data())).toEqual([3, 4, 0, 12]);
    tf.dispose([g, big.clipped, big.norm, small.clipped, small.norm]);
  });

  it("takes 23 kernels for a step of Gemma-3-1b's 208 LoRA tensors, not a dozen per tensor", async () => {
    const params = Array.from({ length: 208 }, (_, i) => tf.variable(tf.zeros(i % 2 ? [16, 8] : [8, 16])));
    const optimizer = new AdamW(params);
    const grad = tf.ones([208 * 128]) as tf.Tensor1D;
    const profile = await tf.profile(() => {
      const { clipped, norm } = clipByGlobalNorm(grad, 1);
      optimizer.apply(clipped, { lr: 0.1, weightDecay: 0.01 });
      tf.dispose([clipped, norm]);
    });
    // Reshapes are free (no data moves); the rest is the element-wise work, one concat and one split.
    const work = profile.kernels.filter((k) => k.name !== 'Reshape').map((k) => k.name);
    expect(work.length).toBeLessThanOrEqual(24);
    expect(work.filter((n) => n === 'Concat' || n === 'SplitV')).toEqual(['Concat', 'SplitV']);
    expect(params[0].shape).toEqual([8, 16]);
    expect(params[1].shape).toEqual([16, 8]);
    tf.dispose([...params, grad]);
    optimizer.dispose();
  });
});
