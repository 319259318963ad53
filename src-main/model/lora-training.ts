import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodedExample, StepModel } from '../train/trainer';
import { AdamW, clipByGlobalNorm } from './adamw';
import type { Gemma3Model, LayerLora, LoraOptions } from './gemma3';
import type { Projection } from './weights';
import { disposeInputs } from './gemma3';
import { LoraAdapter } from './lora';
import { flatten, selectRows } from './grad';
import { throwIfDeviceFailed } from './device-limits';
import { chunkedCrossEntropySum } from './loss';
import { SafetensorsFile, writeSafetensors } from './safetensors';

/**
 * LoRA training on a Gemma 3 model, behind the training loop's StepModel
 * interface. Memory stays bounded by recomputing each layer in the backward pass
 * (only layer inputs are kept) and by the chunked LM-head loss; only the LoRA
 * factors get gradients.
 */

export interface Batch {
  ids: number[][];
  attentionMask: number[][];
  /** Flat [B*T] row index of each position that predicts a label, and that label. */
  rows: Int32Array;
  targets: Int32Array;
}

/** Right-pad a batch and shift labels as transformers does (position t predicts labels[t + 1]). */
export function makeBatch(examples: EncodedExample[], padTokenId: number): Batch {
  const T = Math.max(...examples.map((e) => e.inputIds.length));
  const rows: number[] = [];
  const targets: number[] = [];
  const ids = examples.map((e, b) => {
    for (let t = 0; t + 1 < e.labels.length; t++) {
      if (e.labels[t + 1] !== -100) {
        rows.push(b * T + t);
        targets.push(e.labels[t + 1]);
      }
    }
    return [...e.inputIds, ...new Array<number>(T - e.inputIds.length).fill(padTokenId)];
  });
  const attentionMask = examples.map((e) => Array.from({ length: T }, (_, t) => (t < e.inputIds.length ? 1 : 0)));
  return { ids, attentionMask, rows: Int32Array.from(rows), targets: Int32Array.from(targets) };
}

export interface LossOptions {
  /** Gradients for the LoRA factors (training); dropout is active only then. */
  withGrad: boolean;
  dropoutSeed?: number;
  /** Rows of logits per LM-head chunk. */
  chunkRows?: number;
}

/**
 * Sum of token losses over a batch, and d(sum)/d(every LoRA variable) when asked, all
 * left on the device: the loss is a scalar tensor the caller owns, so a training step
 * queues its forward and backward without waiting for the host. `grads` follows
 * `adapter.variables()` order, in the transposed (engine) layout.
 */
