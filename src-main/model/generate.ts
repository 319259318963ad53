import * as tf from '@tensorflow/tfjs-core';
import type { LayerType } from './config';
import { disposeInputs, type Gemma3Model, type LayerCache, type LayerLora, type LoraOptions } from './gemma3';
import { seededRandom } from '../train/batching';

/**
 * Batched generation with a KV cache. Prompts are left-padded; rotary positions
 * count only real tokens (as transformers' generate does). Sliding-window layers
 * keep only the last `sliding_window` keys, so their cache stays small however long
 * the answer grows.
 */

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Stop a row when it produces one of these (eos, <end_of_turn>). */
  stopTokenIds?: number[];
  signal?: AbortSignal;
  /** Called after each decoding step with the token chosen for each row (-1: row already finished). */
  onStep?: (tokens: number[]) => void;
}

export interface GenerateResult {
  /** New tokens per row, without the stop token. */
  tokens: number[][];
  finish: ('stop' | 'length' | 'cancelled')[];
}

export async function generate(model: Gemma3Model, prompts: number[][], options: GenerateOptions, lora: ((layer: number) => LayerLora | null) | null = null, loraOptions: LoraOptions | null = null): Promise<GenerateResult> {
  const B = prompts.length;
  if (B === 0) return { tokens: [], finish: [] };
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token');
  const { config } = model;
  const P = Math.max(...prompts.map((p) => p.length));
  const pad = config.padTokenId;
  const ids = prompts.map((p) => [...new Array<number>(P - p.length).fill(pad), ...p]);
  const valid = prompts.map((p) => Array.from({ length: P }, (_, j) => (j >= P - p.length ? 1 : 0)));
  const positions = valid.map((row) => {
    let seen = 0;
    return row.map((v) => (v ? seen++ : 1));
  });
  const nextPosition = prompts.map((p) => p.length);

  const keyIndex: Record<LayerType, number[]> = { sliding: [], full: [] };
  const keyValid: Record<LayerType, number[][]> = { sliding: prompts.map(() => []), full: prompts.map(() => []) };
  let caches: (LayerCache | null)[] = config.layerTypes.map(() => null);
  const random = seededRandom(options.seed ?? 0);
  const stop = new Set(options.stopTokenIds ?? []);
  const out: number[][] = prompts.map(() => []);
  const finish: GenerateResult['finish'] = prompts.map(() => 'length');
  const done = prompts.map(() => false);

  const runStep = (stepIds: number[][], queryIndex: number[], stepPositions: number[][]): tf.Tensor2D => {
    for (const type of ['sliding', 'full'] as LayerType[]) {
      keyIndex[type].push(...queryIndex);
      stepIds.forEach((_, b) => keyValid[type][b].push(...queryIndex.map((q) => (q < P ? valid[b][q] : 1))));
    }
    const inputs = model.stepInputs({ batch: B, length: queryIndex.length, queryIndex, keyIndex, keyValid, positions: stepPositions });
    try {
      const next: (LayerCache | null)[] = [];
      const logits = tf.tidy(() => {
        let x = model.embedTokens(tf.tensor2d(stepIds, undefined, 'int32'));
        for (let i = 0; i < config.numLayers; i++) {
          // A tidy per layer frees its attention scores before the next layer: a prefill's scores are
          // B x heads x T x T per layer, and holding every layer's at once ran wasm out of memory at batch 64.
          const [y, k, v] = tf.tidy(() => {
            const r = model.layer(x, i, inputs, lora ? lora(i) : null, loraOptions, caches[i]);
            return [r.y, r.cache.k, r.cache.v];
          });
          x = y;
          next.push({ k: tf.keep(k), v: tf.keep(v) });
        }
        const T = queryIndex.length;
        const last = tf.reshape(tf.slice(tf.reshape(x, [B, T, -1]), [0, T - 1, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D;
        return model.logits(model.finalHidden(last));
      });
      for (const c of caches) if (c) tf.dispose([c.k, c.v]);
      caches = next;
      trimSlidingWindow();
      return logits;
    } finally {
      disposeInputs(inputs);
    }
  };

  // Sliding layers never look further back than the window: drop older keys.
  const trimSlidingWindow = () => {
    const excess = keyIndex.sliding.length - config.slidingWindow;
    if (excess <= 0) return;
    keyIndex.sliding.splice(0, excess);
    keyValid.sliding.forEach((row) => row.splice(0, excess));
    caches = caches.map((c, i) => {
      if (!c || config.layerTypes[i] !== 'sliding') return c;
      const trimmed = { k: tf.slice(c.k, [0, 0, excess, 0], [-1, -1, -1, -1]), v: tf.slice(c.v, [0, 0, excess, 0], [-1, -1, -1, -1]) };
      tf.dispose([c.k, c.v]);
      return trimmed;
    });
  };

  // Async reads: WebGPU in Node has no synchronous read-back (tfjs's needs a browser's OffscreenCanvas).
  const choose = async (logits: tf.Tensor2D): Promise<number[]> => {
    const temperature = options.temperature ?? 0;
    if (temperature <= 0) {
      const arg = tf.argMax(logits, -1);
      const picked = Array.from(await arg.data());
      arg.dispose();
      return picked;
    }
    const values = (await logits.data()) as Float32Array;
    const V = logits.shape[1];
    return Array.from({ length: B }, (_, b) => sampleTopP(values.subarray(b * V, (b + 1) * V), temperature, options.topP ?? 1, random));
  };

  try {
    let logits = runStep(ids, Array.from({ length: P }, (_, j) => j), positions);
    for (let step = 0; step < options.maxNewTokens; step++) {
      if (options.signal?.aborted) {
        done.forEach((d, b) => !d && (finish[b] = 'cancelled'));
        break;
      }
      const picked = await choose(logits);
      logits.dispose();
      const reported = picked.map((t, b) => {
        if (done[b]) return -1;
        if (stop.has(t)) {
          done[b] = true;
          finish[b] = 'stop';
          return t;
        }
        out[b].push(t);
        return t;
      });
      options.onStep?.(reported);
      if (done.every(Boolean) || step === options.maxNewTokens - 1) return { tokens: out, finish };
      const q = P + step;
      const stepPositions = nextPosition.map((p) => [p]);
      nextPosition.forEach((_, b) => (nextPosition[b] += 1));
      logits = runStep(
        picked.map((t) => [t]),
        [q],
        stepPositions,
      );
    }
    logits.dispose();
    return { tokens: out, finish };
  } finally {
    for (const c of caches) if (c) tf.dispose([c.k, c.v]);
  }
}

/** Nucleus sampling as transformers does it: temperature, then the smallest set of tokens whose probability reaches top_p. */
export function sampleTopP(logits: Float32Array, temperature: number, topP: number, random: () => number): number {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp((logits[i] - max) / temperature);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
  const kept: number[] = [];
  let mass = 0;
  for (const i of order) {
    kept.push(i);
    mass += probs[i] / sum;
    if (mass >= topP) break;
  }
  let r = random() * kept.reduce((s, i) => s + probs[i], 0);
  for (const i of kept) {
    r -= probs[i];
    if (r <= 0) return i;
  }
  return kept[kept.length - 1];
}
