import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataImportError, getDataset, importDataset, listDatasets, previewExamples } from '../../src-main/data';
import { openStore, type Store } from '../../src-main/store';
import { GRETEL_COLUMNS, gretelRow, writeCsv, writeJsonl, writeParquet } from './files';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlora-data-'));
  store = openStore(join(dir, 'store.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

async function importError(promise: Promise<unknown>): Promise<DataImportError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(DataImportError);
    return e as DataImportError;
  }
  throw new Error('expected the import to fail');
}

describe('import round trips', () => {
  it('reads gretel CSV with multi-line quoted contexts and CRLF line ends', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => gretelRow(i, i === 3 ? { sql_prompt: 'Quote "this", please' } : {}));
    const path = join(dir, 'train.csv');
    writeCsv(path, rows, GRETEL_COLUMNS, '\r\n');
    const result = await importDataset(store, { files: [{ path }] });
    expect(result.preset).toBe('gretel');
    expect(result.rows).toBe(25);
    const { rows: got, total } = previewExamples(store, result.datasetId, { offset: 3, limit: 2 });
    expect(total).toBe(25);
    expect(got[0].prompt).toBe('Quote "this", please');
    expect(got[0].context).toBe('CREATE TABLE t3 (id INT, value INT);\nINSERT INTO t3 VALUES (1, 3), (2, 8);');
    expect(got[0].sql).toBe('SELECT COUNT(*) FROM t3 WHERE value > 3;');
    expect(got[0].complexity).toBe('aggregation');
    expect(got[0].domain).toBe('finance');
    expect(got[0].explanation).toBe('Counts rows of t3.');
    expect(got[0].split).toBe('train');
    // unmapped columns are kept as metadata
    expect(got[0].meta).toMatchObject({ id: '3', domain_description: 'A domain.' });
  });

  it('reads JSONL, a JSON array and snappy Parquet to the same examples', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => gretelRow(i));
    writeJsonl(join(dir, 'a.jsonl'), rows);
    writeFileSync(join(dir, 'b.json'), JSON.stringify(rows, null, 1));
    writeParquet(join(dir, 'c.parquet'), rows, 1000);
    const ids = [];
    for (const f of ['a.jsonl', 'b.json', 'c.parquet']) {
      const r = await importDataset(store, { files: [{ path: join(dir, f) }] });
      expect(r.rows, f).toBe(2500);
      ids.push(r.datasetId);
    }
    const pick = (id: number) => previewExamples(store, id, { offset: 2400, limit: 100 }).rows.map(({ prompt, context, sql, domain, complexity, taskType }) => ({ prompt, context, sql, domain, complexity, taskType }));
    expect(pick(ids[1])).toEqual(pick(ids[0]));
    expect(pick(ids[2])).toEqual(pick(ids[0]));
    expect(previewExamples(store, ids[2], { offset: 7, limit: 1 }).rows[0].meta).toMatchObject({ id: 7 });
    expect(listDatasets(store).map((d) => d.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('imports train + test files as one dataset with their splits and reports duplicates and leakage', async () => {
    const train = [gretelRow(1), gretelRow(2), gretelRow(2), gretelRow(3, { sql: 'SELECT 1;' }), gretelRow(4)];
    const test = [gretelRow(4), gretelRow(5)];
    writeCsv(join(dir, 'synthetic_train.csv'), train);
    writeJsonl(join(dir, 'synthetic_test.jsonl'), test);
    const r = await importDataset(store, { files: [{ path: join(dir, 'synthetic_train.csv') }, { path: join(dir, 'synthetic_test.jsonl') }], name: 'both' });
    const d = getDataset(store, r.datasetId);
    expect(d.splits).toEqual({ test: 2, train: 5 });
    expect(d.report!.duplicateExamples.rows).toBe(2); // row 3 repeats row 2; test row 1 repeats train row 5
    expect(d.report!.duplicatePrompts.rows).toBe(2);
    expect(d.report!.duplicateExamples.groups[0].rows).toEqual([
      { file: join(dir, 'synthetic_train.csv'), row: 2 },
      { file: join(dir, 'synthetic_train.csv'), row: 3 },
    ]);
    expect(d.report!.leakage.prompts).toBe(1);
    expect(d.report!.leakage.examples[0]).toEqual({ prompt: gretelRow(4).sql_prompt, splits: ['train', 'test'] });
  });

  it('takes an explicit column mapping and keeps the rest as metadata', async () => {
    const path = join(dir, 'custom.jsonl');
    writeJsonl(path, [
      { q: 'List names', schema: 'CREATE TABLE p (name TEXT);', gold: 'SELECT name FROM p', level: 'easy', source: 'x' },
      { q: 'Count', schema: 'CREATE TABLE p (name TEXT);', gold: 'SELECT COUNT(*) FROM p', level: 'easy', source: 'y' },
    ]);
    const r = await importDataset(store, { files: [{ path }], mapping: { prompt: 'q', context: 'schema', sql: 'gold', complexity: 'level' } });
    expect(r.preset).toBe('custom');
    const ex = previewExamples(store, r.datasetId).rows;
    expect(ex.map((e) => [e.prompt, e.sql, e.complexity, e.meta])).toEqual([
      ['List names', 'SELECT name FROM p', 'easy', { source: 'x' }],
      ['Count', 'SELECT COUNT(*) FROM p', 'easy', { source: 'y' }],
    ]);
  });
});

