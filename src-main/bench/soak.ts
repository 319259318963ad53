import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '../api/contract';
import type { Gemma3Config } from '../model/config';
import { Gemma3Model } from '../model/gemma3';
import { LoraAdapter } from '../model/lora';
import { LoraStepModel } from '../model/lora-training';
import { SEED_RECIPE, type TrainConfig } from '../train/config';
import { seededRandom } from '../train/batching';
import { type EncodedExample, train } from '../train/trainer';
import { DEFAULT_ENGINE_BENCH, GPU_ENGINE_BENCH, initBenchBackend, memoryCounters } from './engine';

/**
 * `npm run bench:soak`: a long LoRA run through the real training loop (warm-up and
 * cosine schedule, clipping, AdamW, evaluation, checkpoints) on a task a randomly
 * initialised model can learn - copy a sequence of tokens after a separator - and the
 * backend's memory counters at every log line. It proves the loss stays finite and
 * falls, and that nothing accumulates step after step (tensors, bytes, GPU buffers).
 */
export interface SoakOptions {
  backend: BackendName | 'auto';
  config: Gemma3Config;
  steps: number;
  batch: number;
  /** Tokens to copy; an example is <bos>, those, a separator, those again (the labels). */
  copyTokens: number;
  /** How many distinct tokens the sequences draw from. */
  alphabet: number;
  rank: number;
  learningRate: number;
  requireGpu?: boolean;
  onLog?: (line: SoakLog) => void;
}

/** The backend's counters at one log line. */
export interface SoakLog {
  step: number;
  loss: number;
  /** The training loop's own rate: labelled (answer) tokens per second, half of those processed. */
  labelledTokensPerS: number;
  tensors: number;
  tensorBytes: number;
  gpuBytes: number;
}

/** On any backend in minutes: the engine benchmark's small shape. */
export const DEFAULT_SOAK: SoakOptions = { backend: 'wasm', config: DEFAULT_ENGINE_BENCH.config, steps: 200, batch: 8, copyTokens: 63, alphabet: 64, rank: 16, learningRate: 1e-3 };
/** Engine II's proof run: Gemma-3-1b's shapes on a GPU, 200 steps of 8 x 128 tokens. */
export const GPU_SOAK: SoakOptions = { ...DEFAULT_SOAK, backend: 'webgpu', config: GPU_ENGINE_BENCH.config, requireGpu: true };

export async function soakTrain(options: SoakOptions): Promise<Record<string, number | string | boolean>> {
  const info = await initBenchBackend(options.backend, options.requireGpu ? { what: 'the GPU soak', instead: 'sqlora bench soak --backend webgpu' } : null);
  const { config } = options;
  const random = seededRandom(11);
  const separator = 3;
  const example = (): EncodedExample => {
    const tokens = Array.from({ length: options.copyTokens }, () => 4 + Math.floor(random() * options.alphabet));
    const prompt = [config.bosTokenId, ...tokens, separator];
    return { inputIds: [...prompt, ...tokens], labels: [...prompt.map(() => -100), ...tokens] };
  };
  const trainSet = Array.from({ length: options.steps * options.batch }, example);
  const validation = Array.from({ length: 16 }, example);

  const runConfig: TrainConfig = {
    ...SEED_RECIPE,
    modelPath: 'random weights',
    datasetId: 1,
    lora: { r: options.rank, alpha: 2 * options.rank, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
    learningRate: options.learningRate,
    epochs: 1,
    maxSteps: options.steps,
    batchSize: options.batch,
    gradAccumulation: 1,
    maxLength: 2 * options.copyTokens + 2,
    loggingSteps: 10,
    evalSteps: 50,
    saveSteps: 100,
    earlyStopping: { enabled: false, patience: 3, threshold: 0 },
  };
  // A random base's logits are at most hidden x embedding std (the final norm fixes |h| at
  // sqrt(hidden)): at std 0.02 a 256-wide model cannot sharpen past ~5 nats, whatever LoRA learns.
  const model = Gemma3Model.withRandomWeights(config, 1, false, Math.max(0.02, 20 / config.hiddenSize));
  const adapter = LoraAdapter.create(config, runConfig.lora, runConfig.seed);
  const stepModel = new LoraStepModel(model, adapter, { baseModel: null });
  const runDir = mkdtempSync(join(tmpdir(), 'sqlora-soak-'));
  const logs: SoakLog[] = [];
  const evals: number[] = [];
  try {
    const result = await train({
      config: runConfig,
      train: trainSet,
      validation,
      runDir,
      model: stepModel,
      onEvent: (e) => {
        if (e.kind === 'eval') evals.push(e.evalLoss);
        if (e.kind !== 'log') return;
        const line = { step: e.step, loss: e.loss, labelledTokensPerS: e.tokensPerS, ...memoryCounters() };
        logs.push(line);
        options.onLog?.(line);
      },
    });
    // After the first evaluation every kind of work has run once (its buffers are in the pool).
    const settled = logs.filter((l) => l.step > runConfig.evalSteps);
    const same = (key: keyof SoakLog) => settled.every((l) => l[key] === settled[0][key]);
    const losses = logs.map((l) => l.loss);
    return {
      backend: info.chosen,
      shape: `hidden ${config.hiddenSize}, ${config.numLayers} layers, vocab ${config.vocabSize}, batch ${options.batch} x ${2 * options.copyTokens + 2} tokens, LoRA r${options.rank} q/k/v/o`,
      steps: result.steps,
      stop: result.stop,
      lossFirst: round(losses[0]),
      lossLast: round(losses[losses.length - 1]),
      evalLosses: evals.map(round).join(' '),
      allFinite: [...losses, ...evals].every(Number.isFinite),
      // ln(alphabet): what knowing the alphabet, without copying, reaches.
      alphabetLoss: round(Math.log(options.alphabet)),
      labelledTokensPerS: round(result.tokensPerS),
      logLinesAfterFirstEval: settled.length,
      tensorsFlat: same('tensors'),
      tensorBytesFlat: same('tensorBytes'),
      gpuBytesFlat: same('gpuBytes'),
      tensors: settled.map((l) => l.tensors).join(' '),
      tensorMB: settled.map((l) => round(l.tensorBytes / 1e6)).join(' '),
      gpuMB: settled.map((l) => round(l.gpuBytes / 1e6)).join(' '),
    };
  } finally {
    stepModel.dispose();
    adapter.dispose();
    model.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
