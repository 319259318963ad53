import * as tf from '@tensorflow/tfjs-core';
import { sumAll } from './grad';

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
  private m: tf.Variable[];
  private v: tf.Variable[];

  constructor(private readonly params: tf.Variable[]) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  apply(grads: tf.Tensor[], { lr, weightDecay, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }: AdamWOptions): void {
    this.step += 1;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        const decayed = tf.mul(p, 1 - lr * weightDecay);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      });
    });
  }

  /** Moments and step count, for checkpoints. */
  async state(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const read = (ts: tf.Variable[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  restore(state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
    if (state.m.length !== this.m.length) throw new Error(`optimizer state has ${state.m.length} tensors, the adapter ${this.m.length}`);
    this.step = state.step;
    tf.tidy(() => {
      this.m.forEach((t, i) => t.assign(tf.tensor(state.m[i], t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(state.v[i], t.shape)));
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Global L2 norm of the gradients and the factor that clips it to maxNorm (torch's 1e-6 guard). */
export async function clipFactor(grads: tf.Tensor[], maxNorm: number): Promise<{ norm: number; factor: number }> {
  const squares = tf.tidy(() => sumAll(grads.map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt((await squares.data())[0]);
  squares.dispose();
  return { norm, factor: Math.min(1, maxNorm / (norm + 1e-6)) };
}
