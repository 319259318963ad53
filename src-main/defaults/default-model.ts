import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGemma3Config } from '../model/config';
import { Gemma3Model } from '../model/gemma3';
import { ChatTokenizer } from '../model/tokenizer';
import { writeSafetensors } from '../model/safetensors';
import { gemma3ConfigJson } from '../model/tiny-model';
import { tokenizerFiles, trainBpe } from './bpe-tokenizer';
import { seededRandom, shuffle } from '../train/batching';
import { DEFAULT_DATASET_SEED, DOMAINS, generateExamples, splitDomains, type TextToSqlRow } from './dataset-generator';
import { lossAndGrads, makeBatch } from '../model/lora-training';
import type { EncodedExample } from '../train/trainer';
import { pretrain } from './pretrain';
import { domainWordPools, lexiconWords, syntheticDomain } from './synthetic-domains';

/**
 * The embedded default base model: a small Gemma 3 (the real architecture and
 * on-disk format, an 8,192-entry BPE vocabulary in which every word the generators name
 * things with is a whole token) trained from scratch by the engine
 * on generated SQL documents: scripts and worked exercises (schema, question as a
 * comment, SQL) and, a quarter of them (`chatShare`), chat turns with generic requests,
 * so the base ends a turn as Gemma's -it models do. None uses the seed's prompt: the base
 * model knows SQL, and LoRA has the real job of teaching it to answer that prompt.
 * Most documents use procedural schemas (`synthetic-domains.ts`), about one per
 * document, a third named with made-up words: no schema recurs often enough to
 * memorise, so the model must copy identifiers from the schema and the question -
 * what unseen domains need.
 * (With 1,500 schemas of real words its held-out answer loss stalled at 4.1 while its
 * training loss kept falling.) Test and validation domains never appear in its corpus;
 * their words do, in other schemas (`domainWords`), as a general model has met every
 * English word.
 */
export const DEFAULT_MODEL_NAME = 'sqlora-tiny-gemma3';

export interface DefaultModelRecipe {
  seed: number;
  vocabSize: number;
  /**
   * Times the generators' lexicon (`lexiconWords`) is counted in the tokenizer's training
   * text, so its words become whole tokens (with and without a leading space); 0: the
   * corpus alone, where names of unseen domains split into syllables.
   */
  lexiconWeight: number;
  documents: number;
  /** Share of documents on procedural schemas; the rest use the training split's domains. */
  syntheticShare: number;
  syntheticDomains: number;
  /** Share of procedural schemas named with made-up words. */
  inventedShare: number;
  /**
   * Procedural schemas also draw nouns and columns from every fixed domain, held-out
   * ones included, never a domain's noun with its own columns (`domainWordPools`): the
   * model meets every word a test schema uses, as a general model has, but no test
   * table. false: held-out domains' words never reach the corpus (session 10's build).
   */
  domainWords: boolean;
  /** Share of documents whose context keeps its INSERT rows (the rest show only CREATE TABLE). */
  rowsShare: number;
  /**
   * Share of documents written as a chat turn with a generic instruction (`chatDocument`,
   * never the seed's prompt), the SQL and `<end_of_turn>` the targets: the base knows
   * turns and how to end one, as Gemma's -it models do. 0: scripts and exercises only.
   */
  chatShare: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads: with one, each layer moves 32 dimensions from the context; a copy pilot copied better with 4. */
  numKvHeads: number;
  headDim: number;
  slidingWindow: number;
  steps: number;
  batchSize: number;
  seqLen: number;
  learningRate: number;
  /**
   * Std of the (tied) embedding's random start; the other matrices start at 0.02. A
   * pilot copying random tokens learned faster from 0.1 (BENCHMARKS.md); builds before
   * session 12 used 0.02.
   */
  embeddingStd: number;
  /**
   * Steps of a copy warm-up before the SQL corpus (batch x 128 tokens): documents of
   * random tokens, a separator, the same tokens again, the loss on the repeat. Copying
   * from the context is the skill the SQL corpus did not teach at CPU compute; a pilot
   * learnt it from this task alone (BENCHMARKS.md). 0: none (as shipped).
   */
  copySteps: number;
}

