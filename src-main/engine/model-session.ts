import * as tf from '@tensorflow/tfjs-core';
import { basename } from 'node:path';
import type { BackendName } from '../api/contract';
import { loadGemma3Config } from '../model/config';
import { throwIfDeviceFailed } from '../model/device-limits';
import { Gemma3Model } from '../model/gemma3';
import { generate } from '../model/generate';
import { LoraAdapter } from '../model/lora';
import { LoraStepModel } from '../model/lora-training';
import { assertFits, estimateMemory } from '../model/memory';
import { type FormattedExample, formatExample, promptIds } from '../model/prompt';
import { ChatTokenizer } from '../model/tokenizer';
import { train } from '../train/trainer';
import type { OpContext } from './operations';
import type { OpPayload, OpResult } from './protocol';

/**
 * What the engine process holds between requests: the base model last used (a
 * sweep of r 4/8/16 loads it once) and its tokenizer. Training and generation
 * requests run here.
 */
let loaded: { path: string; model: Gemma3Model } | null = null;

function baseModel(path: string, backend: BackendName, work: Parameters<typeof estimateMemory>[1], what: string): Gemma3Model {
  const config = loadGemma3Config(path);
  assertFits(backend, estimateMemory(config, work), what);
  if (loaded?.path === path) return loaded.model;
  if (loaded) {
    loaded.model.dispose();
    loaded = null;
  }
  loaded = { path, model: Gemma3Model.load(path, config) };
  return loaded.model;
}

export async function trainAdapter(payload: OpPayload<'train'>, ctx: OpContext, backend: BackendName): Promise<OpResult<'train'>> {
  const { config } = payload;
  const tokenizer = ChatTokenizer.load(config.modelPath);
  const counts = { train: 0, validation: 0, truncated: 0, dropped: 0 };
  const encode = (rows: OpPayload<'train'>['train']) =>
    rows.flatMap((row) => {
      const f = formatExample(tokenizer, row, { maxLength: config.maxLength, includeExplanation: config.includeExplanation });
      if (!f) {
        counts.dropped += 1;
        return [];
      }
      if (f.truncated) counts.truncated += 1;
      return [f];
    });
  const trainSet: FormattedExample[] = encode(payload.train);
  const validation: FormattedExample[] = encode(payload.validation);
  counts.train = trainSet.length;
  counts.validation = validation.length;
  if (!trainSet.length) throw new Error(`No training example fits max length ${config.maxLength} tokens (${counts.dropped} prompts are longer).`);
  ctx.emit({ kind: 'prepared', examples: counts });

  const longest = Math.max(...trainSet.map((e) => e.inputIds.length));
  const model = baseModel(config.modelPath, backend, { batchSize: config.batchSize, sequenceLength: longest, lora: { r: config.lora.r, targets: config.lora.targets } }, `Training r=${config.lora.r} on ${basename(config.modelPath)}`);
  const adapter = config.startAdapterPath
    ? LoraAdapter.load(config.startAdapterPath, model.config, basename(config.modelPath))
    : LoraAdapter.create(model.config, { r: config.lora.r, alpha: config.lora.alpha, dropout: config.lora.dropout, targets: config.lora.targets }, config.seed);
  const stepModel = new LoraStepModel(model, adapter, { baseModel: config.modelPath });
  try {
    const result = await train({
      config,
      train: trainSet,
      validation,
      runDir: payload.runDir,
      model: stepModel,
      signal: ctx.signal,
      shouldPause: ctx.pauseRequested,
      resume: payload.resume,
      onEvent: (event) => ctx.emit(event),
    });
    return { ...result, examples: counts };
  } finally {
    stepModel.dispose();
    adapter.dispose();
  }
}

export async function generateSql(payload: OpPayload<'generate'>, ctx: OpContext, backend: BackendName): Promise<OpResult<'generate'>> {
  const tokenizer = ChatTokenizer.load(payload.modelPath);
  const prompts = payload.items.map((item) => promptIds(tokenizer, item.question, item.context));
  const longest = Math.max(...prompts.map((p) => p.length)) + payload.maxNewTokens;
  const model = baseModel(payload.modelPath, backend, { batchSize: Math.min(payload.batchSize, prompts.length), sequenceLength: longest }, `Generating with ${basename(payload.modelPath)}`);
  const adapter = payload.adapterPath ? LoraAdapter.load(payload.adapterPath, model.config, basename(payload.modelPath)) : null;
  // Merged weights make generation as fast as the base model's; unmerged afterwards.
  adapter?.merge(model);
  const stop = [...new Set([...model.config.eosTokenIds, tokenizer.endOfTurnId()].filter((t): t is number => t !== undefined))];
  const outputs: OpResult<'generate'>['outputs'] = [];
  const started = performance.now();
  let generated = 0;
  try {
    for (let i = 0; i < prompts.length; i += payload.batchSize) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const batch = prompts.slice(i, i + payload.batchSize);
      const streamed: number[] = [];
      // Streaming shows the first prompt's text as it grows (the Playground asks for one prompt).
      const onStep =
        payload.stream && i === 0
          ? (tokens: number[]) => {
              if (tokens[0] < 0 || stop.includes(tokens[0])) return;
              streamed.push(tokens[0]);
              ctx.emit({ kind: 'token', text: tokenizer.decode(streamed) });
            }
          : undefined;
      const result = await generate(model, batch, { maxNewTokens: payload.maxNewTokens, temperature: payload.temperature, topP: payload.topP, seed: payload.seed + i, stopTokenIds: stop, signal: ctx.signal, onStep });
      result.tokens.forEach((tokens, j) => {
        generated += tokens.length;
        outputs.push({ text: tokenizer.decode(tokens), tokens: tokens.length, finish: result.finish[j] });
      });
      await new Promise((resolve) => setImmediate(resolve));
      throwIfDeviceFailed();
      ctx.emit({ kind: 'progress', done: outputs.length, total: prompts.length });
    }
  } finally {
    if (adapter) {
      adapter.unmerge(model);
      adapter.dispose();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { outputs, tokensPerS: generated / Math.max(seconds, 1e-9), memoryBytes: tf.memory().numBytes };
}
