import * as tf from '@tensorflow/tfjs-core';
import { maxTensorBytes, TensorTooLargeError, vocabShards } from './device-limits';
import { customGrad1, oneHotFloat, sumAll } from './grad';
import { geluGate, maskedSoftmax, rmsNorm, ropeHeads } from './fused';
import { type FrozenMatrix, frozenMatMul, frozenMatrix, gatherColumns, halfStorageAvailable, HalfMatrix } from './half';
import { matMul } from './matmul';
import { type Gemma3Config, type LayerType, loadGemma3Config } from './config';
import { transposeData } from './lora';
import { seededGaussian } from '../train/batching';
import { expectedTensors, LAYER_NORMS, ModelWeights, type Projection, projectionModule } from './weights';

/**
 * The Gemma 3 text decoder, as in transformers' modeling_gemma3.py, on tfjs:
 *   embed * sqrt(hidden)
 *   per layer: x + postAttnNorm(attn(inputNorm(x))), then x + postFfnNorm(mlp(preFfnNorm(x)))
 *     attention: q/k RMSNorm over head_dim, rope (local theta on sliding layers, global
 *     on full ones), grouped-query, scale query_pre_attn_scalar^-1/2, causal (+ sliding
 *     window) and padding masks
 *     mlp: down(gelu_tanh(gate(x)) * up(x))
 *   final norm, tied LM head, optional soft-capping.
 * RMSNorm is x / rms(x) * (1 + w). Projections are kept transposed ([in, out]) so
 * every matmul is a plain 2-D one (the fast path on wasm). On webgpu the frozen
 * matrices are stored as float16 (half.ts); norms and LoRA stay float32.
 */

export interface LayerWeights {
  proj: Record<Projection, FrozenMatrix>;
  /** (1 + w) of each norm, precomputed. */
  norms: Record<(typeof LAYER_NORMS)[number] | 'q_norm' | 'k_norm', tf.Tensor1D>;
}

/** LoRA factors of one projection, transposed like the weights: x @ aT @ bT * scale. */
export interface LoraPair {
  aT: tf.Tensor2D;
  bT: tf.Tensor2D;
}
export type LayerLora = Partial<Record<Projection, LoraPair>>;

export interface LoraOptions {
  scale: number;
  /** Dropout on the LoRA input; > 0 only while training. */
  dropout: number;
  /** Seeds dropout so recomputation in the backward pass draws the same mask. */
  dropoutSeed: number;
}

/** Per-call tensors shared by every layer: masks and rotary tables for each layer type. */
export interface StepInputs {
  batch: number;
  length: number;
  /** Additive mask [B, 1, T, Tk] (0 or -1e9) per layer type. */
  mask: Record<LayerType, tf.Tensor4D>;
  /** cos / sin [B, T, 1, D] per layer type. */
  cos: Record<LayerType, tf.Tensor4D>;
  sin: Record<LayerType, tf.Tensor4D>;
}

/** Where the constructor gets each weight, in the file's layout ([out, in], embedding [vocab, hidden]). */
interface WeightSource {
  read(name: string): { shape: number[]; data: Float32Array };
  /** Rows [start, start + count) of a matrix without reading the rest (weights in files; generated ones have none). */
  readRows?(name: string, start: number, count: number): Float32Array;
}

export interface LayerCache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

const NEG = -1e9;

export class Gemma3Model {
  /**
   * The embedding stored transposed, [hidden, vocab]: the LM head's product and its
   * gradient are then plain matmuls, and a token lookup is a column gather. One
   * tensor, or several column ranges of the vocabulary where one would exceed the
   * device's largest buffer (`vocabStarts[i]` is shard i's first token id).
   */
  readonly embedShards: FrozenMatrix[];
  /** [hidden, vocab] in the same shards; the same tensors as embedShards when embeddings are tied. */
  readonly lmHeadShards: FrozenMatrix[];
  readonly vocabStarts: number[];
  /** The largest tensor the device takes, in bytes, when the model was built (Infinity: no limit). */
  readonly tensorLimit: number;
  readonly layers: LayerWeights[] = [];
  readonly finalNorm: tf.Tensor1D;
  readonly embedScale: number;
  /** Frozen matrices stored as float16 (webgpu, not `trainable`); SQLORA_WEIGHTS=float32 turns it off. */
  readonly halfWeights: boolean;

