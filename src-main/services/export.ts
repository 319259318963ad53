import { ApiError } from '../api/contract';
import type { Handlers } from '../api/server';
import { exportJob, validateExportConfig } from '../export';
import { getRun } from '../runs';
import type { ServiceContext } from './context';
import { examplesOf } from './examples';

/** `runs.exportJob`: the run's recipe and its dataset split, read the way training reads them. */
export function exportHandlers({ store }: ServiceContext): Pick<Handlers, 'runs.exportJob'> {
  return {
    async 'runs.exportJob'({ runId, config, outDir, baseModel }) {
      const run = runId === undefined ? null : getRun(store, runId);
      if (run && run.kind !== 'trained') {
        throw new ApiError('conflict', `Run ${run.id} was imported, not trained here: it has no app recipe to export.`);
      }
      const recipe = validateExportConfig(run ? run.config : config);
      const train = examplesOf(store, recipe, 'train');
      const validation = examplesOf(store, recipe, 'validation');
      if (!train.length) {
        throw new ApiError('invalid_input', `Dataset ${recipe.datasetId} has no examples in the train part of ${recipe.split ? `split "${recipe.split}"` : 'its own splits'}.`);
      }
      const result = exportJob({ config: recipe, train, validation, outDir, baseModel, runId: run?.id ?? null, runName: run?.name ?? null });
      return { outDir: result.outDir, files: result.files, train: result.train, validation: result.validation };
    },
  };
}
