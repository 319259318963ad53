import { readFileSync } from 'node:fs';
import type { EvalSummary } from '../api/contract';
import { CsvParser } from '../data/csv';
import { resolveDataset } from '../data';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';
import { follow } from './dataset';

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function formatSummary(s: EvalSummary): string {
  const excluded = Object.entries(s.execution.excludedGold).map(([k, n]) => `${k} ${n}`).join(', ');
  const lines = [
    `examples ${s.n}`,
    `BLEU ${s.bleu.toFixed(4)}   ROUGE-1 ${s.rouge1.toFixed(4)}   ROUGE-2 ${s.rouge2.toFixed(4)}   ROUGE-L ${s.rougeL.toFixed(4)}   exact match ${pct(s.exactMatch)}`,
    s.execution.accuracy === null
      ? `execution accuracy: not measured (${s.execution.withoutContext} examples have no schema context to run against)`
      : `execution accuracy ${pct(s.execution.accuracy)} (${s.execution.correct} of ${s.execution.scored}; rows compared as bags, in order only when the gold has ORDER BY, columns up to permutation)` +
        (excluded ? `\n  gold SQL set aside, not counted: ${excluded}` : ''),
    `outcomes: ${Object.entries(s.outcomes).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    ...(Object.keys(s.issues).length ? [`output issues: ${Object.entries(s.issues).map(([k, n]) => `${k} ${n}`).join(', ')}`] : []),
    ...(s.byComplexity && Object.keys(s.byComplexity).length
      ? ['by complexity:', ...Object.entries(s.byComplexity).map(([k, v]) => `  ${k.padEnd(18)} ${pct(v.scored ? v.correct / v.scored : null).padStart(6)}  (${v.correct}/${v.scored})`)]
      : []),
  ];
  return lines.join('\n');
}

/** `sqlora eval`: generate with a model (and adapter) over a dataset part, execute and score. */
export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate a model, an adapter or a run on a dataset part (text metrics + execution accuracy)',
  usage: 'sqlora eval --model DIR (--adapter DIR | --run ID | --baseline) --dataset ID|NAME [--split NAME] [--part test|validation|train] [--limit N] [--max-new-tokens N] [--json] [--data-dir DIR]',
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    run: { type: 'string' },
    baseline: { type: 'boolean' },
    dataset: { type: 'string' },
    split: { type: 'string' },
    part: { type: 'string' },
    limit: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  },
  async run({ values }) {
    if (!values.model) throw new UsageError('--model is required');
    if (!values.dataset) throw new UsageError('--dataset is required');
    if ([values.adapter, values.run, values.baseline].filter(Boolean).length !== 1) throw new UsageError('give exactly one of --adapter DIR, --run ID or --baseline');
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const { evaluation, jobId } = await callHandler(backend, 'eval.run', {
        name: values.name as string | undefined,
        modelPath: values.model as string,
        adapterPath: (values.adapter as string | undefined) ?? null,
        runId: values.run ? Number(values.run) : null,
        datasetId: resolveDataset(backend.store, values.dataset as string),
        split: (values.split as string | undefined) ?? null,
        part: values.part as 'test' | undefined,
        limit: values.limit ? Number(values.limit) : null,
        maxNewTokens: values['max-new-tokens'] ? Number(values['max-new-tokens']) : undefined,
      });
      const job = await follow(backend, backend.jobs.get(jobId));
      const { evaluation: done } = await callHandler(backend, 'eval.get', { id: evaluation.id, limit: 1 });
      if (values.json) console.log(JSON.stringify(done, null, 2));
      else if (done.metrics) console.log(`Evaluation ${done.id}: ${done.name}\n${formatSummary(done.metrics)}`);
      if (job.status !== 'completed') {
        console.error(`sqlora eval: ${job.status}${job.error ? `: ${job.error}` : ''}`);
        return 1;
      }
      return 0;
    });
  },
};

/** `sqlora score`: the same scoring for predictions made elsewhere (a CSV with reference and prediction columns). */
export const scoreCommand: CommandSpec = {
  name: 'score',
  summary: 'Score predictions made elsewhere (CSV: reference, prediction, optional context)',
  usage: 'sqlora score FILE.csv [--extract seed|none] [--json]',
  options: { extract: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give one CSV file');
    const file = positionals[0];
    const parser = new CsvParser();
    const records = [...parser.push(readFileSync(file, 'utf8')), ...parser.end()];
    const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
    const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
    const gold = col('reference', 'gold', 'sql', 'query');
    const output = col('prediction', 'output', 'predicted_sql');
    const context = col('context', 'sql_context', 'schema');
    if (gold < 0 || output < 0) throw new UsageError(`${file}: needs a reference column (reference/gold/sql) and a prediction column (prediction/output); found ${header.join(', ') || 'no header'}`);
    const rows = records.slice(1).map((r, i) => {
      if (r.fields.length < header.length) throw new UsageError(`${file}: row ${i + 1} (line ${r.line}) has ${r.fields.length} fields, the header ${header.length}`);
      return { gold: r.fields[gold], output: r.fields[output], context: context >= 0 ? r.fields[context] : null };
    });
    const extraction = ((values.extract as string | undefined) ?? 'none') as 'seed' | 'none';
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const result = await callHandler(backend, 'eval.score', { rows, extraction });
      console.log(values.json ? JSON.stringify(result, null, 2) : formatSummary(result.summary));
      return 0;
    });
  },
};
