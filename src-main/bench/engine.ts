import * as tf from '@tensorflow/tfjs-core';
import { benchMatmul, initBackend } from '../engine/backend';
import type { BackendName } from '../api/contract';
import { type Gemma3Config, parseGemma3Config } from '../model/config';
import { Gemma3Model } from '../model/gemma3';
import { generate } from '../model/generate';
import { LoraAdapter } from '../model/lora';
import { lossAndGrads, LoraStepModel, makeBatch } from '../model/lora-training';
import { knownConfig } from '../model/known-models';
import { expectedTensors } from '../model/weights';
import { seededRandom } from '../train/batching';

/**
 * `npm run bench:engine` / `bench:gpu`: training, forward and decoding throughput of
 * the engine on a Gemma 3 shape with random weights, each next to the backend's own
 * 2-D matmul speed measured in the same run, so the ratio says how much of the
 * hardware the model code uses.
 */
export interface EngineBenchOptions {
  backend: BackendName | 'auto';
  config: Gemma3Config;
  seq: number;
  batch: number;
  steps: number;
  rank: number;
  /** Share of each training row masked as prompt (label -100): those positions skip the LM head. */
  promptShare: number;
  /** Batched greedy generation: prompts of `promptTokens`, `newTokens` each. */
  generation: { prompts: number; promptTokens: number; newTokens: number };
  /** Side of the square matmul the model's FLOP/s are compared with. */
  matmulSize: number;
  /** Refuse a software WebGPU adapter (these shapes would take an hour a step on the CPU). */
  requireGpu?: boolean;
}

/** The small shape every backend runs in seconds (figures in BENCHMARKS.md since session 3). */
export const DEFAULT_ENGINE_BENCH: EngineBenchOptions = {
  backend: 'wasm',
  config: parseGemma3Config({
    model_type: 'gemma3_text',
    vocab_size: 8192,
    hidden_size: 256,
    intermediate_size: 1024,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    head_dim: 64,
    sliding_window: 512,
  }),
  seq: 128,
  batch: 4,
  steps: 5,
  rank: 8,
  promptShare: 0,
  generation: { prompts: 16, promptTokens: 32, newTokens: 32 },
  matmulSize: 512,
};

/**
 * `bench gpu`, Engine II's benchmark: Gemma-3-1b exactly (26 layers, hidden 1152, 4 heads
 * of 256 / 1 KV head, MLP 6912, vocabulary 262,144) on WebGPU, batch 8 x 256 with half of
 * every row prompt, LoRA r16 on q/k/v/o, 16 prompts x 64 new tokens - the protocol of the
 * transformers + PEFT reference figures.
 */
export const GPU_ENGINE_BENCH: EngineBenchOptions = {
  backend: 'webgpu',
  config: knownConfig('google/gemma-3-1b')!,
  seq: 256,
  batch: 8,
  steps: 3,
  rank: 16,
  promptShare: 0.5,
  generation: { prompts: 16, promptTokens: 32, newTokens: 64 },
  matmulSize: 4096,
  requireGpu: true,
};

/** Start the backend; with `requireGpu`, refuse a software adapter, naming what runs the small shape instead. */
export async function initBenchBackend(backend: BackendName | 'auto', requireGpu: { what: string; instead: string } | null) {
  const info = await initBackend(backend);
  if (requireGpu && info.gpu?.software) {
    throw new Error(`${requireGpu.what} needs a GPU; the only WebGPU adapter here is a software renderer (${info.gpu.description || info.gpu.vendor}). \`${requireGpu.instead}\` runs the small shape on it.`);
  }
  return info;
}

/** Live tensors and their bytes, and on WebGPU the bytes of the GPU buffers the backend holds (its pool keeps freed ones). */
export function memoryCounters(): { tensors: number; tensorBytes: number; gpuBytes: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
  return { tensors: m.numTensors, tensorBytes: m.numBytes, gpuBytes: m.numBytesAllocatedInGPU ?? 0 };
}

