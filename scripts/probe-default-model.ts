/**
 * Diagnostic for the default base model (issue: the demo must beat the baseline):
 * greedy SQL for the first N test examples in each prompt style the model may know -
 * its two pretraining document styles and the chat prompt - scored by execution.
 * The in-format figures are the ceiling LoRA can reach from this base. Also the
 * mean loss of the gold answer tokens in each style: how far the model is from the
 * answer even where greedy decoding misses it.
 * Usage: node --import tsx scripts/probe-default-model.ts [MODEL_DIR] [N] [SPLIT]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { scorePredictions } from '../src-main/eval/score';
import { loadGemma3Config } from '../src-main/model/config';
import { Gemma3Model } from '../src-main/model/gemma3';
import { generate } from '../src-main/model/generate';
import { lossAndGrads, makeBatch } from '../src-main/model/lora-training';
import { corpusDocument, encodeDocument } from '../src-main/defaults/default-model';
import { promptIds } from '../src-main/model/prompt';
import { ChatTokenizer } from '../src-main/model/tokenizer';
import { ModelWeights } from '../src-main/model/weights';
import type { TextToSqlRow } from '../src-main/defaults/dataset-generator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? join(root, 'resources', 'models', 'sqlora-tiny-gemma3');
const n = Number(process.argv[3] ?? 100);
await initBackend('wasm');
const weights = new ModelWeights(dir, loadGemma3Config(dir));
const model = Gemma3Model.fromWeights(weights);
weights.close();
const tokenizer = ChatTokenizer.load(dir);
const rows = readFileSync(join(root, 'resources', 'datasets', 'default', `${process.argv[4] ?? 'test'}.jsonl`), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, n)
  .map((l) => JSON.parse(l) as TextToSqlRow);
// The two corpus styles (chosen by id parity in the corpus) with full contexts, and the chat prompt the fine-tuning teaches.
const corpusStyle = (id: number) => (r: TextToSqlRow) => {
  const { ids, answerMask } = encodeDocument(tokenizer, corpusDocument({ ...r, id }));
  const first = answerMask.indexOf(1);
  return { prompt: ids.slice(0, first), answer: ids.slice(first, answerMask.lastIndexOf(1) + 1) };
};
const styles: Record<string, (r: TextToSqlRow) => { prompt: number[]; answer: number[] }> = {
  script: corpusStyle(0),
  exercise: corpusStyle(1),
  chat: (r) => ({ prompt: promptIds(tokenizer, r.sql_prompt, r.sql_context), answer: [...tokenizer.encode(`SQL: ${r.sql}`), tokenizer.endOfTurnId() ?? 1] }),
};
for (const [name, style] of Object.entries(styles)) {
  let lossSum = 0;
  let lossTokens = 0;
  for (let i = 0; i < rows.length; i += 8) {
    const examples = rows.slice(i, i + 8).map((r) => {
      const { prompt: p, answer: a } = style(r);
      return { inputIds: [...p, ...a], labels: [...p.map(() => -100), ...a] };
    });
    const { lossSum: sum, tokens } = lossAndGrads(model, null, makeBatch(examples, 0), { withGrad: false });
    lossSum += sum;
    lossTokens += tokens;
  }
  const outputs: string[] = [];
  for (let i = 0; i < rows.length; i += 16) {
    const result = generate(model, rows.slice(i, i + 16).map((r) => style(r).prompt), { maxNewTokens: 128, stopTokenIds: [1, 5] });
    // The answer is the first line (the chat style may also open with "SQL: ").
    for (const t of result.tokens) outputs.push(tokenizer.decode(t).split('\n')[0].replace(/^SQL:\s*/, ''));
  }
  const { summary } = await scorePredictions(rows.map((r) => ({ gold: r.sql, context: r.sql_context })), outputs, { extraction: 'none' });
  console.log(`${name.padEnd(9)} answer loss ${(lossSum / lossTokens).toFixed(3)}  execution accuracy ${summary.execution.correct}/${summary.execution.scored}  outcomes ${JSON.stringify(summary.outcomes)}`);
  console.log(`          e.g. gold ${rows[2].sql}\n               pred ${outputs[2]}`);
}
model.dispose();
