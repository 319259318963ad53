import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backend';
import { geluGate, maskedSoftmax, rmsNorm, ropeHeads } from '../../src-main/model/fused';
import { useWebgpuKernels } from '../../src-main/model/webgpu-program';
import { webgpuAdapter } from '../helpers/webgpu';

/**
 * The fused RMSNorm, GELU gate, rotary embedding and attention softmax of webgpu (model/fused.ts: one WGSL kernel forward,
 * one per input backward) against the same maths written out in tfjs ops and
 * differentiated by tfjs: values and gradients, including shapes whose dispatch tfjs
 * folds into 2-D. On wasm and cpu the model runs those tfjs ops themselves.
 */
const EPS = 1e-6;
const referenceNorm = (x: tf.Tensor, w: tf.Tensor) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), EPS))), w);
const referenceGelu = (g: tf.Tensor, u: tf.Tensor) =>
  tf.mul(tf.mul(tf.mul(g, 0.5), tf.add(tf.tanh(tf.mul(tf.add(g, tf.mul(tf.pow(g, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1)), u);

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

/** max |a - b| / max |b|, read at once. */
async function relError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [diff, size] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))]);
  const out = (await diff.data())[0] / (await size.data())[0];
  tf.dispose([diff, size]);
  return out;
}

/** Value and gradients of sum(f(inputs) * dy) by tfjs autograd, whatever f's gradient is. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], dy: tf.Tensor) {
  const value = f(...inputs);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dy)))(inputs);
  return { value, grads };
}

async function expectNormMatches(shape: number[], bound: number) {
  const cols = shape[shape.length - 1];
  const x = random(shape, 1, 3);
  const w = tf.add(random([cols], 2, 0.5), 1) as tf.Tensor1D;
  const dy = random(shape, 3);
  const fused = valueAndGrads((t) => rmsNorm(t, w, EPS), [x], dy);
  // Pretraining also differentiates the weight.
  const withWeight = valueAndGrads((t, v) => rmsNorm(t, v as tf.Tensor1D, EPS, true), [x, w], dy);
  const reference = valueAndGrads((t, v) => referenceNorm(t, v as tf.Tensor1D), [x, w], dy);
  expect(fused.value.shape).toEqual(shape);
  expect(await relError(fused.value, reference.value)).toBeLessThan(bound);
  expect(await relError(fused.grads[0], reference.grads[0])).toBeLessThan(bound);
  expect(await relError(withWeight.grads[0], reference.grads[0])).toBeLessThan(bound);
  expect(await relError(withWeight.grads[1], reference.grads[1])).toBeLessThan(bound);
  tf.dispose([x, w, dy, fused.value, ...fused.grads, withWeight.value, ...withWeight.grads, reference.value, ...reference.grads]);
}

async function expectGeluMatches(shape: number[], bound: number) {
  // Gate values out to +-24: a naive tanh overflows there.
  const g = random(shape, 4, 8);
  const u = random(shape, 5);
  const dy = random(shape, 6);
  const fused = valueAndGrads((a, b) => geluGate(a as tf.Tensor2D, b as tf.Tensor2D), [g, u], dy);
  const reference = valueAndGrads(referenceGelu, [g, u], dy);
  expect(await relError(fused.value, reference.value)).toBeLessThan(bound);
  expect(await relError(fused.grads[0], reference.grads[0])).toBeLessThan(bound);
  expect(await relError(fused.grads[1], reference.grads[1])).toBeLessThan(bound);
  tf.dispose([g, u, dy, fused.value, ...fused.grads, reference.value, ...reference.grads]);
}

/** transformers' apply_rotary_pos_emb, then heads first: [B, T, n, D] -> [B, n, T, D]. */
const referenceRope = (x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor) => {
  const half = x.shape[3]! / 2;
  const [x1, x2] = tf.split(x, [half, half], -1);
  return tf.transpose(tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin)), [0, 2, 1, 3]);
};

async function expectRopeMatches([B, T, n, D]: [number, number, number, number], bound: number) {
  const x = random([B, T, n, D], 10) as tf.Tensor4D;
  // Tables that differ per row and per half, so a wrong index shows.
  const cos = random([B, T, 1, D], 11) as tf.Tensor4D;
  const sin = random([B, T, 1, D], 12) as tf.Tensor4D;
  const dy = random([B, n, T, D], 13);
  const fused = valueAndGrads((t) => ropeHeads(t as tf.Tensor4D, cos, sin), [x], dy);
  const reference = valueAndGrads((t) => referenceRope(t, cos, sin), [x], dy);
  expect(fused.value.shape).toEqual([B, n, T, D]);
  expect(await relError(fused.value, reference.value)).toBeLessThan(bound);
  expect(await relError(fused.grads[0], reference.grads[0])).toBeLessThan(bound);
  tf.dispose([x, cos, sin, dy, fused.value, ...fused.grads, reference.value, ...reference.grads]);
}

/** A causal mask, -1e9 where masked (as stepInputs builds it), with batch 1's first 2 keys padding and its query 0 seeing nothing. */
function causalMask(B: number, T: number, Tk: number): tf.Tensor4D {
  const m = new Float32Array(B * T * Tk);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let j = 0; j < Tk; j++) m[(b * T + t) * Tk + j] = j <= t + Tk - T && !(b === 1 && (j < 2 || t === 0)) ? 0 : -1e9;
  return tf.tensor4d(m, [B, 1, T, Tk]);
}

