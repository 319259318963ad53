import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Handlers } from '../api/server';
import { appRoot } from '../cli/paths';
import { DEFAULT_MODEL_NAME } from '../defaults/default-model';
import { SqlSandbox } from '../eval';
import { describeAdapter } from '../model/lora';
import { inspectModelFolder, listModels, resolveAdapterBase } from '../models';
import type { ServiceContext } from './context';
import { datasetHandlers } from './datasets';

/**
 * What the workbench screens need besides datasets, runs and evaluations: the
 * embedded defaults (imported on first use, so a fresh install has a dataset and a
 * model ready), inspection of model and adapter folders, and running one SQL
 * statement in the sandbox (the playground).
 */
export const defaultModelDir = join(appRoot, 'resources', 'models', DEFAULT_MODEL_NAME);
export const defaultDatasetDir = join(appRoot, 'resources', 'datasets', 'default');
const DEFAULT_DATASET_NAME = 'Default text-to-SQL (generated)';

export function workbenchHandlers(context: ServiceContext): Pick<Handlers, 'app.defaults' | 'models.inspect' | 'adapters.inspect' | 'sandbox.run'> {
  const { store, jobs } = context;
  const importDataset = datasetHandlers(context)['datasets.import'];
  let sandbox: SqlSandbox | null = null;
  return {
    async 'app.defaults'() {
      const existing = store.db.prepare('SELECT id FROM datasets WHERE name = ? ORDER BY id LIMIT 1').get(DEFAULT_DATASET_NAME) as { id: number } | undefined;
      const datasetId = existing?.id ?? null;
      let importJobId: string | null = null;
      const files = ['train', 'validation', 'test'].map((split) => ({ path: join(defaultDatasetDir, `${split}.jsonl`), split }));
      if (datasetId === null && files.every((f) => existsSync(f.path))) {
        const running = jobs.list().find((j) => j.kind === 'import' && j.status === 'running' && j.title.includes(DEFAULT_DATASET_NAME));
        importJobId = running?.id ?? (await importDataset({ files, name: DEFAULT_DATASET_NAME, preset: 'gretel', skipInvalid: false })).id;
      }
      return {
        modelPath: existsSync(join(defaultModelDir, 'config.json')) ? defaultModelDir : null,
        datasetId,
        datasetName: DEFAULT_DATASET_NAME,
        importJobId,
      };
    },
    async 'models.inspect'({ path }) {
      return inspectModelFolder(path);
    },
    async 'adapters.inspect'({ path, base }) {
      return describeAdapter(path, base ? resolveAdapterBase(base, listModels(store)) : null);
    },
    async 'sandbox.run'({ context, sql }) {
      sandbox ??= new SqlSandbox({ workers: 1 });
      const r = await sandbox.run(context, sql);
      return { ok: r.ok, columns: r.columns, rows: r.rows.slice(0, 200), rowCount: r.rows.length, error: r.error, timedOut: r.timedOut, ms: r.ms };
    },
  };
}
