import * as tf from '@tensorflow/tfjs-core';
import { benchMatmul, initBackend } from '../engine/backend';
import type { BackendName } from '../api/contract';
import { type Gemma3Config, parseGemma3Config } from '../model/config';
import { Gemma3Model } from '../model/gemma3';
import { generate } from '../model/generate';
import { LoraAdapter } from '../model/lora';
import { lossAndGrads, makeBatch } from '../model/lora-training';
import { expectedTensors } from '../model/weights';
import { seededRandom } from '../train/batching';

/**
 * `npm run bench:engine`: training, forward and decoding throughput of the engine
 * on a small Gemma 3 shape, each next to the backend's own 2-D matmul speed
 * measured in the same run, so the ratio says how much of the hardware the model
 * code uses.
 */
export interface EngineBenchOptions {
  backend: BackendName | 'auto';
  hidden: number;
  layers: number;
  vocab: number;
  seq: number;
  batch: number;
  steps: number;
  /** Refuse a software WebGPU adapter (these shapes would take an hour a step on the CPU). */
  requireGpu?: boolean;
}

export const DEFAULT_ENGINE_BENCH: EngineBenchOptions = { backend: 'wasm', hidden: 256, layers: 4, vocab: 8192, seq: 128, batch: 4, steps: 5 };
/** `bench gpu`: Gemma-3-1b's shapes on WebGPU, batch 8 x 256 (Engine II's benchmark). */
export const GPU_ENGINE_BENCH: EngineBenchOptions = { backend: 'webgpu', hidden: 1152, layers: 26, vocab: 262_144, seq: 256, batch: 8, steps: 3, requireGpu: true };

export async function benchEngine(options: EngineBenchOptions): Promise<Record<string, number | string>> {
  const info = await initBackend(options.backend);
  if (options.requireGpu && info.gpu?.software) {
    throw new Error(`bench gpu needs a GPU; the only WebGPU adapter here is a software renderer (${info.gpu.description || info.gpu.vendor}). \`sqlora bench engine --backend webgpu\` runs the small shape on it.`);
  }
  const config: Gemma3Config = parseGemma3Config({
    model_type: 'gemma3_text',
    vocab_size: options.vocab,
    hidden_size: options.hidden,
    intermediate_size: options.hidden * 4,
    num_hidden_layers: options.layers,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    head_dim: options.hidden / 4,
    sliding_window: 512,
  });
  const model = Gemma3Model.withRandomWeights(config, 1);
  const adapter = LoraAdapter.create(config, { r: 8, alpha: 16, dropout: 0.05, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }, 1);
  const random = seededRandom(2);
  const examples = Array.from({ length: options.batch }, () => {
    const ids = Array.from({ length: options.seq }, () => 3 + Math.floor(random() * (options.vocab - 3)));
    return { inputIds: ids, labels: ids };
  });
  const batch = makeBatch(examples, 0);
  const tokens = options.batch * options.seq;

  // Matmul parameters a token passes through: every projection, plus the LM head.
  let layerParams = 0;
  for (const [name, shape] of expectedTensors(config)) if (name.startsWith('layers.') && shape.length === 2) layerParams += shape[0] * shape[1];
  const headParams = config.vocabSize * config.hiddenSize;
  let peakBytes = tf.memory().numBytes;
  const sample = () => (peakBytes = Math.max(peakBytes, tf.memory().numBytes));

  const time = async (fn: () => Promise<void>, repeats: number) => {
    await fn(); // warm-up: kernels compiled, buffers allocated
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) await fn();
    return (performance.now() - t0) / 1000 / repeats;
  };

  const trainS = await time(async () => {
    const r = await lossAndGrads(model, adapter, batch, { withGrad: true, dropoutSeed: 1 });
    sample();
    tf.dispose(r.grads!);
  }, options.steps);
  const forwardS = await time(async () => {
    await lossAndGrads(model, adapter, batch, { withGrad: false });
    sample();
  }, options.steps);

  const prompt = (n: number, length = 32) => Array.from({ length: n }, () => Array.from({ length }, () => 3 + Math.floor(random() * (options.vocab - 3))));
  const decode = async (rows: number) => {
    const newTokens = 32;
    const s = await time(async () => {
      await generate(model, prompt(rows), { maxNewTokens: newTokens, onStep: sample });
    }, 1);
    return (rows * newTokens) / s;
  };
  const decode1 = await decode(1);
  const decode16 = await decode(16);
  // An evaluation batch: 16 prompts of 384 tokens (schema contexts are long), the prefill alone.
  const prefill16 = (16 * 384) / (await time(async () => void (await generate(model, prompt(16, 384), { maxNewTokens: 1, onStep: sample })), 1));

  const matmul = await benchMatmul(512, 10);
  // Training = forward + recomputed forward + input gradients: ~6 FLOPs per parameter per token.
  const trainFlops = (6 * (layerParams + headParams) * tokens) / trainS;
  const forwardFlops = (2 * (layerParams + headParams) * tokens) / forwardS;
  model.dispose();
  adapter.dispose();
  return {
    backend: info.chosen,
    shape: `hidden ${options.hidden}, ${options.layers} layers, vocab ${options.vocab}, batch ${options.batch} x ${options.seq} tokens, LoRA r8 q/k/v/o`,
    matmulGflops: round(matmul.gflops),
    trainTokensPerS: round(tokens / trainS),
    trainGflops: round(trainFlops / 1e9),
    trainVsMatmul: round(trainFlops / 1e9 / matmul.gflops),
    forwardTokensPerS: round(tokens / forwardS),
    forwardGflops: round(forwardFlops / 1e9),
    forwardVsMatmul: round(forwardFlops / 1e9 / matmul.gflops),
    decodeTokensPerSBatch1: round(decode1),
    decodeTokensPerSBatch16: round(decode16),
    prefillTokensPerSBatch16x384: round(prefill16),
    peakTensorMB: round(peakBytes / 1e6),
    rssMB: round(process.memoryUsage().rss / 1e6),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
