import {
  ApiError,
  type DatasetDetail,
  DatasetReport,
  type DatasetSummary,
  type ExampleRecord,
  type SplitRecord,
} from '../api/contract';
import type { Store } from '../store';

/** Dataset records in the store: list, detail, paged examples, delete. */

interface DatasetRow {
  id: number;
  name: string;
  preset: string;
  mapping: string;
  source_files: string;
  row_count: number;
  report: string | null;
  created_at: string;
}

interface ExampleRow {
  id: number;
  ord: number;
  split: string;
  prompt: string;
  context: string;
  sql: string;
  explanation: string | null;
  domain: string | null;
  complexity: string | null;
  task_type: string | null;
  meta: string | null;
}

export const toExample = (r: ExampleRow): ExampleRecord => ({
  id: r.id,
  ord: r.ord,
  split: r.split,
  prompt: r.prompt,
  context: r.context,
  sql: r.sql,
  explanation: r.explanation,
  domain: r.domain,
  complexity: r.complexity,
  taskType: r.task_type,
  meta: r.meta === null ? null : (JSON.parse(r.meta) as Record<string, unknown>),
});

function row(store: Store, id: number): DatasetRow {
  const r = store.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
  if (!r) throw new ApiError('not_found', `No dataset with id ${id}.`);
  return r;
}

function splitCounts(store: Store, id: number): Record<string, number> {
  const rows = store.db.prepare('SELECT split, COUNT(*) AS n FROM examples WHERE dataset_id = ? GROUP BY split ORDER BY split').all(id) as { split: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.split, r.n]));
}

const summary = (store: Store, r: DatasetRow): DatasetSummary => ({
  id: r.id,
  name: r.name,
  preset: r.preset,
  rowCount: r.row_count,
  splits: splitCounts(store, r.id),
  createdAt: r.created_at,
});

export function listDatasets(store: Store): DatasetSummary[] {
  return (store.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC, id DESC').all() as DatasetRow[]).map((r) => summary(store, r));
}

export function getDataset(store: Store, id: number): DatasetDetail {
  const r = row(store, id);
  return {
    ...summary(store, r),
    mapping: JSON.parse(r.mapping) as Record<string, string>,
    files: JSON.parse(r.source_files),
    report: r.report === null ? null : DatasetReport.parse(JSON.parse(r.report)),
    savedSplits: listSplits(store, id),
  };
}

/** Find a dataset by id or by name (the CLI accepts both). */
export function resolveDataset(store: Store, idOrName: string): number {
  if (/^\d+$/.test(idOrName)) return row(store, Number(idOrName)).id;
  const r = store.db.prepare('SELECT id FROM datasets WHERE name = ?').get(idOrName) as { id: number } | undefined;
  if (!r) throw new ApiError('not_found', `No dataset named "${idOrName}".`);
  return r.id;
}

export function previewExamples(store: Store, id: number, options: { split?: string; offset?: number; limit?: number } = {}): { total: number; rows: ExampleRecord[] } {
  row(store, id);
  const where = options.split ? 'dataset_id = ? AND split = ?' : 'dataset_id = ?';
  const args: unknown[] = options.split ? [id, options.split] : [id];
  const total = (store.db.prepare(`SELECT COUNT(*) AS n FROM examples WHERE ${where}`).get(...args) as { n: number }).n;
  const rows = store.db
    .prepare(`SELECT * FROM examples WHERE ${where} ORDER BY ord LIMIT ? OFFSET ?`)
    .all(...args, options.limit ?? 50, options.offset ?? 0) as ExampleRow[];
  return { total, rows: rows.map(toExample) };
}

export function deleteDataset(store: Store, id: number): void {
  row(store, id);
  // examples, splits, split members and EDA go with it (ON DELETE CASCADE); runs keep a NULL dataset.
  store.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
}

interface SplitRow {
  id: number;
  dataset_id: number;
  name: string;
  spec: string;
  created_at: string;
}

export function toSplitRecord(store: Store, r: SplitRow): SplitRecord {
  const counts = { train: 0, validation: 0, test: 0 };
  for (const c of store.db.prepare('SELECT part, COUNT(*) AS n FROM split_members WHERE split_id = ? GROUP BY part').all(r.id) as { part: keyof typeof counts; n: number }[]) {
    counts[c.part] = c.n;
  }
  const leaked = store.db
    .prepare(
      `SELECT COUNT(*) AS n FROM (SELECT e.prompt FROM split_members m JOIN examples e ON e.id = m.example_id
       WHERE m.split_id = ? GROUP BY e.prompt HAVING COUNT(DISTINCT m.part) > 1)`,
    )
    .get(r.id) as { n: number };
  return { id: r.id, datasetId: r.dataset_id, name: r.name, spec: JSON.parse(r.spec), counts, leakedPrompts: leaked.n, createdAt: r.created_at };
}

export function listSplits(store: Store, datasetId: number): SplitRecord[] {
  return (store.db.prepare('SELECT * FROM splits WHERE dataset_id = ? ORDER BY id').all(datasetId) as SplitRow[]).map((r) => toSplitRecord(store, r));
}

/** Example ids of one part of a stored split, in the split's order (what training and evaluation read). */
export function splitMembers(store: Store, splitId: number, part: 'train' | 'validation' | 'test'): ExampleRecord[] {
  const rows = store.db
    .prepare(`SELECT e.* FROM split_members m JOIN examples e ON e.id = m.example_id WHERE m.split_id = ? AND m.part = ? ORDER BY m.rowid`)
    .all(splitId, part) as ExampleRow[];
  return rows.map(toExample);
}

export type { ExampleRow, SplitRow };
