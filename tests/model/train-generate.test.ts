import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { generateSql, trainAdapter } from '../../src-main/engine/model-session';
import type { OpContext } from '../../src-main/engine/operations';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { LoraAdapter } from '../../src-main/model/lora';
import { lossAndGrads, LoraStepModel, makeBatch } from '../../src-main/model/lora-training';
import { formatExample } from '../../src-main/model/prompt';
import { ChatTokenizer } from '../../src-main/model/tokenizer';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { SEED_RECIPE, type TrainConfig } from '../../src-main/train/config';
import { type LogEvent, train } from '../../src-main/train/trainer';

/**
 * The engine's train and generate operations end to end on a small Gemma 3 with
 * the real Gemma tokenizer (262,144-entry vocabulary, so the chunked LM-head loss
 * is exercised at its real width).
 */
let dir: string;
let modelDir: string;
const rows = [
  { prompt: 'How many users are there?', context: 'CREATE TABLE users (id INT, name TEXT);', sql: 'SELECT COUNT(*) FROM users;', explanation: null },
  { prompt: 'List all product names.', context: 'CREATE TABLE products (id INT, name TEXT, price REAL);', sql: 'SELECT name FROM products;', explanation: 'Selects every name.' },
  { prompt: 'What is the highest price?', context: 'CREATE TABLE products (id INT, name TEXT, price REAL);', sql: 'SELECT MAX(price) FROM products;', explanation: null },
];

const context = (over: Partial<OpContext> = {}): OpContext & { events: { kind: string }[] } => {
  const events: { kind: string }[] = [];
  return { signal: new AbortController().signal, pauseRequested: () => false, emit: (e) => events.push(e as { kind: string }), events, ...over };
};

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'sqlora-train-'));
  modelDir = join(dir, 'model');
  writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 1, 0.3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prompt formatting', () => {
  it("formats the seed's prompt through the chat template, one <bos>, labels only on the response and <end_of_turn>", () => {
    const tokenizer = ChatTokenizer.load(modelDir);
    const f = formatExample(tokenizer, rows[1], { maxLength: 512, includeExplanation: false })!;
    expect(f.inputIds[0]).toBe(2);
    expect(f.inputIds.filter((t) => t === 2)).toHaveLength(1);
    expect(f.labels.slice(0, f.promptLength).every((l) => l === -100)).toBe(true);
    expect(tokenizer.decode(f.labels.slice(f.promptLength), false)).toBe('SQL: SELECT name FROM products;<end_of_turn>');
    expect(tokenizer.decode(f.inputIds.slice(0, f.promptLength), false)).toBe(
      '<bos><start_of_turn>user\nGenerate the SQL query for the following request based on the provided context.\n\nRequest: List all product names.\n\nDatabase Context:\nCREATE TABLE products (id INT, name TEXT, price REAL);<end_of_turn>\n<start_of_turn>model\n',
    );
    const withExplanation = formatExample(tokenizer, rows[1], { maxLength: 512, includeExplanation: true })!;
    expect(tokenizer.decode(withExplanation.labels.slice(withExplanation.promptLength), false)).toBe('SQL: SELECT name FROM products;\nExplanation: Selects every name.<end_of_turn>');
    // Too long: the context is cut, never the SQL; without room even for the SQL, dropped.
    const cut = formatExample(tokenizer, rows[1], { maxLength: f.inputIds.length - 5, includeExplanation: false })!;
    expect(cut.truncated).toBe(true);
    expect(cut.inputIds.length).toBeLessThanOrEqual(f.inputIds.length - 5);
    expect(tokenizer.decode(cut.labels.slice(cut.promptLength), false)).toBe('SQL: SELECT name FROM products;<end_of_turn>');
    expect(tokenizer.decode(cut.inputIds.slice(0, cut.promptLength), false)).toContain('Database Context:\nCREATE TABLE products (id INT, name');
    expect(formatExample(tokenizer, rows[0], { maxLength: 32, includeExplanation: false })).toBeNull();
  });
});