export const DEFAULT_MODEL_RECIPE: DefaultModelRecipe = {
  seed: 7,
  vocabSize: 8192,
  lexiconWeight: 300,
  documents: 12000,
  syntheticShare: 0.75,
  syntheticDomains: 9000,
  inventedShare: 0.3,
  domainWords: true,
  rowsShare: 0.3,
  chatShare: 0.25,
  hiddenSize: 128,
  intermediateSize: 512,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 1,
  headDim: 32,
  slidingWindow: 512,
  steps: 1800,
  batchSize: 4,
  seqLen: 384,
  learningRate: 3e-3,
  embeddingStd: 0.1,
  copySteps: 0,
};

/**
 * For a build on a GPU (`SQLORA_MODEL_RECIPE=gpu SQLORA_MODEL_BACKEND=webgpu`, or gpu-run's
 * build-model mode): what the CPU builds lacked - far more tokens (5x the documents,
 * 8x the batch: 3,000 steps of 32 x 384 are 37 M tokens, 13 times the CPU build's 2.8 M) -
 * and 4 KV heads, which copied better in the CPU pilots but make every step (LoRA's too)
 * dearer on a CPU (session 9's demo: 1.3x the training time per rank; BENCHMARKS.md).
 * Not yet run: no GPU was lent since it was written.
 */
export const GPU_MODEL_RECIPE: DefaultModelRecipe = {
  ...DEFAULT_MODEL_RECIPE,
  documents: 60000,
  syntheticDomains: 45000,
  numKvHeads: 4,
  batchSize: 32,
  steps: 3000,
};

/** A pretraining document in three parts; `answer` (and the closing <eos>) are the loss targets. */
export interface CorpusDocument {
  prompt: string;
  answer: string;
  rest: string;
}

/** The context without its INSERT statements (the CREATE TABLEs stay). */
export const withoutRows = (context: string): string => context.replace(/ ?INSERT INTO \w+ VALUES [^;]*;/g, '');

/**
 * One pretraining document: SQL as it appears in scripts and notes, the question as
 * a comment - after the schema (a script) or before it (a worked exercise), so the
 * model learns to find what a question refers to in either order. Some contexts drop
 * their INSERT rows: shorter documents put more answers in every window.
 */
export function corpusDocument(row: TextToSqlRow, keepRows = true): CorpusDocument {
  const context = keepRows ? row.sql_context : withoutRows(row.sql_context);
  return row.id % 2 === 0
    ? { prompt: `-- ${row.domain_description}\n${context}\n\n-- ${row.sql_prompt}\n`, answer: `${row.sql}\n`, rest: `-- ${row.sql_explanation}\n` }
    : { prompt: `-- Question: ${row.sql_prompt}\n-- Tables:\n${context}\n-- Answer:\n`, answer: `${row.sql}\n`, rest: '' };
}

/** The user turns of the chat documents: generic requests, none of them the seed's prompt (`model/prompt.ts`). */
const CHAT_REQUESTS: ((question: string, context: string) => string)[] = [
  (q, c) => `Write a SQLite query for this question.\n\nQuestion: ${q}\n\nTables:\n${c}`,
  (q, c) => `${c}\n\nUsing the tables above, write the SQL that answers: ${q}`,
  (q, c) => `Here is a database:\n${c}\n\nGive me the SQL statement for: ${q}`,
  (q, c) => `${q}\n\nSchema:\n${c}`,
];

/**
 * A document as one exchange in Gemma's chat markup: a generic request, then the plain
 * SQL ending the model's turn. The `<bos>` comes from `encodeDocument`.
 */