describe('more formats', () => {
  it('reads TSV with a UTF-8 byte order mark, and sql-create-context columns', async () => {
    const path = join(dir, 'pairs.tsv');
    writeFileSync(path, '\ufeffquestion\tcontext\tanswer\nHow many heads?\tCREATE TABLE head (age INTEGER)\tSELECT COUNT(*) FROM head\n');
    const r = await importDataset(store, { files: [{ path }] });
    expect(r.preset).toBe('sql-create-context');
    expect(r.files[0].format).toBe('tsv');
    expect(previewExamples(store, r.datasetId).rows[0]).toMatchObject({ prompt: 'How many heads?', context: 'CREATE TABLE head (age INTEGER)', sql: 'SELECT COUNT(*) FROM head' });
  });

  it('locates a malformed element of a JSON array by element and line', async () => {
    const path = join(dir, 'arr.json');
    writeFileSync(path, `[\n${JSON.stringify(gretelRow(1))},\n{"sql_prompt": "x", "sql": 5 6},\n${JSON.stringify(gretelRow(3))}\n]`);
    const err = await importError(importDataset(store, { files: [{ path }] }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ row: 2, line: 3, column: null });
    expect(err.issues[0].message).toMatch(/^is not valid JSON/);
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, `[${JSON.stringify(gretelRow(1))}, {"sql_prompt": "x"`);
    expect((await importError(importDataset(store, { files: [{ path: cut }] }))).message).toMatch(/cut\.json row 2 \(line 1\): the JSON array is never closed/);
  });
});