describe('gradient accumulation', () => {
  it('8 micro-batches of 1 accumulate the same gradient as one batch of 8', async () => {
    const tokenizer = ChatTokenizer.load(modelDir);
    const model = Gemma3Model.load(modelDir);
    const adapter = LoraAdapter.create(model.config, { r: 4, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj', 'up_proj'] }, 5);
    for (const v of adapter.variables()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9));
    const examples = [...rows, ...rows, ...rows].slice(0, 8).map((r, i) => formatExample(tokenizer, { ...r, prompt: `${r.prompt} (${i})` }, { maxLength: 512, includeExplanation: i % 2 === 0 })!);
    const whole = await lossAndGrads(model, adapter, makeBatch(examples, 0), { withGrad: true });
    const parts = await Promise.all(examples.map((e) => lossAndGrads(model, adapter, makeBatch([e], 0), { withGrad: true })));
    expect(parts.reduce((n, p) => n + p.tokens, 0)).toBe(whole.tokens);
    expect(parts.reduce((n, p) => n + p.lossSum, 0)).toBeCloseTo(whole.lossSum, 3);
    whole.grads!.forEach((g, i) => {
      const summed = tf.addN(parts.map((p) => p.grads![i]));
      const diff = tf.max(tf.abs(tf.sub(summed, g))).dataSync()[0];
      const scale = tf.max(tf.abs(g)).dataSync()[0];
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-6));
    });
    model.dispose();
  }, 60_000);
});

describe('host round trips', () => {
  it('a training run reads the device once per logging interval, and trains the same as reading every step', async () => {
    const tokenizer = ChatTokenizer.load(modelDir);
    const model = Gemma3Model.load(modelDir);
    const examples = rows.map((r) => formatExample(tokenizer, r, { maxLength: 512, includeExplanation: false })!);
    // Every read of a tensor's values by the host goes through the engine (kernels that
    // read their inputs ask the backend directly; on a GPU backend they are on the device).
    const engine = tf.engine() as unknown as { read: (...a: unknown[]) => unknown; readSync: (...a: unknown[]) => unknown };
    const [read, readSync] = [engine.read, engine.readSync];
    let reads = 0;
    engine.read = (...a) => (reads++, read.apply(engine, a));
    engine.readSync = (...a) => (reads++, readSync.apply(engine, a));
    const run = async (loggingSteps: number) => {
      const adapter = LoraAdapter.create(model.config, { r: 2, alpha: 4, dropout: 0.1, targets: ['q_proj', 'v_proj'] }, 3);
      const step = new LoraStepModel(model, adapter, { baseModel: null });
      const readsPerLog: number[] = [];
      const logs: LogEvent[] = [];
      reads = 0;
      const runConfig = { ...SEED_RECIPE, modelPath: modelDir, datasetId: 1, learningRate: 1e-2, batchSize: 1, gradAccumulation: 2, maxSteps: 6, loggingSteps, saveSteps: 1000 };
      const result = await train({
        config: runConfig,
        train: examples,
        validation: [],
        runDir: mkdtempSync(join(dir, 'reads-')),
        model: step,
        onEvent: (e) => {
          if (e.kind !== 'log') return;
          logs.push(e);
          readsPerLog.push(reads);
          reads = 0;
        },
      });
      const weights = adapter.variables().map((v) => Array.from(v.dataSync()));
      step.dispose();
      adapter.dispose();
      return { result, logs, readsPerLog, weights };
    };
    try {
      const lazy = await run(3);
      const eager = await run(1);
      // 6 steps of 2 micro-batches: one read of all three steps' losses and norms per log line.
      expect(lazy.readsPerLog).toEqual([1, 1]);
      expect(eager.readsPerLog).toEqual([1, 1, 1, 1, 1, 1]);
      expect(lazy.result.trainLoss!).toBeCloseTo(eager.result.trainLoss!, 6);
      expect(lazy.logs.map((l) => l.gradNorm)).toEqual([eager.logs[2].gradNorm, eager.logs[5].gradNorm]);
      lazy.weights.forEach((w, i) => expect(w).toEqual(eager.weights[i]));
    } finally {
      engine.read = read;
      engine.readSync = readSync;
      model.dispose();
    }
  }, 60_000);
});

