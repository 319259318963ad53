import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/server';
import type { Input, Method, Output } from '../../src-main/api/contract';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { tempBackend } from '../helpers/backend';
import { fixture, haveFixtures } from '../helpers/fixtures';

/**
 * Evaluation end to end: the default dataset's test file imported, a small Gemma 3
 * generating through the engine process, every prediction executed in the sandbox,
 * results stored and read back page by page.
 */
const backend = tempBackend();
const call = async <M extends Method>(method: M, input: Input<M>): Promise<Output<M>> => {
  const r = await dispatch(backend.handlers, method, input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as Output<M>;
};
const modelDir = join(backend.dataDir, 'tiny-model');
let datasetId: number;

beforeAll(async () => {
  writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 32 }, 11);
  const job = await call('datasets.import', { files: [{ path: resolve(import.meta.dirname, '../../resources/datasets/default/test.jsonl'), split: 'test' }], name: 'default test' });
  const done = await backend.jobs.wait(job.id);
  datasetId = (done.result as { datasetId: number }).datasetId;
}, 60_000);
afterAll(() => backend.cleanup());

describe('evaluations', () => {
  it('generates, executes and scores a dataset part as a job, and stores every prediction', async () => {
    const { evaluation, jobId } = await call('eval.run', { modelPath: modelDir, datasetId, part: 'test', limit: 6, maxNewTokens: 8, batchSize: 3 });
    expect(evaluation).toMatchObject({ status: 'running', name: 'baseline on test', datasetId });
    const job = await backend.jobs.wait(jobId);
    expect(job.status, job.error ?? '').toBe('completed');
    const { evaluation: done, total, predictions } = await call('eval.get', { id: evaluation.id });
    expect(done.status).toBe('completed');
    expect(total).toBe(6);
    expect(done.metrics!.n).toBe(6);
    // A random model writes no working SQL: every scored example is wrong, none "not scored" (the default gold all runs).
    expect(done.metrics!.execution).toMatchObject({ scored: 6, correct: 0, accuracy: 0, excludedGold: {} });
    expect(done.metrics!.generation!.tokensPerS).toBeGreaterThan(0);
    expect(Object.values(done.metrics!.byComplexity!).reduce((n, v) => n + v.scored, 0)).toBe(6);
    expect(predictions.map((p) => p.ord)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of predictions) {
      expect(p.goldStatus).toBe('ok');
      expect(p.goldRows).not.toBeNull();
      expect(p.correct).toBe(false);
      expect(['empty', 'syntax_error', 'unknown_table', 'unknown_column', 'runtime_error', 'wrong_result']).toContain(p.outcome);
    }
    const empty = await call('eval.get', { id: evaluation.id, outcome: 'correct' });
    expect(empty.total).toBe(0);
    expect((await call('eval.list', {})).map((e) => e.id)).toContain(evaluation.id);
  }, 120_000);

  it('refuses a part with no examples and an unknown evaluation with clear errors', async () => {
    await expect(call('eval.run', { modelPath: modelDir, datasetId, part: 'validation' })).rejects.toThrow(/has no examples in its validation part/);
    await expect(call('eval.get', { id: 9999 })).rejects.toThrow(/not_found: No evaluation 9999/);
  });

  it('scores predictions made elsewhere, executing them when a context is given', async () => {
    const context = 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2);';
    const { summary, rows } = await call('eval.score', {
      rows: [
        { gold: 'SELECT a FROM t', output: 'SELECT a FROM t ORDER BY a DESC', context },
        { gold: 'SELECT COUNT(*) FROM t', output: '```sql\nSELECT COUNT(*) FROM t;\n```', context },
        { gold: 'SELECT a FROM t', output: 'SELECT b FROM t', context: null },
      ],
    });
    expect(summary.execution).toMatchObject({ correct: 2, scored: 2, accuracy: 1, withoutContext: 1 });
    expect(rows.map((r) => r.outcome)).toEqual(['correct', 'correct', 'not_scored']);
    expect(rows[1].issues).toEqual(['fenced']);
  });
});

const run = promisify(execFile);
describe.skipIf(!haveFixtures)('sqlora score', () => {
  it("reproduces the seed's r16 numbers from its predictions file", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, '../../bin/sqlora.mjs'), 'score', fixture('seed-run', 'eval', 'predictions_LoRA_r16_lr2e-5.csv'), '--json', '--data-dir', join(backend.dataDir, 'cli')], { timeout: 60_000 });
    const { summary } = JSON.parse(stdout);
    expect(summary.bleu).toBeCloseTo(0.218589, 6);
    expect(summary.exactMatch).toBe(0);
    expect(summary.execution).toMatchObject({ accuracy: null, withoutContext: 15 });
    expect(summary.issues.fenced).toBeGreaterThan(10);
  });
});
