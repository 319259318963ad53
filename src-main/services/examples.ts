import type { RawExample } from '../engine/protocol';
import type { Store } from '../store';
import type { TrainConfig } from '../train/config';

/**
 * The examples a run trains or evaluates on: a stored split's part by name, or the
 * dataset's own file splits when the config names none. Shared by training and the
 * job export so both see exactly the same rows in the same order.
 */
export function examplesOf(store: Store, config: Pick<TrainConfig, 'datasetId' | 'split'>, part: 'train' | 'validation' | 'test'): RawExample[] {
  return storedExamplesOf(store, config, part).map(({ prompt, context, sql, explanation }) => ({ prompt, context, sql, explanation }));
}

export type StoredExample = RawExample & { id: number; complexity: string | null; taskType: string | null; domain: string | null };

/** The same rows with their store id, complexity class, task type and domain (evaluation breaks results down by them). */
export function storedExamplesOf(store: Store, config: Pick<TrainConfig, 'datasetId' | 'split'>, part: 'train' | 'validation' | 'test'): StoredExample[] {
  const columns = 'e.id, e.prompt, e.context, e.sql, e.explanation, e.complexity, e.task_type AS taskType, e.domain';
  const rows = config.split
    ? store.db
        .prepare(
          `SELECT ${columns} FROM examples e
           JOIN split_members m ON m.example_id = e.id JOIN splits s ON s.id = m.split_id
           WHERE s.dataset_id = ? AND s.name = ? AND m.part = ? ORDER BY e.ord`,
        )
        .all(config.datasetId, config.split, part)
    : store.db.prepare(`SELECT ${columns} FROM examples e WHERE e.dataset_id = ? AND e.split = ? ORDER BY e.ord`).all(config.datasetId, part);
  return rows as StoredExample[];
}
