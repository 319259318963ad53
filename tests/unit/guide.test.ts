import { describe, expect, it } from 'vitest';
import type { EvaluationRecord, RunRecord } from '../../src-main/api/contract';
import { GUIDE_STEPS } from '../../src-renderer/src/lib/guide';

const evaluation = (e: Partial<EvaluationRecord>): EvaluationRecord => ({
  id: 1, name: 'e', runId: null, datasetId: 1, split: 'test', status: 'completed', config: {}, metrics: null, error: null, createdAt: '2026-12-04T00:00:00.000Z', finishedAt: null, ...e,
});
const run = (r: Partial<RunRecord>): RunRecord => ({
  id: 1, name: 'r', kind: 'trained', status: 'completed', config: {}, summary: null, error: null, sweepId: null, adapterPath: null, createdAt: '2026-12-04T00:00:00.000Z', startedAt: null, finishedAt: null, ...r,
});
const doneSteps = (runs: RunRecord[], evaluations: EvaluationRecord[]) => GUIDE_STEPS.filter((s) => s.done({ runs, evaluations })).map((s) => s.title);

describe("the first-run guide's steps", () => {
  it('tick off as the seed experiment progresses', () => {
    expect(doneSteps([], [])).toEqual([]);
    expect(doneSteps([], [evaluation({})])).toEqual(['Evaluate the base model']);
    expect(doneSteps([run({})], [evaluation({}), evaluation({ id: 2, runId: 1 })])).toEqual(['Evaluate the base model', 'Train LoRA at ranks 4, 8 and 16', 'Evaluate each run']);
  });

  it('do not count imported predictions, failed work or imported adapters', () => {
    // Imported predictions: no run and no dataset.
    expect(doneSteps([], [evaluation({ datasetId: null, split: null })])).toEqual([]);
    expect(doneSteps([run({ status: 'failed' }), run({ id: 2, kind: 'imported' })], [evaluation({ status: 'failed' }), evaluation({ id: 2, status: 'running' })])).toEqual([]);
  });
});