describe('bad input', () => {
  it('names file, row, line and column of an empty value, and leaves the store unchanged', async () => {
    const rows = [gretelRow(1), gretelRow(2), gretelRow(3, { sql: '  ' }), gretelRow(4)];
    const path = join(dir, 'bad.csv');
    writeCsv(path, rows);
    const before = { d: count('datasets'), e: count('examples') };
    const err = await importError(importDataset(store, { files: [{ path }] }));
    // row 3 of the data; rows 1 and 2 each span 2 lines (multi-line context), so it starts on line 6
    expect(err.issues).toEqual([{ file: path, row: 3, line: 6, column: 'sql', message: 'empty value' }]);
    expect(err.message).toContain('bad.csv row 3 (line 6) column "sql": empty value');
    expect({ d: count('datasets'), e: count('examples') }).toEqual(before);
  });

  it('imports the valid rows and reports the rejected ones when asked', async () => {
    const path = join(dir, 'some-bad.jsonl');
    writeFileSync(path, [JSON.stringify(gretelRow(1)), '{"sql_prompt": "x", oops', JSON.stringify({ ...gretelRow(2), sql_prompt: undefined }), JSON.stringify(gretelRow(3))].join('\n'));
    const r = await importDataset(store, { files: [{ path }], skipInvalid: true });
    expect(r.rows).toBe(2);
    expect(r.report.rejected).toBe(2);
    expect(r.report.issues.map((i) => [i.row, i.line, i.column, i.message.split(' (')[0]])).toEqual([
      [2, 2, null, 'is not valid JSON'],
      [3, 3, 'sql_prompt', 'missing field'],
    ]);
  });

  it('refuses a file missing a required column, listing what it has', async () => {
    const path = join(dir, 'cols.csv');
    writeCsv(path, [gretelRow(1)], ['sql_prompt', 'sql_context', 'domain']);
    const err = await importError(importDataset(store, { files: [{ path }], preset: 'gretel' }));
    expect(err.issues).toEqual([{ file: path, row: null, line: null, column: 'sql', message: 'missing column (the file has: sql_prompt, sql_context, domain)' }]);
    expect(count('datasets')).toBe(0);
  });

  it('says when no preset matches the columns', async () => {
    const path = join(dir, 'what.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    const err = await importError(importDataset(store, { files: [{ path }] }));
    expect(err.message).toMatch(/cannot tell which columns.*found: a, b/);
  });

  it('rejects ragged CSV rows and unclosed quotes with their row and line', async () => {
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'sql_prompt,sql_context,sql\nq1,c1,s1\nq2,c2\nq3,c3,s3\n');
    const e1 = await importError(importDataset(store, { files: [{ path: ragged }] }));
    expect(e1.issues).toEqual([{ file: ragged, row: 2, line: 3, column: 'sql', message: 'has 2 fields but the header has 3' }]);
    const open = join(dir, 'open.csv');
    writeFileSync(open, 'sql_prompt,sql_context,sql\nq1,c1,s1\nq2,"c2\nstill going,s2\n');
    const e2 = await importError(importDataset(store, { files: [{ path: open }] }));
    expect(e2.issues[0]).toMatchObject({ row: 2, line: 3, column: 'sql_context', message: 'a quoted field is never closed' });
  });

  it('refuses empty files, wrong encodings, fake Parquet, JSON that is not an array, and a giant field', async () => {
    const cases: [string, string | Buffer, RegExp, object?][] = [
      ['empty.csv', '', /empty\.csv: the file is empty/],
      ['latin1.csv', Buffer.from('sql_prompt,sql_context,sql\ncaf\xe9,c,s\n', 'latin1'), /not valid UTF-8/],
      ['utf16.csv', Buffer.from('\ufeffsql_prompt', 'utf16le'), /UTF-16/],
      ['fake.parquet', 'sql_prompt,sql\n', /not a Parquet file/],
      ['obj.json', '{"sql_prompt": "x"}', /must hold an array of objects/],
      ['big.csv', `sql_prompt,sql_context,sql\nq,"${'x'.repeat(3000)}",s\n`, /big\.csv row 1 \(line 2\) column "sql_context": a field is longer than 1,000 characters/],
    ];
    for (const [name, content, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const err = await importError(importDataset(store, { files: [{ path }], preset: 'gretel' }, { maxFieldChars: 1000 }));
      expect(err.message, name).toMatch(pattern);
    }
    expect(count('datasets')).toBe(0);
    const missing = await importError(importDataset(store, { files: [{ path: join(dir, 'nowhere.data') }] }));
    expect(missing.message).toBe('nowhere.data: cannot read the file (ENOENT)');
  });

  it('a cancelled import leaves nothing behind', async () => {
    const path = join(dir, 'many.jsonl');
    writeJsonl(path, Array.from({ length: 5000 }, (_, i) => gretelRow(i)));
    const controller = new AbortController();
    const p = importDataset(store, { files: [{ path }] }, { signal: controller.signal, progress: () => controller.abort(new Error('Cancelled')) });
    await expect(p).rejects.toThrow('Cancelled');
    expect(count('datasets')).toBe(0);
    expect(count('examples')).toBe(0);
    // the staging database is detached again
    expect((store.db.prepare('PRAGMA database_list').all() as { name: string }[]).map((d) => d.name)).toEqual(['main']);
  });
});
