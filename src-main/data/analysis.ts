import { EDA_VIEWS, type EdaView, EdaView as EdaViewSchema, type EdaViewName } from '../api/contract';
import { nowIso, type Store } from '../store';
import { type CountTokens, computeEda, type EdaRow, type EdaViews } from './eda';

/**
 * EDA over a stored dataset: rows are read in keyset pages (never one long-open
 * statement, so other store users are not blocked between pages), and each group of
 * views is saved to eda_results as soon as it is computed.
 */

const PAGE = 2000;

export function datasetRows(store: Store, datasetId: number, split = 'all'): () => AsyncGenerator<EdaRow[]> {
  const stmt = store.db.prepare(
    `SELECT id, ord, prompt, context, sql, domain, complexity, task_type AS taskType FROM examples
     WHERE dataset_id = ? ${split === 'all' ? '' : 'AND split = ?'} AND id > ? ORDER BY id LIMIT ${PAGE}`,
  );
  return async function* () {
    let after = 0;
    for (;;) {
      const page = stmt.all(...(split === 'all' ? [datasetId, after] : [datasetId, split, after])) as (EdaRow & { id: number })[];
      if (!page.length) return;
      after = page[page.length - 1].id;
      yield page;
      if (page.length < PAGE) return;
    }
  };
}

export function saveViews(store: Store, datasetId: number, split: string, views: EdaViews): void {
  const stmt = store.db.prepare(
    `INSERT INTO eda_results (dataset_id, split, view, data, computed_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(dataset_id, split, view) DO UPDATE SET data = excluded.data, computed_at = excluded.computed_at`,
  );
  const at = nowIso();
  store.transaction(() => {
    for (const [view, data] of Object.entries(views)) stmt.run(datasetId, split, view, JSON.stringify(data), at);
  });
}

export function loadViews(store: Store, datasetId: number, split = 'all'): { views: Partial<Record<EdaViewName, EdaView>>; computedAt: string | null } {
  const rows = store.db.prepare('SELECT view, data, computed_at FROM eda_results WHERE dataset_id = ? AND split = ?').all(datasetId, split) as {
    view: EdaViewName;
    data: string;
    computed_at: string;
  }[];
  const views: Partial<Record<EdaViewName, EdaView>> = {};
  let computedAt: string | null = null;
  // The seed's order, whatever order the store returns them in.
  rows.sort((a, b) => EDA_VIEWS.indexOf(a.view) - EDA_VIEWS.indexOf(b.view));
  for (const r of rows) {
    const parsed = EdaViewSchema.safeParse(JSON.parse(r.data));
    if (!parsed.success) continue; // an older shape: recomputed on the next request
    views[r.view] = parsed.data;
    if (!computedAt || r.computed_at > computedAt) computedAt = r.computed_at;
  }
  return { views, computedAt };
}

export interface DatasetEdaOptions {
  split?: string;
  countTokens?: CountTokens;
  tokenizerName?: string;
  maxLength?: number;
  validity?: boolean;
  signal?: AbortSignal;
  progress?(fraction: number, message: string): void;
}

export async function runDatasetEda(store: Store, datasetId: number, options: DatasetEdaOptions = {}): Promise<EdaViews> {
  const split = options.split ?? 'all';
  const total = (
    store.db.prepare(`SELECT COUNT(*) AS n FROM examples WHERE dataset_id = ? ${split === 'all' ? '' : 'AND split = ?'}`).get(...(split === 'all' ? [datasetId] : [datasetId, split])) as {
      n: number;
    }
  ).n;
  return computeEda(datasetRows(store, datasetId, split), {
    ...options,
    total,
    onViews: (views) => saveViews(store, datasetId, split, views),
  });
}