export function deviceLossAndGrads(model: Gemma3Model, adapter: LoraAdapter | null, batch: Batch, options: LossOptions): { loss: tf.Scalar; tokens: number; grads: tf.Tensor[] | null } {
  const tokens = batch.targets.length;
  if (tokens === 0) return { loss: tf.scalar(0), tokens: 0, grads: options.withGrad && adapter ? adapter.variables().map((v) => tf.zerosLike(v)) : null };
  const inputs = model.fullSequenceInputs(batch.attentionMask);
  const ids = tf.tensor2d(batch.ids, undefined, 'int32');
  const rows = tf.tensor1d(batch.rows, 'int32');
  const loraOptions: LoraOptions | null = adapter ? { scale: adapter.scale, dropout: options.withGrad ? adapter.spec.dropout : 0, dropoutSeed: options.dropoutSeed ?? 0 } : null;
  const lossOptions = { softcap: model.config.finalLogitSoftcapping, chunkRows: options.chunkRows ?? 256, maxTensorBytes: model.tensorLimit };

  const layerLora = (i: number) => adapter?.forLayer(i) ?? null;
  const head = (x: tf.Tensor) => chunkedCrossEntropySum(selectRows(model.finalHidden(x as tf.Tensor2D), rows), model.lmHeadShards, batch.targets, lossOptions);

  const layerInputs: tf.Tensor2D[] = [];
  try {
    if (!options.withGrad || !adapter) {
      const loss = tf.tidy(() => {
        let x = model.embedTokens(ids);
        for (let i = 0; i < model.config.numLayers; i++) x = model.layer(x, i, inputs, layerLora(i), loraOptions).y;
        return head(x);
      });
      return { loss, tokens, grads: null };
    }

    // Activation checkpointing by hand: a forward pass without a tape keeps only
    // each layer's input; the backward pass then walks the layers from the top,
    // recomputing one layer at a time under tf.grads with the incoming gradient.
    layerInputs.push(model.embedTokens(ids));
    for (let i = 0; i < model.config.numLayers; i++) layerInputs.push(tf.tidy(() => model.layer(layerInputs[i], i, inputs, layerLora(i), loraOptions).y));
    const { value: loss, grads: headGrads } = tf.valueAndGrads(head)([layerInputs[model.config.numLayers]]);

    const gradsByKey = new Map<string, tf.Tensor>();
    const lowest = Math.min(...adapter.spec.layers);
    let dx = headGrads[0];
    for (let i = model.config.numLayers - 1; i >= lowest; i--) {
      const pairs = layerLora(i);
      const names = pairs ? (Object.keys(pairs) as Projection[]) : [];
      const factors = names.flatMap((n) => [pairs![n]!.aT, pairs![n]!.bT]);
      const recompute = (x: tf.Tensor, ...fs: tf.Tensor[]) => {
        const lora: LayerLora = Object.fromEntries(names.map((n, j) => [n, { aT: fs[2 * j] as tf.Tensor2D, bT: fs[2 * j + 1] as tf.Tensor2D }]));
        return model.layer(x as tf.Tensor2D, i, inputs, names.length ? lora : null, loraOptions).y;
      };
      const g = tf.grads(recompute)([layerInputs[i], ...factors], dx);
      names.forEach((n, j) => {
        gradsByKey.set(`${i}.${n}.A`, g[1 + 2 * j]);
        gradsByKey.set(`${i}.${n}.B`, g[2 + 2 * j]);
      });
      dx.dispose();
      dx = g[0];
    }
    dx.dispose();
    const grads = [...adapter.pairs.keys()].flatMap((k) => [gradsByKey.get(`${k}.A`)!, gradsByKey.get(`${k}.B`)!]);
    return { loss, tokens, grads };
  } finally {
    disposeInputs(inputs);
    tf.dispose([ids, rows, ...layerInputs]);
  }
}

/** `deviceLossAndGrads` with the loss read back: one host round trip, for evaluation and tests. */
export async function lossAndGrads(model: Gemma3Model, adapter: LoraAdapter | null, batch: Batch, options: LossOptions): Promise<{ lossSum: number; tokens: number; grads: tf.Tensor[] | null }> {
  const { loss, tokens, grads } = deviceLossAndGrads(model, adapter, batch, options);
  const lossSum = await readAndDispose(loss);
  return { lossSum, tokens, grads };
}

/** Reads a scalar and frees it; a GPU error reported meanwhile throws instead of returning garbage. */
async function readAndDispose(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
    throwIfDeviceFailed();
  }
}

/** The engine side of the training loop for one adapter on one base model. */
export class LoraStepModel implements StepModel {
  private optimizer: AdamW;
  /** Gradient sum of the micro-batches since the last step, flat in `adapter.variables()` order. */
  private accumulated: tf.Tensor1D | null = null;
  /** Loss sum of the micro-batches since the last step, on the device. */
  private stepLoss: tf.Scalar | null = null;
  /** [loss sum, gradient norm] of each step `readStats` has not returned yet. */
  private unread: tf.Tensor1D[] = [];

  constructor(
    readonly model: Gemma3Model,
    readonly adapter: LoraAdapter,
    private readonly options: { baseModel: string | null; chunkRows?: number },
  ) {
    this.optimizer = new AdamW(adapter.variables());
  }

  async accumulate(batch: EncodedExample[], position: number) {
    // Let the engine process read pause/cancel messages (and the GPU report errors) between micro-batches.
    await new Promise((resolve) => setImmediate(resolve));
    throwIfDeviceFailed();
    const { loss, tokens, grads } = deviceLossAndGrads(this.model, this.adapter, makeBatch(batch, this.model.config.padTokenId), {
      withGrad: true,
      dropoutSeed: position,
      chunkRows: this.options.chunkRows,
    });
    const flat = flatten(grads!);
    tf.dispose(grads!);
    if (!this.accumulated) {
      this.accumulated = flat;
      this.stepLoss = loss;
    } else {
      const previous = [this.accumulated, this.stepLoss!];
      this.accumulated = tf.add(this.accumulated, flat);
      this.stepLoss = tf.add(this.stepLoss!, loss);
      tf.dispose([...previous, flat, loss]);
    }
    return { tokens };
  }

