import * as tf from '@tensorflow/tfjs-core';
import { flatten } from './grad';

/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay applied first,
 * bias-corrected moments, eps added to the corrected sqrt(v)), plus clipping by
 * global norm as torch.nn.utils.clip_grad_norm_.
 */
export interface AdamWOptions {
  lr: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class AdamW {
  step = 0;
  /** The moments of every parameter, flat in `params` order (see `flatten`). */
  private m: tf.Variable;
  private v: tf.Variable;
  private readonly sizes: number[];

  constructor(private readonly params: tf.Variable[]) {
    this.sizes = params.map((p) => p.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
  }

  /** One step; `grad` is every parameter's gradient flattened in `params` order. */
  apply(grad: tf.Tensor1D, { lr, weightDecay, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }: AdamWOptions): void {
    if (grad.size !== this.m.size) throw new Error(`AdamW: a gradient of ${grad.size} values for ${this.m.size} parameters`);
    this.step += 1;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      const decayed = tf.mul(flatten(this.params), 1 - lr * weightDecay);
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(grad, 1 - beta1));
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
      const updated = tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1));
      tf.split(updated, this.sizes).forEach((u, i) => this.params[i].assign(tf.reshape(u, this.params[i].shape)));
      this.m.assign(m);
      this.v.assign(v);
    });
  }

  /** Moments per parameter and the step count, for checkpoints. */
  async state(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const perParam = async (t: tf.Variable) => {
      const all = (await t.data()) as Float32Array;
      let offset = 0;
      return this.sizes.map((n) => all.slice(offset, (offset += n)));
    };
    return { step: this.step, m: await perParam(this.m), v: await perParam(this.v) };
  }

  restore(state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
    if (state.m.length !== this.sizes.length) throw new Error(`optimizer state has ${state.m.length} tensors, the adapter ${this.sizes.length}`);
    const joined = (parts: Float32Array[]) => {
      const all = new Float32Array(this.m.size);
      let offset = 0;
      parts.forEach((part, i) => {
        if (part.length !== this.sizes[i]) throw new Error(`optimizer state tensor ${i} has ${part.length} values, the parameter ${this.sizes[i]}`);
        all.set(part, offset);
        offset += part.length;
      });
      return all;
    };
    const [m, v] = [joined(state.m), joined(state.v)];
    this.step = state.step;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(m));
      this.v.assign(tf.tensor1d(v));
    });
  }

  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}

/**
 * A flat gradient clipped to a global L2 norm of maxNorm, and that norm before
 * clipping, as torch.nn.utils.clip_grad_norm_: the factor min(1, maxNorm / (norm +
 * 1e-6)) multiplies every value, 1 included, so nothing is read back - a GPU never
 * waits on the host here.
 */
export function clipByGlobalNorm(grad: tf.Tensor1D, maxNorm: number): { clipped: tf.Tensor1D; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(grad))) as tf.Scalar;
    const factor = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { clipped: tf.mul(grad, factor) as tf.Tensor1D, norm };
  });
}
