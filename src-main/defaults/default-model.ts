import * as tf from '@tensorflow/tfjs-core';
import { Tokenizer } from '@huggingface/tokenizers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGemma3Config } from '../model/config';
import { Gemma3Model } from '../model/gemma3';
import { writeSafetensors } from '../model/safetensors';
import { gemma3ConfigJson } from '../model/tiny-model';
import { tokenizerFiles, trainBpe } from './bpe-tokenizer';
import { seededRandom, shuffle } from '../train/batching';
import { DEFAULT_DATASET_SEED, DOMAINS, generateExamples, splitDomains, type TextToSqlRow } from './dataset-generator';
import { pretrain } from './pretrain';
import { syntheticDomain } from './synthetic-domains';

/**
 * The embedded default base model: a small Gemma 3 (the real architecture and
 * on-disk format, a 4,096-entry BPE vocabulary) trained from scratch by the engine
 * on generated SQL documents. The documents are schema + question-as-comment +
 * SQL - not the chat prompt the fine-tuning uses - so the base model knows SQL, and
 * LoRA has the real job of teaching it to answer the seed's prompt. Most documents
 * use procedural schemas (`synthetic-domains.ts`): with thousands of table and column
 * names the model must learn to copy identifiers from the schema, which is what
 * unseen domains need. Test and validation domains never appear in its corpus.
 */
export const DEFAULT_MODEL_NAME = 'sqlora-tiny-gemma3';

export interface DefaultModelRecipe {
  seed: number;
  vocabSize: number;
  documents: number;
  /** Share of documents on procedural schemas; the rest use the training split's domains. */
  syntheticShare: number;
  syntheticDomains: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  slidingWindow: number;
  steps: number;
  batchSize: number;
  seqLen: number;
  learningRate: number;
}

export const DEFAULT_MODEL_RECIPE: DefaultModelRecipe = {
  seed: 7,
  vocabSize: 4096,
  documents: 12000,
  syntheticShare: 0.75,
  syntheticDomains: 1500,
  hiddenSize: 128,
  intermediateSize: 512,
  numLayers: 4,
  numHeads: 4,
  headDim: 32,
  slidingWindow: 512,
  steps: 1200,
  batchSize: 4,
  seqLen: 384,
  learningRate: 3e-3,
};

/**
 * One pretraining document: SQL as it appears in scripts and notes, the question as
 * a comment - after the schema (a script) or before it (a worked exercise), so the
 * model learns to find what a question refers to in either order.
 */
export function corpusDocument(row: TextToSqlRow): string {
  return row.id % 2 === 0
    ? `-- ${row.domain_description}\n${row.sql_context}\n\n-- ${row.sql_prompt}\n${row.sql}\n-- ${row.sql_explanation}\n`
    : `-- Question: ${row.sql_prompt}\n-- Tables:\n${row.sql_context}\n-- Answer:\n${row.sql}\n`;
}

export function corpusRows(recipe: DefaultModelRecipe): TextToSqlRow[] {
  const train = splitDomains(DEFAULT_DATASET_SEED).train;
  const heldOut = DOMAINS.filter((d) => !train.includes(d.name));
  const exclude = new Set(heldOut.flatMap((d) => [d.g, d.e, d.f].flatMap((t) => [t.one, t.many, t.table])));
  const random = seededRandom(recipe.seed * 7919);
  const specs = Array.from({ length: recipe.syntheticDomains }, (_, i) => syntheticDomain(random, i, exclude));
  const synthetic = Math.round(recipe.documents * recipe.syntheticShare);
  const rows = [
    ...generateExamples({ seed: DEFAULT_DATASET_SEED * 7 + recipe.seed, count: recipe.documents - synthetic, domains: train }),
    ...generateExamples({ seed: DEFAULT_DATASET_SEED * 11 + recipe.seed, count: synthetic, specs }),
  ];
  return shuffle(rows, random);
}

export interface BuildReport {
  parameters: number;
  corpusTokens: number;
  firstLoss: number;
  finalLoss: number;
  seconds: number;
  tokensPerS: number;
}

export function buildDefaultModel(outDir: string, recipe: DefaultModelRecipe, log: (line: string) => void = () => {}): BuildReport {
  const docs = corpusRows(recipe).map(corpusDocument);
  // The seed's instruction sentence is in the tokenizer's corpus so the fine-tuning prompt tokenises compactly.
  const bpe = trainBpe([...docs, 'Generate the SQL query for the following request based on the provided context.\n\nRequest: \n\nDatabase Context:\nSQL: Explanation:'], recipe.vocabSize);
  const files = tokenizerFiles(bpe);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(files.tokenizer));
  writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(files.config, null, 2));
  const tokenizer = new Tokenizer(files.tokenizer, files.config);
  const stream: number[] = [];
  const docStarts: number[] = [];
  for (const d of docs) {
    docStarts.push(stream.length);
    stream.push(...tokenizer.encode(d).ids, 1);
  }
  log(`tokenizer: ${bpe.vocab.size} entries; corpus ${docs.length} documents, ${stream.length} tokens`);

  // The last layer attends globally, the others through the sliding window (Gemma's local/global mix at this
  // depth); the window is Gemma 3 1B's 512, longer than any demo prompt.
  const layerTypes = Array.from({ length: recipe.numLayers }, (_, i) => (i === recipe.numLayers - 1 ? 'full_attention' : 'sliding_attention') as 'full_attention' | 'sliding_attention');
  const raw = gemma3ConfigJson({ ...recipe, numKvHeads: 1 }, { vocabSize: recipe.vocabSize, eosTokenIds: [1, 5], layerTypes, maxPositionEmbeddings: 2048 });
  const model = Gemma3Model.withRandomWeights(parseGemma3Config(raw), recipe.seed, true);
  const parameters = model.variables().reduce((n, v) => n + v.size, 0);
  log(`model: ${parameters.toLocaleString('en-US')} parameters`);
  let firstLoss = Number.NaN;
  const result = pretrain(model, Int32Array.from(stream), Int32Array.from(docStarts), {
    steps: recipe.steps,
    batchSize: recipe.batchSize,
    seqLen: recipe.seqLen,
    learningRate: recipe.learningRate,
    warmupRatio: 0.05,
    weightDecay: 0.01,
    seed: recipe.seed,
    logEvery: Math.max(1, Math.min(50, Math.floor(recipe.steps / 10))),
    onLog: (l) => {
      if (Number.isNaN(firstLoss)) firstLoss = l.loss;
      log(`step ${l.step}/${recipe.steps} loss ${l.loss.toFixed(4)} lr ${l.learningRate.toExponential(2)} ${l.tokensPerS.toFixed(0)} tokens/s`);
    },
  });
  writeSafetensors(join(outDir, 'model.safetensors'), model.toHuggingFace());
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(raw, null, 2));
  writeFileSync(join(outDir, 'generation_config.json'), JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 5], pad_token_id: 0, do_sample: false }, null, 2));
  const report: BuildReport = {
    parameters,
    corpusTokens: stream.length,
    firstLoss,
    finalLoss: result.finalLoss,
    seconds: result.seconds,
    tokensPerS: (recipe.steps * recipe.batchSize * recipe.seqLen) / result.seconds,
  };
  writeFileSync(join(outDir, 'build.json'), JSON.stringify({ recipe, report, tfjsBackend: tf.getBackend() }, null, 2));
  model.dispose();
  return report;
}
