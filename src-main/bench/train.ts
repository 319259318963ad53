import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../engine/backend';
import { Gemma3Model } from '../model/gemma3';
import { LoraAdapter } from '../model/lora';
import { LoraStepModel } from '../model/lora-training';
import { type FormattedExample, formatExample } from '../model/prompt';
import { ChatTokenizer } from '../model/tokenizer';
import { epochBatches } from '../train/batching';
import { SEED_RECIPE, type TrainConfig } from '../train/config';
import { type StepModel, train } from '../train/trainer';

/**
 * `npm run bench:train`: a real training run (data encoding, the loop, a log line
 * every step, a checkpoint with optimiser state every `saveSteps`) against the raw
 * step speed of the same batches in the same order. The overhead is measured
 * inside the real run (time outside the engine's accumulate/step calls), because two
 * separate passes differ by more than 5% from load and heap state alone. Evaluation is left out on purpose: it is work the user asked for, not
 * overhead. Runs on the embedded default model and dataset.
 */
export interface TrainBenchOptions {
  modelDir: string;
  datasetFile: string;
  steps: number;
  batchSize: number;
  saveSteps: number;
}

export async function benchTrain(options: TrainBenchOptions): Promise<Record<string, number | string>> {
  const info = await initBackend('wasm');
  const config: TrainConfig = {
    ...SEED_RECIPE,
    modelPath: options.modelDir,
    datasetId: 0,
    learningRate: 2e-3,
    batchSize: options.batchSize,
    gradAccumulation: 1,
    maxLength: 384,
    maxSteps: options.steps,
    loggingSteps: 1,
    saveSteps: options.saveSteps,
    evalSteps: options.steps * 10,
  };
  const rows = readFileSync(options.datasetFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, options.steps * options.batchSize)
    .map((l) => JSON.parse(l) as { sql_prompt: string; sql_context: string; sql: string });
  const model = Gemma3Model.load(options.modelDir);
  const newStepModel = () => {
    const adapter = LoraAdapter.create(model.config, config.lora, config.seed);
    return { adapter, step: new LoraStepModel(model, adapter, { baseModel: options.modelDir }) };
  };

  const t0 = performance.now();
  const tokenizer = ChatTokenizer.load(options.modelDir);
  const encoded = rows.flatMap((r) => formatExample(tokenizer, { prompt: r.sql_prompt, context: r.sql_context, sql: r.sql, explanation: null }, config) ?? []) as FormattedExample[];
  const encodeS = (performance.now() - t0) / 1000;
  const batches = epochBatches(encoded.map((e) => e.inputIds.length), config.batchSize, config.seed, 0).slice(0, options.steps);
  const allTokens = batches.reduce((n, b) => n + b.length * Math.max(...b.map((i) => encoded[i].inputIds.length)), 0);

  // Warm-up (kernel compilation, first allocations) outside both timings.
  const warm = newStepModel();
  await warm.step.accumulate(batches[0].map((i) => encoded[i]), 0);
  await warm.step.step({ tokens: 1, lr: 1e-3, weightDecay: 0, maxGradNorm: 1 });
  await warm.step.readStats();
  warm.step.dispose();
  warm.adapter.dispose();

  const raw = newStepModel();
  const r0 = performance.now();
  let labelled = 0;
  for (const [i, b] of batches.entries()) {
    const { tokens } = await raw.step.accumulate(b.map((j) => encoded[j]), i + 1);
    await raw.step.step({ tokens, lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1 });
    labelled += tokens;
  }
  await raw.step.readStats();
  const rawS = (performance.now() - r0) / 1000;
  raw.step.dispose();
  raw.adapter.dispose();

  const runDir = mkdtempSync(join(tmpdir(), 'sqlora-bench-train-'));
  const real = newStepModel();
  // Time the model's own calls inside the real run, so the overhead splits into
  // "the same steps ran slower" (noise, heap state) and "the loop spent time elsewhere".
  const inModel = { computeS: 0, saveS: 0 };
  const timed = <A extends unknown[], R>(key: keyof typeof inModel, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const s0 = performance.now();
      try {
        return await f(...a);
      } finally {
        inModel[key] += (performance.now() - s0) / 1000;
      }
    };
  const measured: StepModel = {
    accumulate: timed('computeS', real.step.accumulate.bind(real.step)),
    step: timed('computeS', real.step.step.bind(real.step)),
    // Waiting for the device to finish the steps is compute too.
    readStats: timed('computeS', real.step.readStats.bind(real.step)),
    evalLoss: real.step.evalLoss.bind(real.step),
    save: timed('saveS', real.step.save.bind(real.step)),
    load: real.step.load.bind(real.step),
    memoryBytes: real.step.memoryBytes.bind(real.step),
  };
  let logs = 0;
  let checkpoints = 0;
  try {
    const l0 = performance.now();
    const result = await train({
      config,
      train: encoded,
      validation: [],
      runDir,
      model: measured,
      onEvent: (e) => {
        if (e.kind === 'log') logs += 1;
        if (e.kind === 'checkpoint') checkpoints += 1;
      },
    });
    const loopS = (performance.now() - l0) / 1000;
    const realS = encodeS + loopS;
    return {
      backend: info.chosen,
      shape: `${options.modelDir.split(/[\\/]/).pop()}: ${model.config.numLayers} layers, hidden ${model.config.hiddenSize}, vocab ${model.config.vocabSize}; LoRA r${config.lora.r} ${config.lora.targets.join('/')}`,
      steps: result.steps,
      batch: `${config.batchSize} examples, max length ${config.maxLength}`,
      logLines: logs,
      checkpoints,
      rawStepS: round(rawS),
      realRunS: round(realS),
      encodeS: round(encodeS),
      stepsInRealRunS: round(inModel.computeS),
      checkpointSaveS: round(inModel.saveS),
      loopRestS: round(loopS - inModel.computeS - inModel.saveS),
      rawTokensPerS: round(allTokens / rawS),
      realTokensPerS: round(allTokens / realS),
      rawLabelledTokensPerS: round(labelled / rawS),
      realLabelledTokensPerS: round(result.tokensPerS),
      // The figure: what the run spends outside the engine's steps, relative to them.
      overheadPercent: round((100 * (realS - inModel.computeS)) / inModel.computeS),
      // Cross-check against a separate raw pass; moves by several % either way with machine load.
      realVsRawPercent: round((100 * (realS - rawS)) / rawS),
    };
  } finally {
    real.step.dispose();
    real.adapter.dispose();
    model.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
