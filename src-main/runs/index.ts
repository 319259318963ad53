import { ApiError, type MetricPoint, type RunRecord, type RunStatus } from '../api/contract';
import { nowIso, type Store } from '../store';

/**
 * Run records in the experiment store: a run's configuration, status, summary,
 * metrics time series and adapter. Training (src-main/train) and imports from other
 * tools (import-trainer.ts) both write runs through here, so the UI compares them
 * the same way.
 */

interface RunRow {
  id: number;
  name: string;
  kind: 'trained' | 'imported';
  status: RunStatus;
  config: string;
  dataset_id: number | null;
  model_id: number | null;
  sweep_id: string | null;
  summary: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface MetricRow {
  step: number;
  epoch: number | null;
  loss: number | null;
  eval_loss: number | null;
  learning_rate: number | null;
  grad_norm: number | null;
  tokens_per_s: number | null;
  memory_bytes: number | null;
  elapsed_s: number | null;
}

const toRun = (row: RunRow, adapterPath: string | null): RunRecord => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  status: row.status,
  config: JSON.parse(row.config),
  summary: row.summary ? JSON.parse(row.summary) : null,
  error: row.error,
  sweepId: row.sweep_id,
  adapterPath,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

const toPoint = (row: MetricRow): MetricPoint => ({
  step: row.step,
  epoch: row.epoch,
  loss: row.loss,
  evalLoss: row.eval_loss,
  learningRate: row.learning_rate,
  gradNorm: row.grad_norm,
  tokensPerS: row.tokens_per_s,
  memoryBytes: row.memory_bytes,
  elapsedS: row.elapsed_s,
});

export interface NewRun {
  name: string;
  kind: 'trained' | 'imported';
  status: RunStatus;
  config: unknown;
  summary?: unknown;
  datasetId?: number | null;
  modelId?: number | null;
  sweepId?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export function createRun(store: Store, run: NewRun): number {
  const result = store.db
    .prepare(
      `INSERT INTO runs (name, kind, status, config, summary, dataset_id, model_id, sweep_id, created_at, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      run.name,
      run.kind,
      run.status,
      JSON.stringify(run.config),
      run.summary === undefined ? null : JSON.stringify(run.summary),
      run.datasetId ?? null,
      run.modelId ?? null,
      run.sweepId ?? null,
      nowIso(),
      run.startedAt ?? null,
      run.finishedAt ?? null,
    );
  return Number(result.lastInsertRowid);
}

export function addMetrics(store: Store, runId: number, points: MetricPoint[]): void {
  const insert = store.db.prepare(
    `INSERT INTO run_metrics (run_id, step, epoch, loss, eval_loss, learning_rate, grad_norm, tokens_per_s, memory_bytes, elapsed_s, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const at = nowIso();
  store.transaction(() => {
    for (const p of points) {
      insert.run(runId, p.step, p.epoch, p.loss, p.evalLoss, p.learningRate, p.gradNorm, p.tokensPerS, p.memoryBytes, p.elapsedS, at);
    }
  });
}

function adapterPathOf(store: Store, runId: number): string | null {
  const row = store.db.prepare('SELECT path FROM adapters WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as { path: string } | undefined;
  return row?.path ?? null;
}

export function listRuns(store: Store): RunRecord[] {
  const rows = store.db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as RunRow[];
  return rows.map((row) => toRun(row, adapterPathOf(store, row.id)));
}

export function getRun(store: Store, id: number): RunRecord {
  const row = store.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw new ApiError('not_found', `No run with id ${id}.`, { id });
  return toRun(row, adapterPathOf(store, id));
}

export function getMetrics(store: Store, runId: number): MetricPoint[] {
  getRun(store, runId);
  const rows = store.db.prepare('SELECT * FROM run_metrics WHERE run_id = ? ORDER BY step, rowid').all(runId) as MetricRow[];
  return rows.map(toPoint);
}

export function deleteRun(store: Store, id: number): void {
  getRun(store, id);
  store.transaction(() => {
    store.db.prepare('DELETE FROM adapters WHERE run_id = ?').run(id);
    store.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  });
}

export { importTrainerRun } from './import-trainer';