export function chatDocument(row: TextToSqlRow, keepRows = true): CorpusDocument {
  const context = keepRows ? row.sql_context : withoutRows(row.sql_context);
  const request = CHAT_REQUESTS[row.id % CHAT_REQUESTS.length](row.sql_prompt, context);
  return { prompt: `<start_of_turn>user\n${request}<end_of_turn>\n<start_of_turn>model\n`, answer: `${row.sql}<end_of_turn>`, rest: '\n' };
}

/** Gemma's turn markers are special tokens: not text for the tokenizer's merges. */
const withoutTurnMarkers = (text: string): string => text.replace(/<(start|end)_of_turn>/g, '');

/**
 * Token ids of a document (with <bos>, ending in <eos>) and the mask of its target
 * tokens: the answer and the closing <eos>. Without <eos> as a target the model never
 * learns to stop, and every generation runs to its token limit.
 */
export function encodeDocument(tokenizer: { encode(text: string): number[] }, doc: CorpusDocument): { ids: number[]; answerMask: number[] } {
  const [prompt, answer, rest] = [[2, ...tokenizer.encode(doc.prompt)], tokenizer.encode(doc.answer), tokenizer.encode(doc.rest)];
  return {
    ids: [...prompt, ...answer, ...rest, 1],
    answerMask: [...prompt.map(() => 0), ...answer.map(() => 1), ...rest.map(() => 0), 1],
  };
}

export function corpusRows(recipe: DefaultModelRecipe): TextToSqlRow[] {
  const train = splitDomains(DEFAULT_DATASET_SEED).train;
  const heldOut = DOMAINS.filter((d) => !train.includes(d.name));
  const exclude = recipe.domainWords ? new Set<string>() : new Set(heldOut.flatMap((d) => [d.g, d.e, d.f].flatMap((t) => [t.one, t.many, t.table])));
  const pools = recipe.domainWords ? domainWordPools(DOMAINS) : undefined;
  const random = seededRandom(recipe.seed * 7919);
  const invented = Math.round(recipe.syntheticDomains * recipe.inventedShare);
  const specs = Array.from({ length: recipe.syntheticDomains }, (_, i) => syntheticDomain(random, i, exclude, i < invented, pools));
  const synthetic = Math.round(recipe.documents * recipe.syntheticShare);
  const rows = [
    ...generateExamples({ seed: DEFAULT_DATASET_SEED * 7 + recipe.seed, count: recipe.documents - synthetic, domains: train }),
    ...generateExamples({ seed: DEFAULT_DATASET_SEED * 11 + recipe.seed, count: synthetic, specs }),
  ];
  return shuffle(rows, random);
}

const COPY_WINDOW = 128;

/** The copy warm-up's documents: `<bos>` x1..xn `<unk>` x1..xn `<eos>`, n 8-27 tokens drawn from the whole vocabulary. */
export function copyCorpus(recipe: DefaultModelRecipe): { stream: Int32Array; docStarts: Int32Array; answerMask: Uint8Array } {
  const random = seededRandom(recipe.seed * 15485863);
  const firstOrdinary = 6; // after Gemma's special tokens (bpe-tokenizer.ts)
  const stream: number[] = [];
  const mask: number[] = [];
  const docStarts: number[] = [];
  // Enough documents that every window is fresh text (38 tokens a document on average): nothing to memorise, only to copy.
  const documents = Math.ceil((recipe.copySteps * recipe.batchSize * COPY_WINDOW) / 38);
  for (let d = 0; d < documents; d++) {
    const n = 8 + Math.floor(random() * 20);
    const tokens = Array.from({ length: n }, () => firstOrdinary + Math.floor(random() * (recipe.vocabSize - firstOrdinary)));
    docStarts.push(stream.length);
    stream.push(2, ...tokens, 3, ...tokens, 1);
    mask.push(0, ...tokens.map(() => 0), 0, ...tokens.map(() => 1), 1);
  }
  return { stream: Int32Array.from(stream), docStarts: Int32Array.from(docStarts), answerMask: Uint8Array.from(mask) };
}

