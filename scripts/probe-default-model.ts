/**
 * Diagnostic for the default base model (issue: the demo must beat the baseline):
 * greedy SQL for the first N test examples in each prompt style the model may know -
 * its two pretraining document styles and the chat prompt - scored by execution.
 * The in-format figures are the ceiling LoRA can reach from this base. Also the
 * mean loss of the gold answer tokens in each style: how far the model is from the
 * answer even where greedy decoding misses it, split by kind of token (keywords,
 * punctuation, pieces of words the prompt holds - identifiers and values to copy).
 * Usage: node --import tsx scripts/probe-default-model.ts [MODEL_DIR] [N] [SPLIT]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { scorePredictions } from '../src-main/eval/score';
import { Gemma3Model } from '../src-main/model/gemma3';
import { generate } from '../src-main/model/generate';
import { matMul } from '../src-main/model/matmul';
import { SQL_KEYWORDS } from '../src-main/data/sql-text';
import * as tf from '@tensorflow/tfjs-core';
import { corpusDocument, encodeDocument } from '../src-main/defaults/default-model';
import { promptIds } from '../src-main/model/prompt';
import { ChatTokenizer } from '../src-main/model/tokenizer';
import type { TextToSqlRow } from '../src-main/defaults/dataset-generator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? join(root, 'resources', 'models', 'sqlora-tiny-gemma3');
const n = Number(process.argv[3] ?? 100);
await initBackend('wasm');
const model = Gemma3Model.load(dir);
const tokenizer = ChatTokenizer.load(dir);
const rows = readFileSync(join(root, 'resources', 'datasets', 'default', `${process.argv[4] ?? 'test'}.jsonl`), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, n)
  .map((l) => JSON.parse(l) as TextToSqlRow);
// The two corpus styles (chosen by id parity in the corpus) with full contexts, and the chat prompt the fine-tuning teaches.
const corpusStyle = (id: number) => (r: TextToSqlRow) => {
  const { ids, answerMask } = encodeDocument(tokenizer, corpusDocument({ ...r, id }));
  // The answer is the first run of targets (the closing <eos> is a target too).
  const first = answerMask.indexOf(1);
  let end = first;
  while (answerMask[end]) end++;
  return { prompt: ids.slice(0, first), answer: ids.slice(first, end) };
};
const styles: Record<string, (r: TextToSqlRow) => { prompt: number[]; answer: number[] }> = {
  script: corpusStyle(0),
  exercise: corpusStyle(1),
  chat: (r) => ({ prompt: promptIds(tokenizer, r.sql_prompt, r.sql_context), answer: [...tokenizer.encode(`SQL: ${r.sql}`), tokenizer.endOfTurnId() ?? 1] }),
};
/**
 * What kind of token an answer token is: a SQL keyword, punctuation, a digit, a piece of a
 * word that also occurs in the prompt (an identifier or value to copy), or anything else.
 */
function tokenKind(token: string, promptText: string): string {
  const t = token.trim();
  if (!t) return 'space';
  if (SQL_KEYWORDS.has(t.toUpperCase())) return 'keyword';
  if (/^\d+$/.test(t)) return 'digit';
  if (!/[A-Za-z]/.test(t)) return 'punctuation';
  return promptText.includes(t) ? 'in prompt' : 'other';
}

/** Per-token losses of the answer after the prompt (one forward). */
function answerTokenLosses(prompt: number[], answer: number[]): number[] {
  const ids = [...prompt, ...answer];
  const { last } = model.forward([ids], [ids.map(() => 1)]);
  const losses = tf.tidy(() => {
    const rows = tf.slice(last, [prompt.length - 1, 0], [answer.length, -1]);
    const logProbs = tf.logSoftmax(matMul(rows, model.lmHeadT));
    return tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(answer, 'int32'), model.config.vocabSize)), -1)).arraySync() as number[];
  });
  last.dispose();
  return losses;
}

for (const [name, style] of Object.entries(styles)) {
  const encoded = rows.map(style);
  const byKind = new Map<string, { sum: number; n: number }>();
  for (const { prompt, answer } of encoded) {
    const promptText = tokenizer.decode(prompt);
    answerTokenLosses(prompt, answer).forEach((loss, i) => {
      const kind = tokenKind(tokenizer.decode([answer[i]], false), promptText);
      const k = byKind.get(kind) ?? { sum: 0, n: 0 };
      byKind.set(kind, { sum: k.sum + loss, n: k.n + 1 });
    });
  }
  const lossSum = [...byKind.values()].reduce((s, k) => s + k.sum, 0);
  const lossTokens = [...byKind.values()].reduce((s, k) => s + k.n, 0);
  const outputs: string[] = [];
  for (let i = 0; i < rows.length; i += 16) {
    const result = await generate(model, encoded.slice(i, i + 16).map((e) => e.prompt), { maxNewTokens: 128, stopTokenIds: [1, 5] });
    // The answer is the first line (the chat style may also open with "SQL: ").
    for (const t of result.tokens) outputs.push(tokenizer.decode(t).split('\n')[0].replace(/^SQL:\s*/, ''));
  }
  const { summary } = await scorePredictions(rows.map((r) => ({ gold: r.sql, context: r.sql_context, complexity: r.sql_complexity })), outputs, { extraction: 'none' });
  console.log(`${name.padEnd(9)} answer loss ${(lossSum / lossTokens).toFixed(3)}  execution accuracy ${summary.execution.correct}/${summary.execution.scored}  outcomes ${JSON.stringify(summary.outcomes)}`);
  console.log(`          by complexity: ${Object.entries(summary.byComplexity).map(([k, v]) => `${k} ${v.correct}/${v.scored}`).join(', ')}`);
  console.log(`          answer loss by token: ${[...byKind].map(([k, v]) => `${k} ${(v.sum / v.n).toFixed(2)} (${((100 * v.n) / lossTokens).toFixed(0)}%)`).join(', ')}`);
  console.log(`          e.g. gold ${rows[2].sql}\n               pred ${outputs[2]}`);
}
model.dispose();