  async step({ tokens, lr, weightDecay, maxGradNorm }: { tokens: number; lr: number; weightDecay: number; maxGradNorm: number }) {
    if (!this.accumulated || !this.stepLoss) throw new Error('step() before any accumulate()');
    const sum = this.accumulated;
    const loss = this.stepLoss;
    this.accumulated = null;
    this.stepLoss = null;
    const mean = tf.div(sum, Math.max(tokens, 1)) as tf.Tensor1D;
    const { clipped, norm } = clipByGlobalNorm(mean, maxGradNorm);
    this.optimizer.apply(clipped, { lr, weightDecay });
    this.unread.push(tf.tidy(() => tf.stack([loss, norm]) as tf.Tensor1D));
    tf.dispose([sum, mean, clipped, loss, norm]);
  }

  async readStats() {
    if (!this.unread.length) return [];
    const all = tf.concat(this.unread);
    tf.dispose(this.unread);
    this.unread = [];
    try {
      const values = await all.data();
      throwIfDeviceFailed();
      return Array.from({ length: values.length / 2 }, (_, i) => ({ lossSum: values[2 * i], gradNorm: values[2 * i + 1] }));
    } finally {
      all.dispose();
    }
  }

  async evalLoss(examples: EncodedExample[], batchSize: number): Promise<number> {
    // Batches summed on the device, read once.
    let lossSum: tf.Scalar = tf.scalar(0);
    let tokens = 0;
    for (let i = 0; i < examples.length; i += batchSize) {
      const r = deviceLossAndGrads(this.model, this.adapter, makeBatch(examples.slice(i, i + batchSize), this.model.config.padTokenId), { withGrad: false, chunkRows: this.options.chunkRows });
      const previous = lossSum;
      lossSum = tf.add(previous, r.loss);
      tf.dispose([previous, r.loss]);
      tokens += r.tokens;
    }
    const sum = await readAndDispose(lossSum);
    return tokens ? sum / tokens : Number.NaN;
  }

  async save(dir: string, { withOptimizer }: { withOptimizer: boolean }) {
    // Never a checkpoint of weights a failed GPU computed.
    throwIfDeviceFailed();
    await this.adapter.save(dir, this.options.baseModel);
    if (!withOptimizer) return;
    const state = await this.optimizer.state();
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    this.adapter.variables().forEach((v, i) => {
      tensors[`m.${i}`] = { shape: v.shape, data: state.m[i] };
      tensors[`v.${i}`] = { shape: v.shape, data: state.v[i] };
    });
    writeSafetensors(join(dir, 'optimizer.safetensors'), tensors);
    writeFileSync(join(dir, 'engine_state.json'), JSON.stringify({ adamStep: state.step }));
  }

  async load(dir: string) {
    const saved = LoraAdapter.load(dir, this.model.config);
    try {
      this.adapter.assign(saved);
    } finally {
      saved.dispose();
    }
    if (existsSync(join(dir, 'optimizer.safetensors'))) {
      const file = new SafetensorsFile(join(dir, 'optimizer.safetensors'));
      try {
        const n = this.adapter.variables().length;
        const engine = JSON.parse(readFileSync(join(dir, 'engine_state.json'), 'utf8')) as { adamStep: number };
        this.optimizer.restore({
          step: engine.adamStep,
          m: Array.from({ length: n }, (_, i) => file.readFloat32(`m.${i}`).data),
          v: Array.from({ length: n }, (_, i) => file.readFloat32(`v.${i}`).data),
        });
      } finally {
        file.close();
      }
    }
  }

  memoryBytes(): number {
    return tf.memory().numBytes;
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose([...(this.accumulated ? [this.accumulated] : []), ...(this.stepLoss ? [this.stepLoss] : []), ...this.unread]);
  }
}
