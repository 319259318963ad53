import { ApiError } from '../api/contract';
import type { Handlers } from '../api/server';
import {
  GEMMA_TOKENIZER_NAME,
  createSplit,
  deleteDataset,
  getDataset,
  importDataset,
  listDatasets,
  loadTokenCounter,
  loadViews,
  previewExamples,
  runDatasetEda,
} from '../data';
import type { ServiceContext } from './context';

type DatasetMethods = 'datasets.import' | 'datasets.list' | 'datasets.get' | 'datasets.preview' | 'datasets.split' | 'datasets.eda' | 'datasets.delete';

/** Dataset requests: import and EDA run as jobs (progress, cancel); the rest answer at once. */
export function datasetHandlers({ store, jobs, dataDir }: ServiceContext): Pick<Handlers, DatasetMethods> {
  // One EDA job per dataset and split at a time: a second request joins the running one.
  const edaJobs = new Map<string, string>();

  return {
    async 'datasets.import'(input) {
      const names = input.files.map((f) => f.path.split(/[\\/]/).pop()).join(', ');
      return jobs.start('import', `Import ${names}`, async (ctx) => {
        const result = await importDataset(store, input, { signal: ctx.signal, progress: ctx.progress, stagingDir: dataDir });
        return { datasetId: result.datasetId, name: result.name, preset: result.preset, rows: result.rows, rejected: result.report.rejected };
      });
    },
    async 'datasets.list'() {
      return listDatasets(store);
    },
    async 'datasets.get'({ id }) {
      return getDataset(store, id);
    },
    async 'datasets.preview'({ id, split, offset, limit }) {
      return previewExamples(store, id, { split, offset, limit });
    },
    async 'datasets.split'({ id, name, spec }) {
      return createSplit(store, id, { name, spec });
    },
    async 'datasets.eda'({ id, split, recompute, tokens }) {
      const dataset = getDataset(store, id); // not_found for an unknown id
      if (split !== 'all' && !(split in dataset.splits)) {
        throw new ApiError('not_found', `Dataset ${id} has no split "${split}" (it has: ${Object.keys(dataset.splits).join(', ')}).`);
      }
      const key = `${id}:${split}`;
      const running = edaJobs.get(key);
      const cached = loadViews(store, id, split);
      if (running) return { ...cached, job: jobs.get(running) };
      const missing = cached.views.domain === undefined || cached.views.sqlValidity === undefined || (tokens && cached.views.tokens === undefined);
      if (!recompute && !missing) return { ...cached, job: null };
      const job = jobs.start('eda', `EDA of ${dataset.name}${split === 'all' ? '' : ` (${split})`}`, async (ctx) => {
        try {
          const countTokens = tokens ? await loadTokenCounter() : undefined;
          const views = await runDatasetEda(store, id, {
            split,
            countTokens,
            tokenizerName: GEMMA_TOKENIZER_NAME,
            signal: ctx.signal,
            progress: ctx.progress,
          });
          return { datasetId: id, split, views: Object.keys(views) };
        } finally {
          edaJobs.delete(key);
        }
      });
      edaJobs.set(key, job.id);
      return { ...cached, job };
    },
    async 'datasets.delete'({ id }) {
      deleteDataset(store, id);
      return { deleted: true };
    },
  };
}
