import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiCaller, tempBackend } from '../helpers/backend';

/**
 * Predictions made elsewhere (a notebook's CSV) kept as an evaluation: scored by
 * execution, stored, and listed with every filter the Evaluate screen offers.
 */
const backend = tempBackend();
const call = apiCaller(backend);
afterAll(() => backend.cleanup());

const context = "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, dept TEXT, salary REAL); INSERT INTO staff VALUES (1, 'Ann', 'Sales', 50), (2, 'Bo', 'IT', 70), (3, 'Cy', 'IT', 60);";
const rows = [
  { prompt: 'How many staff work in IT?', reference: "SELECT COUNT(*) FROM staff WHERE dept = 'IT';", prediction: "SELECT COUNT(*) FROM staff WHERE dept = 'IT';", complexity: 'basic SQL' },
  { prompt: 'Average salary of IT staff?', reference: "SELECT AVG(salary) FROM staff WHERE dept = 'IT';", prediction: 'SELECT AVG(salary) FROM staff;', complexity: 'aggregation' },
  { prompt: 'Names of Sales staff (100%_done)', reference: "SELECT name FROM staff WHERE dept = 'Sales';", prediction: 'SELECT name FROM employees;', complexity: 'basic SQL' },
  { prompt: 'Highest salary?', reference: 'SELECT MAX(salary) FROM staff;', prediction: 'SELECT MAX(salary) FROM staff;', complexity: 'aggregation' },
];

async function importFile(name: string, text: string) {
  const path = join(backend.dataDir, name);
  writeFileSync(path, text);
  const { evaluation, jobId } = await call('eval.import', { path });
  const job = await backend.jobs.wait(jobId);
  return { evaluation, job };
}

describe('eval.import', () => {
  it('scores a predictions file by execution and stores it as an evaluation', async () => {
    const { evaluation, job } = await importFile('notebook.jsonl', rows.map((r) => JSON.stringify({ ...r, context })).join('\n'));
    expect(job.status).toBe('completed');
    const { evaluation: done, total, predictions } = await call('eval.get', { id: evaluation.id });
    expect(done).toMatchObject({ status: 'completed', name: 'imported notebook.jsonl', runId: null, datasetId: null });
    expect(done.metrics?.execution).toMatchObject({ correct: 2, scored: 4 });
    expect(total).toBe(4);
    expect(predictions.map((p) => p.outcome)).toEqual(['correct', 'wrong_result', 'unknown_table', 'correct']);
    expect(predictions[2].tags).toContain('unknown_table');
    expect((await call('eval.list', {})).map((e) => e.id)).toContain(evaluation.id);
  });

  it('filters the stored predictions by complexity, correctness and text, together and in the CSV export', async () => {
    const { evaluation } = await importFile('filters.csv', `prompt,reference,prediction,complexity,context\n${rows.map((r) => [r.prompt, r.reference, r.prediction, r.complexity, context].map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\n')}\n`);
    const ords = async (filter: Record<string, unknown>) => (await call('eval.get', { id: evaluation.id, ...filter })).predictions.map((p) => p.ord);
    expect(await ords({ complexity: 'aggregation' })).toEqual([1, 3]);
    expect(await ords({ correct: true })).toEqual([0, 3]);
    expect(await ords({ correct: false })).toEqual([1, 2]);
    expect(await ords({ correct: false, complexity: 'basic SQL' })).toEqual([2]);
    // Case-insensitive, in the question, the gold SQL or the output; % and _ are literal.
    expect(await ords({ search: 'SALARY' })).toEqual([1, 3]);
    expect(await ords({ search: 'employees' })).toEqual([2]);
    expect(await ords({ search: '100%_' })).toEqual([2]);
    expect(await ords({ search: '%' })).toEqual([2]);
    expect(await ords({ search: '   ' })).toEqual([0, 1, 2, 3]);
    const page = await call('eval.get', { id: evaluation.id, correct: false, limit: 1, offset: 1 });
    expect([page.total, page.predictions.map((p) => p.ord)]).toEqual([2, [2]]);
    const csv = await call('eval.exportCsv', { id: evaluation.id, search: 'salary' });
    expect(csv.rows).toBe(2);
  });

  it('refuses a bad file naming its line, and stores nothing', async () => {
    const before = (await call('eval.list', {})).length;
    const path = join(backend.dataDir, 'broken.jsonl');
    writeFileSync(path, `${JSON.stringify({ reference: 'SELECT 1;', prediction: 'SELECT 1;' })}\n{"reference": "SELECT 2;", "prediction": \n`);
    await expect(call('eval.import', { path })).rejects.toThrow(/invalid_input: .*line 2/);
    await expect(call('eval.import', { path: join(backend.dataDir, 'missing.csv') })).rejects.toThrow(/invalid_input: .*missing\.csv/);
    writeFileSync(join(backend.dataDir, 'empty.jsonl'), '');
    await expect(call('eval.import', { path: join(backend.dataDir, 'empty.jsonl') })).rejects.toThrow(/invalid_input: empty\.jsonl: no predictions in the file/);
    expect((await call('eval.list', {})).length).toBe(before);
  });
});