describe('train and generate operations', () => {
  const config = (over: Partial<TrainConfig> = {}): TrainConfig => ({
    ...SEED_RECIPE,
    modelPath: modelDir,
    datasetId: 1,
    lora: { r: 4, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
    learningRate: 5e-2,
    epochs: 10,
    batchSize: 3,
    gradAccumulation: 1,
    warmupRatio: 0,
    scheduler: 'constant',
    loggingSteps: 1,
    evalSteps: 5,
    saveSteps: 5,
    earlyStopping: { enabled: false, patience: 3, threshold: 0.01 },
    ...over,
  });

  it('trains a LoRA adapter that lowers the loss, with logs, evals, checkpoints and a PEFT adapter', async () => {
    const ctx = context();
    const runDir = join(dir, 'run1');
    const result = await trainAdapter({ config: config(), runDir, resume: false, train: rows, validation: rows }, ctx, 'wasm');
    expect(result.stop).toBe('completed');
    expect(result.steps).toBe(10);
    expect(result.examples).toEqual({ train: 3, validation: 3, truncated: 0, dropped: 0 });
    const logs = ctx.events.filter((e) => e.kind === 'log') as unknown as { loss: number }[];
    expect(logs).toHaveLength(10);
    expect(logs[9].loss).toBeLessThan(logs[0].loss - 2);
    expect(ctx.events.filter((e) => e.kind === 'eval')).toHaveLength(2);
    expect(existsSync(join(result.finalAdapter, 'adapter_model.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(result.finalAdapter, 'adapter_config.json'), 'utf8')).r).toBe(4);

    // The trained adapter changes what the model writes.
    const base = await generateSql({ modelPath: modelDir, adapterPath: null, items: [{ question: rows[0].prompt, context: rows[0].context }], maxNewTokens: 12, temperature: 0, topP: 1, seed: 0, batchSize: 4 }, context(), 'wasm');
    const tuned = await generateSql({ modelPath: modelDir, adapterPath: result.finalAdapter, items: [{ question: rows[0].prompt, context: rows[0].context }], maxNewTokens: 12, temperature: 0, topP: 1, seed: 0, batchSize: 4 }, context(), 'wasm');
    expect(tuned.outputs[0].text).not.toBe(base.outputs[0].text);
    expect(tuned.outputs[0].tokens).toBeGreaterThan(0);
    expect(tuned.tokensPerS).toBeGreaterThan(0);
  }, 120_000);

  it('pauses at a step boundary with a checkpoint, and resuming continues to the same result as an uninterrupted run', async () => {
    const straight = await trainAdapter({ config: config({ epochs: 4 }), runDir: join(dir, 'straight'), resume: false, train: rows, validation: rows }, context(), 'wasm');
    let steps = 0;
    const first = context({ pauseRequested: () => steps >= 2 });
    first.emit = (e) => {
      if ((e as { kind: string }).kind === 'log') steps += 1;
    };
    const paused = await trainAdapter({ config: config({ epochs: 4 }), runDir: join(dir, 'paused'), resume: false, train: rows, validation: rows }, first, 'wasm');
    expect(paused.stop).toBe('paused');
    expect(paused.steps).toBe(2);
    const resumed = await trainAdapter({ config: config({ epochs: 4 }), runDir: join(dir, 'paused'), resume: true, train: rows, validation: rows }, context(), 'wasm');
    expect(resumed.stop).toBe('completed');
    expect(resumed.steps).toBe(4);
    expect(resumed.trainLoss).toBeCloseTo(straight.trainLoss!, 4);
    expect(readFileSync(join(resumed.finalAdapter, 'adapter_model.safetensors')).equals(readFileSync(join(straight.finalAdapter, 'adapter_model.safetensors')))).toBe(true);
  }, 120_000);
});
