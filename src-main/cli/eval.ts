import { writeFileSync } from 'node:fs';
import type { EvalSummary, GroupScores } from '../api/contract';
import { resolveDataset } from '../data';
import { readPredictionsFile } from '../eval/predictions-file';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';
import { follow } from './dataset';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
const span = (iv: [number, number] | null | undefined, f: (x: number) => string) => (iv ? ` [${f(iv[0])}, ${f(iv[1])}]` : '');
const f4 = (x: number) => x.toFixed(4);

function groupTable(title: string, groups: Record<string, GroupScores>): string[] {
  const width = Math.max(18, ...Object.keys(groups).map((k) => k.length + 1));
  return [
    `by ${title}:`,
    `  ${''.padEnd(width)} ${'n'.padStart(5)}  ${'execution'.padStart(9)} ${'(ok/scored)'.padEnd(12)} ${'ROUGE-L'.padStart(7)}  ${'BLEU'.padStart(6)}  ${'EM'.padStart(6)}`,
    ...Object.entries(groups).map(
      ([k, g]) => `  ${k.padEnd(width)} ${String(g.count).padStart(5)}  ${pct(g.accuracy).padStart(9)} ${`(${g.correct}/${g.scored})`.padEnd(12)} ${g.rougeL.toFixed(4).padStart(7)}  ${g.bleu.toFixed(4).padStart(6)}  ${pct(g.exactMatch).padStart(6)}`,
    ),
  ];
}

export function formatSummary(s: EvalSummary): string {
  const excluded = Object.entries(s.execution.excludedGold).map(([k, n]) => `${k} ${n}`).join(', ');
  const iv = s.intervals;
  const tags = Object.entries(s.tags ?? {}).sort((a, b) => b[1] - a[1]);
  const classes = s.tagsByComplexity ? [...new Set(Object.values(s.tagsByComplexity).flatMap((byClass) => Object.keys(byClass)))].sort() : [];
  const lines = [
    `examples ${s.n}`,
    `BLEU ${f4(s.bleu)}${span(iv?.bleu, f4)}   ROUGE-1 ${f4(s.rouge1)}${span(iv?.rouge1, f4)}   ROUGE-2 ${f4(s.rouge2)}${span(iv?.rouge2, f4)}`,
    `ROUGE-L ${f4(s.rougeL)}${span(iv?.rougeL, f4)}` + (s.rougeLsum === undefined ? '' : `   ROUGE-Lsum ${f4(s.rougeLsum)}${span(iv?.rougeLsum, f4)}`) + `   exact match ${pct(s.exactMatch)}${span(iv?.exactMatch, pct)}`,
    s.execution.accuracy === null
      ? `execution accuracy: not measured (${s.execution.withoutContext} examples have no schema context to run against)`
      : `execution accuracy ${pct(s.execution.accuracy)}${span(iv?.executionAccuracy, pct)} (${s.execution.correct} of ${s.execution.scored}; rows compared as bags, in order only when the gold has ORDER BY, columns up to permutation; DML by the final state)` +
        (excluded ? `\n  gold SQL set aside, not counted: ${excluded}` : ''),
    ...(iv ? [`  [..]: ${100 * iv.level}% bootstrap intervals, ${iv.resamples} resamples, seed ${iv.seed}`] : []),
    `outcomes: ${Object.entries(s.outcomes).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    ...(Object.keys(s.issues).length ? [`output issues: ${Object.entries(s.issues).map(([k, n]) => `${k} ${n}`).join(', ')}`] : []),
    ...(tags.length ? ['error tags (examples, share):', ...tags.map(([k, n]) => `  ${k.padEnd(22)} ${String(n).padStart(5)}  ${pct(n / s.n).padStart(6)}`)] : []),
    ...(s.tagsByComplexity && tags.length
      ? ['error tags by complexity:', `  ${''.padEnd(22)} ${classes.map((c) => c.padStart(Math.max(8, c.length))).join(' ')}`, ...tags.map(([k]) => `  ${k.padEnd(22)} ${classes.map((c) => String(s.tagsByComplexity![k]?.[c] ?? 0).padStart(Math.max(8, c.length))).join(' ')}`)]
      : []),
    ...(s.breakdown?.complexity
      ? groupTable('complexity', s.breakdown.complexity)
      : s.byComplexity && Object.keys(s.byComplexity).length
        ? ['by complexity:', ...Object.entries(s.byComplexity).map(([k, v]) => `  ${k.padEnd(18)} ${pct(v.scored ? v.correct / v.scored : null).padStart(6)}  (${v.correct}/${v.scored})`)]
        : []),
    ...(s.breakdown?.taskType ? groupTable('task type', s.breakdown.taskType) : []),
    ...(s.breakdown?.domain ? groupTable('domain', s.breakdown.domain) : []),
  ];
  return lines.join('\n');
}

/** `sqlora eval`: generate with a model (and adapter) over a dataset part, execute and score. */
export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate a model, an adapter or a run on a dataset part (text metrics + execution accuracy); export an evaluation as CSV',
  usage:
    'sqlora eval --model DIR (--adapter DIR | --run ID | --baseline) --dataset ID|NAME [--split NAME] [--part test|validation|train] [--limit N] [--max-new-tokens N] [--json] [--data-dir DIR]\n' +
    '       sqlora eval export ID [--out FILE.csv] [--outcome NAME] [--tag NAME] [--data-dir DIR]   (CSV to stdout without --out)',
  options: {
    out: { type: 'string' },
    outcome: { type: 'string' },
    tag: { type: 'string' },
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
  async run({ values, positionals }) {
    if (positionals[0] === 'export') return exportEvaluation(values, positionals.slice(1));
    if (positionals.length) throw new UsageError(`unknown action "${positionals[0]}"`);
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

/** `sqlora eval export ID`: every prediction of an evaluation (or one outcome / tag) as CSV. */
async function exportEvaluation(values: Record<string, unknown>, args: string[]): Promise<number> {
  const id = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(id)) throw new UsageError('eval export needs one evaluation id');
  return withBackend(values['data-dir'] as string | undefined, async (backend) => {
    const { csv, rows } = await callHandler(backend, 'eval.exportCsv', { id, outcome: values.outcome as string | undefined, tag: values.tag as string | undefined });
    if (values.out) {
      writeFileSync(values.out as string, csv);
      console.error(`Wrote ${rows} predictions to ${values.out}`);
    } else process.stdout.write(csv);
    return 0;
  });
}

/** `sqlora score`: the same scoring for predictions made elsewhere (CSV or JSONL with reference and prediction). */
export const scoreCommand: CommandSpec = {
  name: 'score',
  summary: 'Score predictions made elsewhere (CSV or JSONL: reference, prediction, optional context, prompt, complexity)',
  usage: 'sqlora score FILE.csv|FILE.jsonl [--extract seed|none] [--json] [--data-dir DIR]',
  options: { extract: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give one CSV or JSONL file');
    const extraction = (values.extract as string | undefined) ?? 'none';
    if (extraction !== 'seed' && extraction !== 'none') throw new UsageError('--extract takes seed or none');
    const rows = readPredictionsFile(positionals[0]);
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const result = await callHandler(backend, 'eval.score', { rows, extraction });
      console.log(values.json ? JSON.stringify(result, null, 2) : formatSummary(result.summary));
      return 0;
    });
  },
};