/**
 * The lexicon as tokenizer training text: each word as it starts a name (after a space,
 * in its case and lower case) and as it continues one (after `_`).
 */
export const lexiconText = (): string => lexiconWords(DOMAINS).map((w) => ` ${w} ${w.toLowerCase()}_${w}`).join('');

export interface BuildReport {
  parameters: number;
  corpusTokens: number;
  /** Mean loss of the answer tokens, first and last logging interval. */
  firstLoss: number;
  finalLoss: number;
  /** Mean answer loss on validation-domain examples (never trained on), at the end. */
  heldOutAnswerLoss: number;
  seconds: number;
  tokensPerS: number;
}

/** The corpus's documents, in order; which keep their INSERT rows is drawn from the recipe's seed. */
export function corpusDocuments(recipe: DefaultModelRecipe): CorpusDocument[] {
  const random = seededRandom(recipe.seed * 104729);
  return corpusRows(recipe).map((row) => {
    const keepRows = random() < recipe.rowsShare;
    // Drawn only when the recipe has chat documents, so a recipe without them keeps its corpus.
    return recipe.chatShare > 0 && random() < recipe.chatShare ? chatDocument(row, keepRows) : corpusDocument(row, keepRows);
  });
}

/** Documents on validation domains, scored on their answers only: how well the model does on schemas it never saw. */
function heldOutExamples(tokenizer: ChatTokenizer, recipe: DefaultModelRecipe): EncodedExample[] {
  const rows = generateExamples({ seed: DEFAULT_DATASET_SEED * 13 + recipe.seed, count: 48, domains: splitDomains(DEFAULT_DATASET_SEED).validation });
  return rows.map((row) => {
    const { ids, answerMask } = encodeDocument(tokenizer, corpusDocument(row));
    return { inputIds: ids, labels: ids.map((id, i) => (answerMask[i] ? id : -100)) };
  });
}

async function answerLoss(model: Gemma3Model, examples: EncodedExample[]): Promise<number> {
  let sum = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i += 8) {
    const r = await lossAndGrads(model, null, makeBatch(examples.slice(i, i + 8), 0), { withGrad: false });
    sum += r.lossSum;
    tokens += r.tokens;
  }
  return sum / tokens;
}