  private constructor(
    readonly config: Gemma3Config,
    source: WeightSource,
    /** Every weight a tf.Variable (building the default model from scratch); LoRA training keeps them constant. */
    readonly trainable = false,
  ) {
    const hold = <T extends tf.Tensor>(t: T): T => (trainable ? (tf.variable(t, true) as unknown as T) : t);
    const onePlus = (name: string) => {
      const { data } = source.read(name);
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = 1 + data[i];
      return hold(tf.tensor1d(out));
    };
    const limit = maxTensorBytes();
    this.tensorLimit = limit;
    this.halfWeights = !trainable && halfStorageAvailable();
    // Pairs of vocabulary columns share a word: an odd vocabulary stays float32.
    const halfVocab = this.halfWeights && config.vocabSize % 2 === 0;
    // Checked before anything is uploaded, so a model that cannot fit fails whole, leaking nothing.
    const shards = vocabShards('embed_tokens.weight', config.hiddenSize, config.vocabSize, limit, halfVocab ? 2 : 4);
    for (const [name, shape] of expectedTensors(config)) {
      const bytes = shape.reduce((a, b) => a * b, this.halfWeights ? 2 : 4);
      if (name !== 'embed_tokens.weight' && bytes > limit) throw new TensorTooLargeError(name, shape, bytes, limit, 'only the embedding and LM head can be split (by vocabulary)');
    }
    if (trainable && shards.length > 1) throw new Error('training every weight needs the embedding in one tensor (a small model)');
    this.vocabStarts = shards.map(([start]) => start);
    const transposed = (name: string): FrozenMatrix => {
      const { shape, data } = source.read(name);
      const t = transposeData(data, shape[0], shape[1]);
      return trainable ? hold(tf.tensor2d(t, [shape[1], shape[0]])) : frozenMatrix(t, shape[1], shape[0], this.halfWeights);
    };
    // From a file each shard reads and transposes only its own rows: the whole float32 matrix (1.2 GB in Gemma 3) is never in memory.
    const vocabMatrix = (name: string): FrozenMatrix[] => {
      const H = config.hiddenSize;
      const whole = shards.length > 1 && source.readRows ? null : source.read(name).data;
      return shards.map(([start, size]) => {
        const rows = whole ? whole.subarray(start * H, (start + size) * H) : source.readRows!(name, start, size);
        const t = transposeData(rows, size, H);
        return trainable ? hold(tf.tensor2d(t, [H, size])) : frozenMatrix(t, H, size, halfVocab);
      });
    };
    this.embedShards = vocabMatrix('embed_tokens.weight');
    this.lmHeadShards = config.tieWordEmbeddings ? this.embedShards : vocabMatrix('lm_head.weight');
    for (let i = 0; i < config.numLayers; i++) {
      const proj = {} as Record<Projection, FrozenMatrix>;
      for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as Projection[]) {
        proj[p] = transposed(`layers.${i}.${projectionModule(p)}.${p}.weight`);
      }
      const norms = {} as LayerWeights['norms'];
      for (const n of LAYER_NORMS) norms[n] = onePlus(`layers.${i}.${n}.weight`);
      norms.q_norm = onePlus(`layers.${i}.self_attn.q_norm.weight`);
      norms.k_norm = onePlus(`layers.${i}.self_attn.k_norm.weight`);
      this.layers.push({ proj, norms });
    }
    this.finalNorm = onePlus('norm.weight');
    // transformers keeps the scale in the weights' dtype: float32 here.
    this.embedScale = Math.fround(Math.sqrt(config.hiddenSize));
  }

  /**
   * A model of the given shape with random weights (normal, std 0.02 or `embeddingStd`
   * for the embedding; norms 0): for benchmarks and memory checks at real Gemma shapes
   * without downloading them, and the start of the default model's pretraining.
   */
  static withRandomWeights(config: Gemma3Config, seed: number, trainable = false, embeddingStd = 0.02): Gemma3Model {
    const gaussian = seededGaussian(seed);
    const shapes = expectedTensors(config);
    if (!config.tieWordEmbeddings) shapes.set('lm_head.weight', [config.vocabSize, config.hiddenSize]);
    const read = (name: string) => {
      const shape = shapes.get(name)!;
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      const std = name === 'embed_tokens.weight' ? embeddingStd : 0.02;
      if (shape.length === 2) for (let i = 0; i < data.length; i++) data[i] = gaussian() * std;
      return { shape, data };
    };
    return new Gemma3Model(config, { read }, trainable);
  }

  /** The model in a Hugging Face folder: every weight uploaded to the active backend, one tensor at a time from the files. */
  static load(modelDir: string, config: Gemma3Config = loadGemma3Config(modelDir)): Gemma3Model {
    const weights = new ModelWeights(modelDir, config);
    try {
      return new Gemma3Model(config, { read: (name) => weights.read(name), readRows: (name, start, count) => weights.read(name, { start, count }).data });
    } finally {
      weights.close();
    }
  }

  /** The embedding as one float32 [hidden, vocab] tensor: models small enough to train every weight (pretraining). */
  get embedT(): tf.Tensor2D {
    return onlyFloat32(this.embedShards, 'embedding');
  }

  /** The LM head as one float32 [hidden, vocab] tensor (see embedT). */
  get lmHeadT(): tf.Tensor2D {
    return onlyFloat32(this.lmHeadShards, 'LM head');
  }

  /** Embedding and LM head matrices, each once. */
  private vocabTensors(): FrozenMatrix[] {
    return this.lmHeadShards === this.embedShards ? [...this.embedShards] : [...this.embedShards, ...this.lmHeadShards];
  }

  /** Every weight, each once. */
  private allWeights(): (FrozenMatrix | tf.Tensor1D)[] {
    const all: (FrozenMatrix | tf.Tensor1D)[] = [...this.vocabTensors(), this.finalNorm];
    for (const l of this.layers) all.push(...Object.values(l.proj), ...Object.values(l.norms));
    return all;
  }

  dispose(): void {
    for (const w of this.allWeights()) w.dispose();
  }

  /** Scaled token embeddings as [B*T, hidden]. */
  embedTokens(ids: tf.Tensor2D): tf.Tensor2D {
    // The reshape inside the tidy: outside one it would outlive the call (one tensor per training step).
    if (!this.trainable) return tf.tidy(() => this.lookup(tf.reshape(ids, [-1]) as tf.Tensor1D));
    const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
    // tfjs's gather gradient needs UnsortedSegmentSum, which wasm lacks: the lookup's
    // gradient is written as dE^T = dX^T @ onehot(ids) instead, summed over row chunks
    // whose one-hot fits the device (at 32 x 384 tokens and 4,096 entries it is 192 MiB).
    const vocab = this.config.vocabSize;
    const chunk = Math.max(1, Math.floor(Math.min(this.tensorLimit, 2 ** 31) / (vocab * 4)));
    const lookup = customGrad1<tf.Tensor2D>((table, save) => {
      save([]);
      return {
        value: tf.transpose(tf.gather(table, flat, 1)) as tf.Tensor2D,
        gradFunc: (dy) => {
          const n = flat.shape[0];
          const parts: tf.Tensor[] = [];
          for (let start = 0; start < n; start += chunk) {
            const size = Math.min(chunk, n - start);
            parts.push(matMul(tf.transpose(tf.slice(dy, [start, 0], [size, -1])), oneHotFloat(tf.slice(flat, start, size), vocab)));
          }
          return sumAll(parts) as tf.Tensor2D;
        },
      };
    });
    return tf.mul(lookup(this.embedT), this.embedScale) as tf.Tensor2D;
  }

  /** Scaled embeddings of token ids, [N, hidden], from whichever shard holds each id. */
  private lookup(flat: tf.Tensor1D): tf.Tensor2D {
    const [first] = this.embedShards;
    if (this.embedShards.length === 1 && !(first instanceof HalfMatrix)) return tf.mul(tf.transpose(tf.gather(first, flat, 1)), this.embedScale) as tf.Tensor2D;
    return sumAll(this.embedShards.map((shard, i) => gatherColumns(shard, flat, this.vocabStarts[i], this.embedScale))) as tf.Tensor2D;
  }

  /** The trainable weights (only when built with `trainable`). */
  variables(): tf.Variable[] {
    if (!this.trainable) return [];
    return this.allWeights() as tf.Variable[];
  }

  /** The weights under their Hugging Face names and layouts (for model.safetensors). */
  async toHuggingFace(): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
    const matrix = async (name: string, t: FrozenMatrix) => {
      const [rows, cols] = t.shape;
      out[name] = { shape: [cols, rows], data: transposeData(await readMatrix(t), rows, cols) };
    };
    const norm = async (name: string, t: tf.Tensor1D) => {
      out[name] = { shape: t.shape, data: (await read(t)).map((v) => v - 1) };
    };
    // Shards are read back one at a time into the file's [vocab, hidden] layout (no device tensor of the whole).
    const vocabMatrix = async (name: string, shards: FrozenMatrix[]) => {
      const H = this.config.hiddenSize;
      const data = new Float32Array(this.config.vocabSize * H);
      for (const [i, s] of shards.entries()) data.set(transposeData(await readMatrix(s), H, s.shape[1]), this.vocabStarts[i] * H);
      out[name] = { shape: [this.config.vocabSize, H], data };
    };
    await vocabMatrix('model.embed_tokens.weight', this.embedShards);
    if (this.lmHeadShards !== this.embedShards) await vocabMatrix('lm_head.weight', this.lmHeadShards);
    for (const [i, l] of this.layers.entries()) {
      for (const [p, t] of Object.entries(l.proj)) await matrix(`model.layers.${i}.${projectionModule(p as Projection)}.${p}.weight`, t as FrozenMatrix);
      for (const [n, t] of Object.entries(l.norms)) await norm(n === 'q_norm' || n === 'k_norm' ? `model.layers.${i}.self_attn.${n}.weight` : `model.layers.${i}.${n}.weight`, t);
    }
    await norm('model.norm.weight', this.finalNorm);
    return out;
  }

  rmsNorm(x: tf.Tensor, onePlusW: tf.Tensor1D): tf.Tensor {
    return rmsNorm(x, onePlusW, this.config.rmsNormEps, this.trainable);
  }

  /** x @ W (+ LoRA) for one projection of one layer. */
  private project(x: tf.Tensor2D, layer: number, name: Projection, lora: LayerLora | null, loraOptions: LoraOptions | null): tf.Tensor2D {
    const base = frozenMatMul(x, this.layers[layer].proj[name]);
    const pair = lora?.[name];
    if (!pair || !loraOptions) return base;
    let input = x;
    if (loraOptions.dropout > 0) {
      // A distinct, reproducible stream per (step, layer, projection).
      const seed = loraOptions.dropoutSeed * 1009 + layer * 31 + PROJECTION_SEEDS[name];
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), loraOptions.dropout), 'float32');
      input = tf.mul(x, tf.mul(keep, 1 / (1 - loraOptions.dropout)));
    }
    const delta = matMul(matMul(input, pair.aT), pair.bT);
    return tf.add(base, tf.mul(delta, loraOptions.scale));
  }

  /**
   * One decoder layer on x [B*T, hidden]. With `past`, keys and values are appended
   * to the cache and the new cache is returned (generation); the mask in `inputs`
   * must cover the cached keys.
   */
  layer(x: tf.Tensor2D, i: number, inputs: StepInputs, lora: LayerLora | null, loraOptions: LoraOptions | null, past?: LayerCache | null): { y: tf.Tensor2D; cache: LayerCache } {
    const { numHeads, numKvHeads, headDim } = this.config;
    const { batch: B, length: T } = inputs;
    const type = this.config.layerTypes[i];
    const w = this.layers[i];
    const groups = numHeads / numKvHeads;

    const h = this.rmsNorm(x, w.norms.input_layernorm) as tf.Tensor2D;
    // Normed, rotated heads as [B, heads, T, D].
    const heads = (t: tf.Tensor2D, n: number, norm: tf.Tensor1D) => ropeHeads(this.rmsNorm(tf.reshape(t, [B, T, n, headDim]), norm) as tf.Tensor4D, inputs.cos[type], inputs.sin[type]);
    const q = heads(this.project(h, i, 'q_proj', lora, loraOptions), numHeads, w.norms.q_norm);
    let k = heads(this.project(h, i, 'k_proj', lora, loraOptions), numKvHeads, w.norms.k_norm);
    let v = tf.transpose(tf.reshape(this.project(h, i, 'v_proj', lora, loraOptions), [B, T, numKvHeads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    if (past) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    const Tk = k.shape[2];

    // Grouped-query attention without repeating K/V: the `groups` query heads that
    // share a KV head are stacked along the query axis.
    const qg = tf.reshape(q, [B * numKvHeads, groups * T, headDim]);
    const scores = tf.reshape(matMul(qg, tf.reshape(k, [B * numKvHeads, Tk, headDim]), false, true), [B, numHeads, T, Tk]) as tf.Tensor4D;
    const scale = this.config.queryPreAttnScalar ** -0.5;
    const cap = this.config.attnLogitSoftcapping;
    // Gemma 2's soft-capping sits between the scale and the mask; Gemma 3 has none.
    const weights = cap ? tf.softmax(tf.add(tf.mul(tf.tanh(tf.div(tf.mul(scores, scale), cap)), cap), inputs.mask[type])) : maskedSoftmax(scores, inputs.mask[type], scale);
    const probs = tf.reshape(weights, [B * numKvHeads, groups * T, Tk]);
    const context = matMul(probs, tf.reshape(v, [B * numKvHeads, Tk, headDim]));
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, numHeads, T, headDim]), [0, 2, 1, 3]), [B * T, numHeads * headDim]) as tf.Tensor2D;
    const attn = this.project(merged, i, 'o_proj', lora, loraOptions);
    const afterAttn = tf.add(x, this.rmsNorm(attn, w.norms.post_attention_layernorm)) as tf.Tensor2D;

    const f = this.rmsNorm(afterAttn, w.norms.pre_feedforward_layernorm) as tf.Tensor2D;
    const gate = this.project(f, i, 'gate_proj', lora, loraOptions);
    const up = this.project(f, i, 'up_proj', lora, loraOptions);
    const mlp = this.project(geluGate(gate, up), i, 'down_proj', lora, loraOptions);
    const y = tf.add(afterAttn, this.rmsNorm(mlp, w.norms.post_feedforward_layernorm)) as tf.Tensor2D;
    return { y, cache: { k, v } };
  }

  /** Final norm: the hidden state the LM head reads. */
  finalHidden(x: tf.Tensor2D): tf.Tensor2D {
    return this.rmsNorm(x, this.finalNorm) as tf.Tensor2D;
  }

  /** Full logits for [N, hidden] rows (small N: generation, tests). Training uses the chunked loss. */
  logits(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let logits = this.lmHeadShards.length === 1 ? frozenMatMul(hidden, this.lmHeadShards[0]) : tf.concat(this.lmHeadShards.map((s) => frozenMatMul(hidden, s)), 1);
      const cap = this.config.finalLogitSoftcapping;
      if (cap) logits = tf.mul(tf.tanh(tf.div(logits, cap)), cap);
      return logits as tf.Tensor2D;
    });
  }

  /**
   * Masks and rotary tables for a forward over `length` new tokens per row.
   * queryIndex[b][t]: cache index of each new token; keyIndex: cache index of each
   * key slot (per layer type, since sliding layers keep a shorter cache);
   * keyValid[b][j]: 0 for padding; positions[b][t]: rotary position.
   */
  stepInputs(args: {
    batch: number;
    length: number;
    queryIndex: number[];
    keyIndex: Record<LayerType, number[]>;
    keyValid: Record<LayerType, number[][]>;
    positions: number[][];
  }): StepInputs {
    const { batch: B, length: T } = args;
    const D = this.config.headDim;
    const mask = {} as StepInputs['mask'];
    const cos = {} as StepInputs['cos'];
    const sin = {} as StepInputs['sin'];
    for (const type of ['sliding', 'full'] as LayerType[]) {
      const keys = args.keyIndex[type];
      const Tk = keys.length;
      const m = new Float32Array(B * T * Tk);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const q = args.queryIndex[t];
          for (let j = 0; j < Tk; j++) {
            const k = keys[j];
            const ok = k <= q && (type === 'full' || q - k < this.config.slidingWindow) && args.keyValid[type][b][j] === 1;
            m[(b * T + t) * Tk + j] = ok ? 0 : NEG;
          }
        }
      }
      mask[type] = tf.tensor4d(m, [B, 1, T, Tk]);
      const { theta, linearFactor } = this.config.rope[type];
      const invFreq = new Float32Array(D / 2);
      for (let j = 0; j < D / 2; j++) invFreq[j] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * j) / D)) / linearFactor);
      const c = new Float32Array(B * T * D);
      const s = new Float32Array(B * T * D);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const pos = args.positions[b][t];
          for (let j = 0; j < D / 2; j++) {
            const angle = Math.fround(pos * invFreq[j]);
            const base = (b * T + t) * D;
            c[base + j] = c[base + j + D / 2] = Math.cos(angle);
            s[base + j] = s[base + j + D / 2] = Math.sin(angle);
          }
        }
      }
      cos[type] = tf.tensor4d(c, [B, T, 1, D]);
      sin[type] = tf.tensor4d(s, [B, T, 1, D]);
    }
    return { batch: B, length: T, mask, cos, sin };
  }

  /** Inputs for a plain (no cache) forward over padded rows with an attention mask. */
  fullSequenceInputs(attentionMask: number[][]): StepInputs {
    const B = attentionMask.length;
    const T = attentionMask[0].length;
    const index = Array.from({ length: T }, (_, t) => t);
    return this.stepInputs({
      batch: B,
      length: T,
      queryIndex: index,
      keyIndex: { sliding: index, full: index },
      keyValid: { sliding: attentionMask, full: attentionMask },
      // transformers' forward uses positions 0..T-1 whatever the mask (right padding).
      positions: attentionMask.map(() => index),
    });
  }

  /** Hidden states after each layer (index 0: embeddings) and the final normed hidden. Inference only. */
  forward(ids: number[][], attentionMask: number[][], lora: ((layer: number) => LayerLora | null) | null = null, loraOptions: LoraOptions | null = null): { hidden: tf.Tensor2D[]; last: tf.Tensor2D } {
    const inputs = this.fullSequenceInputs(attentionMask);
    try {
      return tf.tidy(() => {
        const hidden: tf.Tensor2D[] = [this.embedTokens(tf.tensor2d(ids, undefined, 'int32'))];
        for (let i = 0; i < this.config.numLayers; i++) hidden.push(this.layer(hidden[i], i, inputs, lora ? lora(i) : null, loraOptions).y);
        return { hidden, last: this.finalHidden(hidden[hidden.length - 1]) };
      });
    } finally {
      disposeInputs(inputs);
    }
  }
}

function onlyFloat32(shards: FrozenMatrix[], what: string): tf.Tensor2D {
  if (shards.length > 1) throw new Error(`the ${what} is split across tensors on this device`);
  if (shards[0] instanceof HalfMatrix) throw new Error(`the ${what} is stored as float16 (frozen weights on webgpu)`);
  return shards[0];
}

const readMatrix = async (m: FrozenMatrix): Promise<Float32Array> => (m instanceof HalfMatrix ? m.toFloat32() : ((await m.data()) as Float32Array));

const PROJECTION_SEEDS: Record<Projection, number> = { q_proj: 1, k_proj: 2, v_proj: 3, o_proj: 4, gate_proj: 5, up_proj: 6, down_proj: 7 };

export function disposeInputs(inputs: StepInputs): void {
  tf.dispose([...Object.values(inputs.mask), ...Object.values(inputs.cos), ...Object.values(inputs.sin)]);
}
