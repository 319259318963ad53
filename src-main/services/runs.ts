import { resolve } from 'node:path';
import { exportRunResults } from '../runs/export-results';
import type { Handlers } from '../api/server';
import { deleteRun, getMetrics, getRun, importTrainerRun, listRuns } from '../runs';
import type { ServiceContext } from './context';

export function runHandlers({ store }: ServiceContext): Pick<Handlers, 'runs.list' | 'runs.get' | 'runs.import' | 'runs.exportResults' | 'runs.delete'> {
  return {
    async 'runs.list'() {
      return listRuns(store);
    },
    async 'runs.get'({ id }) {
      return { run: getRun(store, id), metrics: getMetrics(store, id) };
    },
    async 'runs.import'(input) {
      const { runId } = importTrainerRun(store, input);
      return getRun(store, runId);
    },
    async 'runs.exportResults'({ id, outDir }) {
      const target = resolve(outDir);
      return { outDir: target, ...exportRunResults(getRun(store, id), getMetrics(store, id), target) };
    },
    async 'runs.delete'({ id }) {
      deleteRun(store, id);
      return { deleted: true };
    },
  };
}