export async function buildDefaultModel(outDir: string, recipe: DefaultModelRecipe, log: (line: string) => void = () => {}): Promise<BuildReport> {
  const docs = corpusDocuments(recipe);
  // The seed's instruction sentence is in the tokenizer's corpus so the fine-tuning prompt tokenises compactly.
  const lexicon = recipe.lexiconWeight > 0 ? lexiconText() : '';
  const bpe = trainBpe(
    [
      ...docs.map((d) => withoutTurnMarkers(d.prompt + d.answer + d.rest)),
      'Generate the SQL query for the following request based on the provided context.\n\nRequest: \n\nDatabase Context:\nSQL: Explanation:',
      ...Array.from({ length: recipe.lexiconWeight }, () => lexicon),
    ],
    recipe.vocabSize,
  );
  const files = tokenizerFiles(bpe);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(files.tokenizer));
  writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(files.config, null, 2));
  const tokenizer = ChatTokenizer.load(outDir);
  const stream: number[] = [];
  const answerMask: number[] = [];
  const docStarts: number[] = [];
  for (const d of docs) {
    const encoded = encodeDocument(tokenizer, d);
    docStarts.push(stream.length);
    stream.push(...encoded.ids);
    answerMask.push(...encoded.answerMask);
  }
  const answerTokens = answerMask.reduce((n, m) => n + m, 0);
  log(`tokenizer: ${bpe.vocab.size} entries; corpus ${docs.length} documents, ${stream.length} tokens, ${answerTokens} of them answers`);

  // The last layer attends globally, the others through the sliding window (Gemma's local/global mix at this
  // depth); the window is Gemma 3 1B's 512, longer than any demo prompt.
  const layerTypes = Array.from({ length: recipe.numLayers }, (_, i) => (i === recipe.numLayers - 1 ? 'full_attention' : 'sliding_attention') as 'full_attention' | 'sliding_attention');
  const raw = gemma3ConfigJson(recipe, { vocabSize: recipe.vocabSize, eosTokenIds: [1, 5], layerTypes, maxPositionEmbeddings: 2048 });
  const model = Gemma3Model.withRandomWeights(parseGemma3Config(raw), recipe.seed, true, recipe.embeddingStd);
  const parameters = model.variables().reduce((n, v) => n + v.size, 0);
  log(`model: ${parameters.toLocaleString('en-US')} parameters`);
  const heldOut = heldOutExamples(tokenizer, recipe);
  log(`held-out answer loss ${(await answerLoss(model, heldOut)).toFixed(4)} (validation domains, ${heldOut.length} documents)`);
  // Both phases: the recipe's batch, learning rate and seed, cosine with 5% warm-up; about ten log lines each.
  const schedule = (steps: number, seqLen: number, maxLogEvery: number) => ({
    steps,
    batchSize: recipe.batchSize,
    seqLen,
    learningRate: recipe.learningRate,
    warmupRatio: 0.05,
    weightDecay: 0.01,
    seed: recipe.seed,
    logEvery: Math.max(1, Math.min(maxLogEvery, Math.floor(steps / 10))),
  });
  if (recipe.copySteps > 0) {
    await pretrain(model, copyCorpus(recipe), {
      ...schedule(recipe.copySteps, COPY_WINDOW, 100),
      onLog: (l) => log(`copy step ${l.step}/${recipe.copySteps} loss ${l.loss.toFixed(4)} ${l.tokensPerS.toFixed(0)} tokens/s`),
    });
    log(`held-out answer loss ${(await answerLoss(model, heldOut)).toFixed(4)} after the copy warm-up`);
  }
  let firstLoss = Number.NaN;
  let finalLoss = Number.NaN;
  let logs = 0;
  const corpus = { stream: Int32Array.from(stream), docStarts: Int32Array.from(docStarts), answerMask: Uint8Array.from(answerMask) };
  const result = await pretrain(model, corpus, {
    ...schedule(recipe.steps, recipe.seqLen, 50),
    onLog: async (l) => {
      if (Number.isNaN(firstLoss)) firstLoss = l.loss;
      finalLoss = l.loss;
      log(`step ${l.step}/${recipe.steps} loss ${l.loss.toFixed(4)} lr ${l.learningRate.toExponential(2)} ${l.tokensPerS.toFixed(0)} tokens/s`);
      if (++logs % 4 === 0 && l.step < recipe.steps) log(`held-out answer loss ${(await answerLoss(model, heldOut)).toFixed(4)}`);
    },
  });
  const heldOutAnswerLoss = await answerLoss(model, heldOut);
  log(`held-out answer loss ${heldOutAnswerLoss.toFixed(4)}`);
  writeSafetensors(join(outDir, 'model.safetensors'), await model.toHuggingFace());
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(raw, null, 2));
  writeFileSync(join(outDir, 'generation_config.json'), JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 5], pad_token_id: 0, do_sample: false }, null, 2));
  const report: BuildReport = {
    parameters,
    corpusTokens: stream.length,
    firstLoss,
    finalLoss,
    heldOutAnswerLoss,
    seconds: result.seconds,
    tokensPerS: (recipe.steps * recipe.batchSize * recipe.seqLen) / result.seconds,
  };
  writeFileSync(join(outDir, 'build.json'), JSON.stringify({ recipe, report, tfjsBackend: tf.getBackend() }, null, 2));
  model.dispose();
  return report;
}
