import { basename } from 'node:path';
import { ApiError, type EvalSummary, type EvaluationRecord, type PredictionFilter, type PredictionRecord } from '../api/contract';
import type { Handlers } from '../api/server';
import { type ScoredPrediction, scorePredictions, type ScoreSummary } from '../eval';
import { getRun } from '../runs';
import { nowIso } from '../store';
import type { ServiceContext } from './context';
import { storedExamplesOf } from './examples';
import { type PredictionInput, PredictionsFileError, readPredictionsFile } from '../eval/predictions-file';

/**
 * Evaluations: the model writes SQL for every example of a dataset part (engine
 * `generate`, batched), the sandbox executes it against the example's schema, and
 * the scores, per-example results and error categories are stored so runs can be
 * compared and their errors studied.
 */

interface EvaluationRow {
  id: number;
  name: string;
  run_id: number | null;
  dataset_id: number | null;
  split: string | null;
  status: EvaluationRecord['status'];
  config: string;
  metrics: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

const toEvaluation = (r: EvaluationRow): EvaluationRecord => ({
  id: r.id,
  name: r.name,
  runId: r.run_id,
  datasetId: r.dataset_id,
  split: r.split,
  status: r.status,
  config: JSON.parse(r.config),
  metrics: r.metrics ? JSON.parse(r.metrics) : null,
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

interface PredictionExtra {
  exampleId: number | null;
  prompt: string | null;
  context: string | null;
  reference: string;
  complexity: string | null;
}

export function toPredictionRecord(p: ScoredPrediction, extra: PredictionExtra): PredictionRecord {
  return {
    ord: p.index,
    exampleId: extra.exampleId,
    prompt: extra.prompt,
    context: extra.context,
    reference: extra.reference,
    rawOutput: p.output,
    predictedSql: p.executedSql,
    complexity: extra.complexity,
    outcome: p.outcome,
    issues: p.issues,
    tags: p.tags,
    detail: p.detail,
    truncated: p.truncated,
    correct: p.outcome === 'not_scored' ? null : p.outcome === 'correct',
    goldStatus: p.goldStatus,
    goldReason: p.goldReason,
    error: p.error,
    exactMatch: p.exactMatch,
    rougeL: p.rouge.rougeL,
    rougeLsum: p.rouge.rougeLsum,
    predictedRows: p.predictedRows,
    goldRows: p.goldRows,
  };
}

const toEvalSummary = (summary: ScoreSummary): EvalSummary => ({ ...summary, execution: { ...summary.execution, excludedGold: summary.execution.excludedGold as Record<string, number> } });

interface PredictionRow {
  ord: number;
  example_id: number | null;
  prompt: string | null;
  context: string | null;
  reference: string;
  raw_output: string;
  predicted_sql: string;
  complexity: string | null;
  task_type: string | null;
  domain: string | null;
  metrics: string;
  execution: string;
  tags: string;
  correct: number | null;
}

function fromPredictionRow(r: PredictionRow): PredictionRecord {
  const m = JSON.parse(r.metrics);
  const x = JSON.parse(r.execution);
  // Rows stored before error tags kept the output issues in the tags column.
  const tagged = Array.isArray(m.issues);
  return {
    ord: r.ord,
    exampleId: r.example_id,
    prompt: r.prompt,
    context: r.context,
    reference: r.reference,
    rawOutput: r.raw_output,
    predictedSql: r.predicted_sql,
    complexity: r.complexity,
    taskType: r.task_type,
    domain: r.domain,
    outcome: x.outcome,
    issues: tagged ? m.issues : JSON.parse(r.tags),
    ...(tagged ? { tags: JSON.parse(r.tags), detail: x.detail ?? null, truncated: m.truncated ?? false, rougeLsum: m.rougeLsum } : {}),
    correct: r.correct === null ? null : r.correct === 1,
    goldStatus: x.goldStatus,
    goldReason: x.goldReason,
    error: x.error,
    exactMatch: m.exactMatch,
    rougeL: m.rougeL,
    predictedRows: x.predictedRows,
    goldRows: x.goldRows,
  };
}

const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV of predictions, header first: what a spreadsheet or pandas needs to study the errors. */
function predictionsToCsv(predictions: PredictionRecord[]): string {
  const columns: [string, (p: PredictionRecord) => unknown][] = [
    ['ord', (p) => p.ord],
    ['prompt', (p) => p.prompt],
    ['context', (p) => p.context],
    ['gold', (p) => p.reference],
    ['predicted', (p) => p.predictedSql],
    ['raw_output', (p) => p.rawOutput],
    ['outcome', (p) => p.outcome],
    ['tags', (p) => (p.tags ?? []).join(' ')],
    ['detail', (p) => p.detail],
    ['error', (p) => p.error],
    ['complexity', (p) => p.complexity],
    ['task_type', (p) => p.taskType],
    ['domain', (p) => p.domain],
    ['exact_match', (p) => (p.exactMatch ? 1 : 0)],
    ['rouge_l', (p) => p.rougeL],
    ['truncated', (p) => (p.truncated ? 1 : 0)],
    ['gold_status', (p) => p.goldStatus],
    ['gold_reason', (p) => p.goldReason],
    ['gold_rows', (p) => p.goldRows],
    ['predicted_rows', (p) => p.predictedRows],
  ];
  const lines = [columns.map(([name]) => name).join(','), ...predictions.map((p) => columns.map(([, get]) => csvField(get(p))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function evaluationHandlers({ store, jobs, engine }: ServiceContext): Pick<Handlers, 'eval.run' | 'eval.list' | 'eval.get' | 'eval.delete' | 'eval.score' | 'eval.exportCsv' | 'eval.import'> {
  const get = (id: number): EvaluationRecord => {
    const row = store.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationRow | undefined;
    if (!row) throw new ApiError('not_found', `No evaluation ${id}.`);
    return toEvaluation(row);
  };
  /** Predictions of one evaluation, optionally one outcome or one tag; task type and domain come from the examples. */
  const predictions = (id: number, filter: PredictionFilter) => {
    const where = ['p.evaluation_id = ?'];
    const args: (string | number)[] = [id];
    if (filter.outcome) {
      where.push("json_extract(p.execution, '$.outcome') = ?");
      args.push(filter.outcome);
    }
    if (filter.tag) {
      where.push('EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ?)');
      args.push(filter.tag);
    }
    if (filter.complexity) {
      where.push('p.complexity = ?');
      args.push(filter.complexity);
    }
    if (filter.correct !== undefined) where.push(filter.correct ? 'p.correct = 1' : 'p.correct = 0');
    const text = filter.search?.trim();
    if (text) {
      // LIKE is case-insensitive for ASCII in SQLite; % and _ in the text are taken literally.
      where.push("(p.prompt LIKE ? ESCAPE '\\' OR p.reference LIKE ? ESCAPE '\\' OR p.raw_output LIKE ? ESCAPE '\\')");
      const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(pattern, pattern, pattern);
    }
    const clause = where.join(' AND ');
    return {
      total: () => (store.db.prepare(`SELECT COUNT(*) AS n FROM predictions p WHERE ${clause}`).get(...args) as { n: number }).n,
      /** limit -1: all of them. */
      page: (limit: number, offset: number) =>
        (
          store.db
            .prepare(`SELECT p.*, e.task_type, e.domain FROM predictions p LEFT JOIN examples e ON e.id = p.example_id WHERE ${clause} ORDER BY p.ord LIMIT ? OFFSET ?`)
            .all(...args, limit, offset) as PredictionRow[]
        ).map(fromPredictionRow),
    };
  };
  /** Store scored predictions and complete the evaluation, in one transaction (all or nothing). */
  const complete = (id: number, rows: ScoredPrediction[], extras: PredictionExtra[], metrics: EvalSummary) =>
    store.transaction(() => {
      const insert = store.db.prepare(
        `INSERT INTO predictions (evaluation_id, ord, example_id, prompt, context, reference, raw_output, predicted_sql, complexity, metrics, execution, tags, correct)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      rows.forEach((r, i) => {
        const p = toPredictionRecord(r, extras[i]);
        insert.run(
          id, i, p.exampleId, p.prompt, p.context, p.reference, p.rawOutput, p.predictedSql, p.complexity,
          JSON.stringify({ exactMatch: p.exactMatch, rougeL: p.rougeL, rougeLsum: p.rougeLsum, truncated: p.truncated, issues: p.issues }),
          JSON.stringify({ outcome: p.outcome, goldStatus: p.goldStatus, goldReason: p.goldReason, error: p.error, detail: p.detail, predictedRows: p.predictedRows, goldRows: p.goldRows }),
          JSON.stringify(p.tags),
          p.correct === null ? null : p.correct ? 1 : 0,
        );
      });
      finish(id, { status: 'completed', metrics });
    });
  const insertEvaluation = (name: string, runId: number | null, datasetId: number | null, split: string | null, config: unknown) =>
    Number(
      store.db
        .prepare('INSERT INTO evaluations (name, run_id, dataset_id, split, status, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(name, runId, datasetId, split, 'running', JSON.stringify(config), nowIso()).lastInsertRowid,
    );
  const finish = (id: number, change: { status: EvaluationRecord['status']; metrics?: EvalSummary; error?: string }) =>
    store.db.prepare('UPDATE evaluations SET status = ?, metrics = ?, error = ?, finished_at = ? WHERE id = ?').run(change.status, change.metrics ? JSON.stringify(change.metrics) : null, change.error ?? null, nowIso(), id);

  return {
    async 'eval.run'(input) {
      const adapterPath = input.adapterPath ?? (input.runId !== null ? getRun(store, input.runId).adapterPath : null);
      if (input.runId !== null && !adapterPath) throw new ApiError('conflict', `Run ${input.runId} has no adapter yet.`);
      const all = storedExamplesOf(store, { datasetId: input.datasetId, split: input.split }, input.part);
      if (!all.length) throw new ApiError('invalid_input', `Dataset ${input.datasetId} has no examples in its ${input.part} part${input.split ? ` of split "${input.split}"` : ''}.`);
      const examples = input.limit === null ? all : all.slice(0, input.limit);
      const name = input.name ?? `${adapterPath ? (input.runId !== null ? getRun(store, input.runId).name : 'adapter') : 'baseline'} on ${input.part}`;
      const config = { ...input, adapterPath, examples: examples.length };
      const id = insertEvaluation(name, input.runId, input.datasetId, input.split ?? input.part, config);
      const job = jobs.start('evaluate', `Evaluate ${name}`, async (job) => {
        try {
          const started = performance.now();
          const generated = await engine.request(
            'generate',
            { modelPath: input.modelPath, adapterPath, items: examples.map((e) => ({ question: e.prompt, context: e.context })), maxNewTokens: input.maxNewTokens, temperature: 0, topP: 1, seed: 0, batchSize: input.batchSize },
            {
              signal: job.signal,
              activity: `evaluating ${name}`,
              onEvent: (e) => {
                const { done, total } = e as { done: number; total: number };
                job.progress((0.85 * done) / total, `generated ${done} of ${total}`);
              },
            },
          );
          const seconds = (performance.now() - started) / 1000;
          const { rows, summary } = await scorePredictions(
            examples.map((e) => ({ gold: e.sql, context: e.context, complexity: e.complexity, taskType: e.taskType, domain: e.domain })),
            generated.outputs.map((o) => o.text),
            {
              extraction: 'seed',
              truncated: generated.outputs.map((o) => o.finish === 'length'),
              signal: job.signal,
              onProgress: (done, total) => job.progress(0.85 + (0.15 * done) / total, `executed ${done} of ${total}`),
            },
          );
          const metrics = { ...toEvalSummary(summary), generation: { tokensPerS: generated.tokensPerS, seconds } };
          complete(
            id,
            rows,
            examples.map((e) => ({ exampleId: e.id, prompt: e.prompt, context: e.context, reference: e.sql, complexity: e.complexity })),
            metrics,
          );
          return { evaluationId: id, accuracy: metrics.execution.accuracy };
        } catch (error) {
          finish(id, { status: job.signal.aborted ? 'cancelled' : 'failed', error: (error as Error).message });
          throw error;
        }
      });
      return { evaluation: get(id), jobId: job.id };
    },
    async 'eval.list'() {
      return (store.db.prepare('SELECT * FROM evaluations ORDER BY id DESC').all() as EvaluationRow[]).map(toEvaluation);
    },
    async 'eval.get'({ id, offset, limit, ...filter }) {
      const evaluation = get(id);
      const selected = predictions(id, filter);
      return { evaluation, total: selected.total(), predictions: selected.page(limit, offset) };
    },
    async 'eval.exportCsv'({ id, ...filter }) {
      const evaluation = get(id);
      const rows = predictions(id, filter).page(-1, 0);
      const slug = evaluation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      return { filename: `evaluation-${id}-${slug || 'predictions'}.csv`, csv: predictionsToCsv(rows), rows: rows.length };
    },
    async 'eval.import'({ path, name }) {
      // Read and validate before anything is stored: a bad file names its line and leaves no evaluation behind.
      let inputs: PredictionInput[];
      try {
        inputs = readPredictionsFile(path);
      } catch (error) {
        if (error instanceof PredictionsFileError || (error as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('invalid_input', (error as Error).message);
        throw error;
      }
      const title = name ?? `imported ${basename(path)}`;
      const id = insertEvaluation(title, null, null, null, { source: 'import', file: basename(path), examples: inputs.length });
      const job = jobs.start('evaluate', `Score ${title}`, async (job) => {
        try {
          const { rows, summary } = await scorePredictions(
            inputs.map((r) => ({ gold: r.gold, context: r.context, complexity: r.complexity })),
            inputs.map((r) => r.output),
            { extraction: 'seed', signal: job.signal, onProgress: (done, total) => job.progress(done / total, `executed ${done} of ${total}`) },
          );
          complete(
            id,
            rows,
            inputs.map((r) => ({ exampleId: null, prompt: r.prompt, context: r.context, reference: r.gold, complexity: r.complexity })),
            toEvalSummary(summary),
          );
          return { evaluationId: id, accuracy: summary.execution.accuracy };
        } catch (error) {
          finish(id, { status: job.signal.aborted ? 'cancelled' : 'failed', error: (error as Error).message });
          throw error;
        }
      });
      return { evaluation: get(id), jobId: job.id };
    },
    async 'eval.delete'({ id }) {
      get(id);
      store.db.prepare('DELETE FROM evaluations WHERE id = ?').run(id);
      return { deleted: true };
    },
    async 'eval.score'({ rows, extraction }) {
      const { rows: scored, summary } = await scorePredictions(
        rows.map((r) => ({ gold: r.gold, context: r.context, complexity: r.complexity ?? null })),
        rows.map((r) => r.output),
        { extraction },
      );
      return {
        summary: toEvalSummary(summary),
        rows: scored.map((p, i) => toPredictionRecord(p, { exampleId: null, prompt: rows[i].prompt ?? null, context: rows[i].context, reference: rows[i].gold, complexity: rows[i].complexity ?? null })),
      };
    },
  };
}
