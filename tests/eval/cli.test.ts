import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser } from '../../src-main/data/csv';
import { parsePredictions, predictionsFormat } from '../../src-main/eval/predictions-file';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { sqlora as runSqlora } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'sqlora-eval-cli-'));
const dataDir = join(dir, 'data');
const sqlora = (args: string[]) => runSqlora([...args, '--data-dir', dataDir]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2);';

describe('reading predictions made elsewhere', () => {
  it('reads CSV: reference and prediction, optional context, prompt and complexity, quoted newlines', () => {
    const csv = 'prompt,reference,prediction,context,complexity\r\n"All a?","SELECT a\nFROM t","SELECT a FROM t",' + `"${context}"` + ',basic SQL\r\nSum?,SELECT SUM(a) FROM t,SELECT 1,,\r\n\r\n';
    expect(parsePredictions(csv, 'csv', 'p.csv')).toEqual([
      { gold: 'SELECT a\nFROM t', output: 'SELECT a FROM t', context, prompt: 'All a?', complexity: 'basic SQL' },
      { gold: 'SELECT SUM(a) FROM t', output: 'SELECT 1', context: null, prompt: 'Sum?', complexity: null },
    ]);
    // The seed's own files: only reference and prediction.
    expect(parsePredictions('reference,prediction\nSELECT 1,SELECT 2\n', 'csv', 'p.csv')).toEqual([{ gold: 'SELECT 1', output: 'SELECT 2', context: null, prompt: null, complexity: null }]);
  });

  it('reads JSONL, one object a line, blank lines skipped', () => {
    const jsonl = [JSON.stringify({ reference: 'SELECT 1', prediction: 'SELECT 1', context, prompt: 'One?', complexity: 'basic SQL', extra: 5 }), '', JSON.stringify({ gold: 'SELECT 2', output: '', context: null })].join('\n');
    expect(parsePredictions(jsonl, 'jsonl', 'p.jsonl')).toEqual([
      { gold: 'SELECT 1', output: 'SELECT 1', context, prompt: 'One?', complexity: 'basic SQL' },
      { gold: 'SELECT 2', output: '', context: null, prompt: null, complexity: null },
    ]);
  });

  it('names the record and line of bad input', () => {
    const bad: [string, 'csv' | 'jsonl', string][] = [
      ['query,output\nSELECT 1\n', 'csv', 'p.csv: record 1 (line 2) has 1 fields, the header 2'],
      ['gold,answer\nSELECT 1,SELECT 1\n', 'csv', 'p.csv: the header needs a "prediction" field (or output/predicted_sql); it has gold, answer'],
      ['reference,prediction\n"SELECT 1,SELECT 2\n', 'csv', 'p.csv: line 2: '],
      ['reference,prediction\n', 'csv', 'p.csv: no predictions in the file'],
      ['{"reference": "SELECT 1", "prediction": "SELECT 1"}\n\n{"reference": "SELECT 2", "prediction": ', 'jsonl', 'p.jsonl: line 3 (record 2) is not valid JSON: '],
      ['["SELECT 1", "SELECT 1"]', 'jsonl', 'p.jsonl: line 1 (record 1) is not a JSON object'],
      ['{"reference": "SELECT 1"}', 'jsonl', 'p.jsonl: line 1 (record 1) needs a "prediction" field (or output/predicted_sql)'],
      ['{"reference": "SELECT 1", "prediction": "SELECT 1", "context": 3}', 'jsonl', 'p.jsonl: line 1 (record 1): "context" must be a string, not number'],
    ];
    for (const [text, format, message] of bad) {
      expect(() => parsePredictions(text, format, `p.${format}`), message).toThrow(message);
    }
  });

  it('tells the formats apart by extension, else by a leading {', () => {
    expect(predictionsFormat('x.jsonl', 'reference')).toBe('jsonl');
    expect(predictionsFormat('x.ndjson', '')).toBe('jsonl');
    expect(predictionsFormat('x.csv', '{')).toBe('csv');
    expect(predictionsFormat('x.txt', '  {"reference": 1}')).toBe('jsonl');
    expect(predictionsFormat('x.txt', 'reference,prediction')).toBe('csv');
  });
});

describe('sqlora score and sqlora eval', () => {
  it('scores a JSONL file, and exits 1 naming the line of a bad one', async () => {
    const file = join(dir, 'predictions.jsonl');
    writeFileSync(
      file,
      [
        { reference: 'SELECT COUNT(*) FROM t', prediction: 'SELECT COUNT(*) FROM t', context, complexity: 'basic SQL' },
        { reference: 'SELECT SUM(a) FROM t', prediction: '```sql\nSELECT SUM(b) FROM t\n```', context, complexity: 'aggregation' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const ok = await sqlora(['score', file, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const { summary, rows } = JSON.parse(ok.stdout);
    expect(summary.execution).toMatchObject({ correct: 1, scored: 2, accuracy: 0.5 });
    expect(summary.tags).toEqual({ fenced: 1, unknown_column: 1 });
    expect(rows[1]).toMatchObject({ outcome: 'unknown_column', detail: 'b', complexity: 'aggregation' });
    const text = await sqlora(['score', file]);
    expect(text.stdout).toContain('execution accuracy 50.0% [0.0%, 100.0%] (1 of 2;');
    expect(text.stdout).toMatch(/^ {2}unknown_column +1 +50\.0%$/m);

    writeFileSync(file, '{"reference": "SELECT 1", "prediction": "SELECT 1"}\n{"reference": "SELECT 2"}\n');
    const bad = await sqlora(['score', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sqlora score: predictions.jsonl: line 2 (record 2) needs a "prediction" field');
  });

  it('evaluates the tiny model on a small dataset end to end, and exports the predictions as CSV', async () => {
    const modelDir = join(dir, 'tiny-model');
    writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 32 }, 11);
    const imported = await sqlora(['dataset', 'import', resolve(import.meta.dirname, '../../resources/datasets/default/test.jsonl'), '--name', 'small']);
    expect(imported.code, imported.stderr).toBe(0);
    const evaluated = await sqlora(['eval', '--model', modelDir, '--baseline', '--dataset', 'small', '--limit', '4', '--max-new-tokens', '6', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const evaluation = JSON.parse(evaluated.stdout);
    expect(evaluation).toMatchObject({ status: 'completed', metrics: { n: 4, execution: { scored: 4, correct: 0 } } });
    expect(Object.values(evaluation.metrics.tags as Record<string, number>).every((n) => n >= 1)).toBe(true);
    expect(Object.keys(evaluation.metrics.breakdown)).toEqual(['complexity', 'taskType', 'domain']);

    const out = join(dir, 'predictions.csv');
    const exported = await sqlora(['eval', 'export', String(evaluation.id), '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe(`Wrote 4 predictions to ${out}\n`);
    const parser = new CsvParser();
    const records = [...parser.push(readFileSync(out, 'utf8')), ...parser.end()];
    expect(records.map((r) => r.fields.length)).toEqual([20, 20, 20, 20, 20]);
    expect(records.slice(1).map((r) => r.fields[6])).toEqual(Array(4).fill(expect.stringMatching(/^(empty|syntax_error|unknown_table|unknown_column|runtime_error|wrong_result|wrong_statement_type)$/)));
    const usage = await sqlora(['eval', 'export']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('eval export needs one evaluation id');
  }, 120_000);
});