export async function benchEngine(options: EngineBenchOptions): Promise<Record<string, number | string>> {
  const info = await initBenchBackend(options.backend, options.requireGpu ? { what: 'bench gpu', instead: 'sqlora bench engine --backend webgpu' } : null);
  const { config } = options;
  const model = Gemma3Model.withRandomWeights(config, 1);
  const adapter = LoraAdapter.create(config, { r: options.rank, alpha: 16, dropout: 0.05, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, 1);
  const random = seededRandom(2);
  const randomIds = (length: number) => Array.from({ length }, () => 3 + Math.floor(random() * (config.vocabSize - 3)));
  const promptLength = Math.round(options.seq * options.promptShare);
  const examples = Array.from({ length: options.batch }, () => {
    const ids = randomIds(options.seq);
    return { inputIds: ids, labels: ids.map((id, t) => (t < promptLength ? -100 : id)) };
  });
  const batch = makeBatch(examples, 0);
  const tokens = options.batch * options.seq;
  const labelled = batch.targets.length;

  // Matmul parameters a token passes through: every projection, plus the LM head.
  let layerParams = 0;
  for (const [name, shape] of expectedTensors(config)) if (name.startsWith('layers.') && shape.length === 2) layerParams += shape[0] * shape[1];
  const headParams = config.vocabSize * config.hiddenSize;
  const peak = { tensorBytes: 0, gpuBytes: 0 };
  const sample = () => {
    const m = memoryCounters();
    peak.tensorBytes = Math.max(peak.tensorBytes, m.tensorBytes);
    peak.gpuBytes = Math.max(peak.gpuBytes, m.gpuBytes);
  };
  sample();

  const time = async (fn: () => Promise<void>, repeats: number, settle: () => Promise<unknown> = async () => {}) => {
    await fn(); // warm-up: kernels compiled, buffers allocated
    await settle();
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) await fn();
    await settle();
    return (performance.now() - t0) / 1000 / repeats;
  };

  // Whole optimiser steps as the training loop takes them (forward, backward, clipping,
  // AdamW), their losses and norms read once at the end, as the loop reads them once
  // per logging interval.
  const stepModel = new LoraStepModel(model, adapter, { baseModel: null });
  const trainS = await time(
    async () => {
      const { tokens: labelledTokens } = await stepModel.accumulate(examples, 1);
      await stepModel.step({ tokens: labelledTokens, lr: 1e-4, weightDecay: 0.01, maxGradNorm: 1 });
      sample();
    },
    options.steps,
    () => stepModel.readStats(),
  );
  stepModel.dispose();
  const forwardS = await time(async () => {
    await lossAndGrads(model, adapter, batch, { withGrad: false });
    sample();
  }, options.steps);

  const prompts = (n: number, length: number) => Array.from({ length: n }, () => randomIds(length));
  const generatedPerS = async (rows: number, newTokens: number) => {
    const s = await time(async () => {
      await generate(model, prompts(rows, options.generation.promptTokens), { maxNewTokens: newTokens, onStep: sample });
    }, 1);
    return (rows * newTokens) / s;
  };
  const decode1 = await generatedPerS(1, 32);
  const batched = await generatedPerS(options.generation.prompts, options.generation.newTokens);
  // An evaluation batch: 16 prompts of 384 tokens (schema contexts are long), the prefill alone.
  const prefill16 = (16 * 384) / (await time(async () => void (await generate(model, prompts(16, 384), { maxNewTokens: 1, onStep: sample })), 1));

  const matmul = await benchMatmul(options.matmulSize, 10);
  const halfMatmul = model.halfWeights ? await benchMatmul(options.matmulSize, 10, 'float16') : null;
  // Training: forward, recomputed forward and input gradients through every layer (~6
  // FLOPs per parameter per token); the LM head forward and backward on labelled rows only.
  const trainFlops = (6 * layerParams * tokens + 4 * headParams * labelled) / trainS;
  const forwardFlops = (2 * layerParams * tokens + 2 * headParams * labelled) / forwardS;
  model.dispose();
  adapter.dispose();
  const { hiddenSize, numLayers, vocabSize } = config;
  return {
    backend: info.chosen,
    device: info.gpu && info.chosen === 'webgpu' ? `${info.gpu.vendor} ${info.gpu.architecture} ${info.gpu.description}`.trim() : 'cpu',
    shape: `hidden ${hiddenSize}, ${numLayers} layers, vocab ${vocabSize}, batch ${options.batch} x ${options.seq} tokens (${labelled} labelled), LoRA r${options.rank} q/k/v/o`,
    matmulSize: options.matmulSize,
    weights: model.halfWeights ? 'float16' : 'float32',
    matmulGflops: round(matmul.gflops),
    ...(halfMatmul ? { float16MatmulGflops: round(halfMatmul.gflops) } : {}),
    trainTokensPerS: round(tokens / trainS),
    trainGflops: round(trainFlops / 1e9),
    trainVsMatmul: round(trainFlops / 1e9 / matmul.gflops),
    forwardTokensPerS: round(tokens / forwardS),
    forwardGflops: round(forwardFlops / 1e9),
    forwardVsMatmul: round(forwardFlops / 1e9 / matmul.gflops),
    decodeTokensPerSBatch1: round(decode1),
    [`generatedTokensPerS${options.generation.prompts}x${options.generation.newTokens}`]: round(batched),
    prefillTokensPerSBatch16x384: round(prefill16),
    peakTensorMB: round(peak.tensorBytes / 1e6),
    peakGpuMB: round(peak.gpuBytes / 1e6),
    rssMB: round(process.memoryUsage().rss / 1e6),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
