import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/server';
import { CsvParser } from '../../src-main/data/csv';
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

    // Every prediction failed, so every one has at least one cause; 8 new tokens end most generations early.
    const m = done.metrics!;
    for (const p of predictions) {
      expect(p.tags!.length, p.rawOutput).toBeGreaterThan(0);
      expect(p.tags!.includes('truncated')).toBe(p.truncated);
      expect(p.tags).toContain(p.outcome === 'empty' ? 'empty' : p.outcome);
    }
    expect(predictions.some((p) => p.truncated)).toBe(true);
    expect(m.tags!.truncated).toBe(predictions.filter((p) => p.truncated).length);
    expect(Object.values(m.tagsByComplexity!.truncated).reduce((a, b) => a + b, 0)).toBe(m.tags!.truncated);
    // The default dataset has complexity, task type and domain: each breakdown covers the 6 examples.
    for (const by of ['complexity', 'taskType', 'domain'] as const) {
      expect(Object.values(m.breakdown![by]!).reduce((n, g) => n + g.count, 0), by).toBe(6);
    }
    expect(new Set(predictions.map((p) => p.domain))).toEqual(new Set(Object.keys(m.breakdown!.domain!)));
    expect(m.rougeLsum).toBeGreaterThanOrEqual(0);
    expect(m.intervals).toMatchObject({ level: 0.95, executionAccuracy: [0, 0] });

    // One tag only, and the same as CSV with every column a reader needs.
    const truncated = await call('eval.get', { id: evaluation.id, tag: 'truncated' });
    expect(truncated.total).toBe(m.tags!.truncated);
    const exported = await call('eval.exportCsv', { id: evaluation.id });
    expect(exported).toMatchObject({ filename: `evaluation-${evaluation.id}-baseline-on-test.csv`, rows: 6 });
    const parser = new CsvParser();
    const records = [...parser.push(exported.csv), ...parser.end()].map((r) => r.fields);
    expect(records[0]).toEqual(['ord', 'prompt', 'context', 'gold', 'predicted', 'raw_output', 'outcome', 'tags', 'detail', 'error', 'complexity', 'task_type', 'domain', 'exact_match', 'rouge_l', 'truncated', 'gold_status', 'gold_reason', 'gold_rows', 'predicted_rows']);
    expect(records).toHaveLength(7);
    records.slice(1).forEach((r, i) => {
      const p = predictions[i];
      expect(r.slice(0, 8)).toEqual([String(i), p.prompt, p.context, p.reference, p.predictedSql, p.rawOutput, p.outcome, p.tags!.join(' ')]);
      expect(JSON.parse(r[18])).toEqual(p.goldRows);
    });
    expect((await call('eval.exportCsv', { id: evaluation.id, tag: 'truncated' })).rows).toBe(m.tags!.truncated);
  }, 120_000);

  it('reads predictions stored before error tags (output issues in the tags column)', async () => {
    const id = Number(
      backend.store.db
        .prepare("INSERT INTO evaluations (name, status, config, metrics, created_at) VALUES ('old', 'completed', '{}', NULL, '2025-01-01T00:00:00.000Z')")
        .run().lastInsertRowid,
    );
    backend.store.db
      .prepare(
        `INSERT INTO predictions (evaluation_id, ord, reference, raw_output, predicted_sql, metrics, execution, tags, correct)
         VALUES (?, 0, 'SELECT 1', ?, 'SELECT 2', '{"exactMatch":false,"rougeL":0.5}', '{"outcome":"wrong_result","goldStatus":"ok","goldReason":null,"error":null,"predictedRows":[[2]],"goldRows":[[1]]}', '["fenced"]', 0)`,
      )
      .run(id, '```sql\nSELECT 2\n```');
    const { predictions } = await call('eval.get', { id });
    expect(predictions[0]).toMatchObject({ issues: ['fenced'], outcome: 'wrong_result', correct: false, rougeL: 0.5 });
    expect(predictions[0].tags).toBeUndefined();
    expect((await call('eval.exportCsv', { id })).rows).toBe(1);
  });

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

  it('keeps the prompt and breaks scores down by the complexity given with predictions made elsewhere', async () => {
    const context = 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2);';
    const { summary, rows } = await call('eval.score', {
      rows: [
        { gold: 'SELECT a FROM t', output: 'SELECT a FROM t', context, prompt: 'All a?', complexity: 'basic SQL' },
        { gold: 'SELECT SUM(a) FROM t', output: 'SELECT SUM(b) FROM t', context, complexity: 'aggregation' },
      ],
    });
    expect(rows.map((r) => [r.prompt, r.complexity, r.tags, r.detail])).toEqual([
      ['All a?', 'basic SQL', [], null],
      [null, 'aggregation', ['unknown_column'], 'b'],
    ]);
    expect(summary.breakdown!.complexity).toMatchObject({ aggregation: { count: 1, accuracy: 0 }, 'basic SQL': { count: 1, accuracy: 1 } });
    expect(summary.tagsByComplexity).toEqual({ unknown_column: { aggregation: 1 } });
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