async function expectSoftmaxMatches([B, H, T, Tk]: [number, number, number, number], bound: number) {
  const scores = random([B, H, T, Tk], 14, 20) as tf.Tensor4D;
  const mask = causalMask(B, T, Tk);
  const dy = random([B, H, T, Tk], 15);
  const scale = 256 ** -0.5;
  const fused = valueAndGrads((t) => maskedSoftmax(t as tf.Tensor4D, mask, scale), [scores], dy);
  const reference = valueAndGrads((t) => tf.softmax(tf.add(tf.mul(t, scale), mask)), [scores], dy);
  expect(await relError(fused.value, reference.value)).toBeLessThan(bound);
  expect(await relError(fused.grads[0], reference.grads[0])).toBeLessThan(bound);
  tf.dispose([scores, mask, dy, fused.value, ...fused.grads, reference.value, ...reference.grads]);
}

describe.skipIf(!webgpuAdapter)('fused RMSNorm, GELU gate, rotary embedding and attention softmax on webgpu (WGSL kernels)', () => {
  afterAll(() => useWebgpuKernels(true));

  it('match tfjs autograd of the written-out ops, also past 65,535 workgroups', async () => {
    await initBackend('webgpu');
    await expectNormMatches([6, 1152], 1e-5);
    await expectNormMatches([2, 3, 4, 256], 1e-5);
    await expectNormMatches([70_000, 4], 1e-5);
    await expectGeluMatches([7, 300], 1e-5);
    await expectGeluMatches([2100, 2000], 1e-5);
    await expectRopeMatches([2, 5, 3, 8], 1e-5);
    await expectRopeMatches([3, 1, 1, 256], 1e-5);
    await expectRopeMatches([8, 256, 4, 256], 1e-5);
    await expectSoftmaxMatches([2, 4, 5, 7], 1e-5);
    await expectSoftmaxMatches([2, 4, 1, 300], 1e-5);
    await expectSoftmaxMatches([8, 4, 256, 256], 1e-5);
  });

  it('are one dispatch forward and one per input backward, where the tfjs ops are many', async () => {
    await initBackend('webgpu');
    const x = random([16, 256], 7);
    const w = tf.ones([256]) as tf.Tensor1D;
    const g = random([16, 512], 8);
    const u = random([16, 512], 9);
    // GPU programs run (wrapping the backend's entry), and the kernels by name.
    const backend = tf.backend() as unknown as { runWebGPUProgram: (...a: unknown[]) => unknown };
    const run = backend.runWebGPUProgram;
    let programs = 0;
    backend.runWebGPUProgram = (...a: unknown[]) => (programs++, run.apply(backend, a));
    const dispatches = async (f: () => tf.Tensor[]) => {
      programs = 0;
      const profile = await tf.profile(() => {
        tf.dispose(f());
      });
      return { programs, fused: profile.kernels.map((k) => k.name).filter((k) => k.startsWith('Sqlora')) };
    };
    const normStep = () => {
      const dy = tf.onesLike(x);
      return [dy, ...tf.grads((t: tf.Tensor) => tf.mul(rmsNorm(t, w, EPS), dy))([x])];
    };
    const q = random([2, 16, 4, 64], 10) as tf.Tensor4D;
    const table = random([2, 16, 1, 64], 11) as tf.Tensor4D;
    const ropeStep = () => {
      const dy = tf.ones([2, 4, 16, 64]);
      return [dy, ...tf.grads((t: tf.Tensor) => tf.mul(ropeHeads(t as tf.Tensor4D, table, table), dy))([q])];
    };
    const scores = random([2, 4, 16, 16], 12) as tf.Tensor4D;
    const mask = causalMask(2, 16, 16);
    const softmaxStep = () => {
      const dy = tf.onesLike(scores);
      return [dy, ...tf.grads((t: tf.Tensor) => tf.mul(maskedSoftmax(t as tf.Tensor4D, mask, 0.25), dy))([scores])];
    };
    const geluStep = () => {
      const dy = tf.onesLike(g);
      return [dy, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(geluGate(a as tf.Tensor2D, b as tf.Tensor2D), dy))([g, u])];
    };
    // Each: OnesLike, the op, the Multiply by dy and its gradient, the op's backward.
    expect(await dispatches(normStep)).toEqual({ programs: 5, fused: ['SqloraRmsNorm', 'SqloraRmsNormGrad'] });
    expect(await dispatches(geluStep)).toEqual({ programs: 6, fused: ['SqloraGeluGate', 'SqloraGeluGateGrad', 'SqloraGeluGateGrad'] });
    // tf.ones is uploaded, not a program: rope, Multiply, its gradient, rope's backward.
    expect(await dispatches(ropeStep)).toEqual({ programs: 4, fused: ['SqloraRopeHeads', 'SqloraRopeHeadsGrad'] });
    expect(await dispatches(softmaxStep)).toEqual({ programs: 5, fused: ['SqloraMaskedSoftmax', 'SqloraMaskedSoftmaxGrad'] });
    useWebgpuKernels(false);
    const composite = [await dispatches(normStep), await dispatches(geluStep), await dispatches(ropeStep), await dispatches(softmaxStep)];
    useWebgpuKernels(true);
    backend.runWebGPUProgram = run;
    expect(composite.map((c) => c.fused)).toEqual([[], [], [], []]);
    expect(composite[0].programs).toBeGreaterThan(10);
    expect(composite[1].programs).toBeGreaterThan(15);
    expect(composite[2].programs).toBeGreaterThan(10);
    expect(composite[3].programs).toBeGreaterThan(8);
    console.log(
      `[fused] GPU programs for one forward + backward: norm ${composite[0].programs} -> 5, GELU gate ${composite[1].programs} -> 6, rope + transpose ${composite[2].programs} -> 4, scale + mask + softmax ${composite[3].programs} -> 5`,
    );
    tf.dispose([x, w, g, u, q, table, scores, mask]);
  });
});
