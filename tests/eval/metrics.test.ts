import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src-main/data/csv';
import { bootstrapIntervals, quantile } from '../../src-main/eval/bootstrap';
import { extractSql, hasNonLatinText, seedExtract, splitStatements } from '../../src-main/eval/extract';
import { bleuFromStats, bleuStats, corpusBleu, exactMatch, normalizeSql, rouge, rougeLsum, tokenize13a } from '../../src-main/eval/metrics';
import { fixture, haveFixtures } from '../helpers/fixtures';

const readPredictions = (file: string) => {
  const parser = new CsvParser();
  const records = [...parser.push(readFileSync(fixture('seed-run', 'eval', file), 'utf8')), ...parser.end()];
  return records.slice(1).map((r) => ({ reference: r.fields[0], prediction: r.fields[1] }));
};

describe.skipIf(!haveFixtures)("the seed's own evaluation, reproduced", () => {
  const results = haveFixtures ? JSON.parse(readFileSync(fixture('seed-run', 'eval', 'evaluation_results.json'), 'utf8')) : {};
  it.each([
    ['baseline', 'predictions_baseline.csv', 0.20261],
    ['LoRA_r4_lr2e-5', 'predictions_LoRA_r4_lr2e-5.csv', 0.170365],
    ['LoRA_r8_lr2e-5', 'predictions_LoRA_r8_lr2e-5.csv', 0.169993],
    ['LoRA_r16_lr2e-5', 'predictions_LoRA_r16_lr2e-5.csv', 0.218589],
  ])('%s: BLEU exactly, ROUGE within 0.01 of its bootstrap medians, EM 0', (name, file, bleu) => {
    const rows = readPredictions(file);
    expect(rows).toHaveLength(15);
    const b = corpusBleu(rows.map((r) => r.prediction), rows.map((r) => [r.reference]));
    expect(b.bleu).toBeCloseTo(bleu, 6);
    expect(b.bleu).toBeCloseTo(results[name].bleu, 10);
    const scores = rows.map((r) => rouge(r.prediction, r.reference));
    for (const k of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
      expect(Math.abs(scores.reduce((s, x) => s + x[k], 0) / 15 - results[name][k])).toBeLessThan(0.01);
    }
    expect(rows.filter((r) => exactMatch(r.prediction, r.reference))).toHaveLength(0);
  });
});

describe('metric definitions', () => {
  it('tokenises like sacrebleu 13a', () => {
    expect(tokenize13a('SELECT a.b, COUNT(*) FROM t WHERE x >= 3.5;')).toEqual(['SELECT', 'a', '.', 'b', ',', 'COUNT', '(', '*', ')', 'FROM', 't', 'WHERE', 'x', '>', '=', '3.5', ';']);
    expect(tokenize13a('a &amp; b 1-2')).toEqual(['a', '&', 'b', '1', '-', '2']);
  });

  it('BLEU: identical is 1, no 4-gram match is 0 without smoothing, short output is penalised', () => {
    expect(corpusBleu(['select a from t where b = 1'], [['select a from t where b = 1']]).bleu).toBeCloseTo(1, 12);
    expect(corpusBleu(['select a from'], [['select a from t']]).bleu).toBe(0);
    const short = corpusBleu(['select a from t where'], [['select a from t where b = 1']]);
    // 5 tokens against 8 (select a from t where b = 1)
    expect(short.brevityPenalty).toBeCloseTo(Math.exp(1 - 8 / 5), 12);
  });

  it('ROUGE-L F1 from the longest common subsequence of lower-cased alphanumeric tokens', () => {
    const r = rouge('SELECT name FROM users', 'select name, age from users');
    // tokens: [select name from users] vs [select name age from users]: LCS 4, P 1, R 0.8
    expect(r.rougeL).toBeCloseTo((2 * 1 * 0.8) / 1.8, 12);
    expect(r.rouge2).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 12);
  });

  it('ROUGE-Lsum as rouge_score: lines split on newlines, union LCS per reference line, tokens clipped by their counts', () => {
    // Flattened, [a b c d] vs [c d a b] share an LCS of 2 (L = 0.5); line by line every token is matched.
    expect(rouge('c d\na b', 'a b\nc d')).toMatchObject({ rougeL: 0.5, rougeLsum: 1 });
    // Reference lines [a], [a] against one predicted [a]: the second hit is clipped (1 token predicted). P 1, R 0.5.
    expect(rougeLsum('a', 'a\na')).toBeCloseTo(2 / 3, 12);
    // Lines with no tokens and blank lines count for nothing; an empty side scores 0.
    expect(rougeLsum('select a\n\n;\nfrom t', 'select a from t')).toBeCloseTo(1, 12);
    expect(rougeLsum('', 'select a')).toBe(0);
    // One line on each side: ROUGE-Lsum is ROUGE-L.
    const one = rouge('SELECT name FROM users', 'select name, age from users');
    expect(one.rougeLsum).toBe(one.rougeL);
    expect(rougeLsum('SELECT name FROM users', 'select name, age from users')).toBeCloseTo(one.rougeL, 12);
  });

  it('BLEU from per-example statistics: the corpus score, and resampled examples for the bootstrap', () => {
    const preds = ['select a from t where b = 1', 'select count ( * ) from t'];
    const refs = ['select a from t where b = 2', 'select count(*) from t'];
    const stats = preds.map((p, i) => bleuStats(p, [refs[i]]));
    expect(bleuFromStats(stats).bleu).toBe(corpusBleu(preds, refs.map((r) => [r])).bleu);
    expect(bleuFromStats(stats, [1, 1, 0]).bleu).toBe(corpusBleu([preds[1], preds[1], preds[0]], [[refs[1]], [refs[1]], [refs[0]]]).bleu);
    // Nothing predicted: 0, not a division by zero.
    expect(bleuFromStats([bleuStats('', ['select 1'])]).bleu).toBe(0);
  });

  it('bootstrap intervals: numpy percentiles of seeded resamples, the same every time', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
    const values = Float64Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : 0));
    const mean = (idx: Uint32Array) => idx.reduce((s, k) => s + values[k], 0) / idx.length;
    const a = bootstrapIntervals(100, { mean, constant: () => 7 });
    expect(bootstrapIntervals(100, { mean, constant: () => 7 })).toEqual(a);
    expect(a.constant).toEqual([7, 7]);
    // Mean 0.5 over 100 coin flips: the normal approximation gives 0.5 +- 0.098.
    expect(a.mean[0]).toBeGreaterThan(0.38);
    expect(a.mean[0]).toBeLessThan(0.43);
    expect(a.mean[1]).toBeGreaterThan(0.57);
    expect(a.mean[1]).toBeLessThan(0.62);
    // Another seed, other resamples (seen on a statistic with more than 101 possible values).
    const spread = Float64Array.from({ length: 100 }, (_, i) => Math.sqrt(i));
    const spreadMean = (idx: Uint32Array) => idx.reduce((s, k) => s + spread[k], 0) / idx.length;
    expect(bootstrapIntervals(100, { spreadMean }, { seed: 7 }).spreadMean).not.toEqual(bootstrapIntervals(100, { spreadMean }).spreadMean);
  });

  it('exact match ignores keyword/identifier case, comments, the trailing semicolon and spacing - not string case', () => {
    expect(normalizeSql("SELECT Name  FROM t -- all\nWHERE x = 'Bob';")).toBe("select name from t where x = 'Bob'");
    expect(exactMatch('select NAME from T /* c */ ;', 'SELECT name FROM t')).toBe(true);
    expect(exactMatch("select * from t where n = 'bob'", "SELECT * FROM t WHERE n = 'Bob'")).toBe(false);
  });
});

describe('extracting SQL from model output', () => {
  it("applies the seed's rule: after 'SQL:' up to '\\nExplanation:', else the first paragraph", () => {
    expect(seedExtract('SQL: SELECT 1;\nExplanation: one')).toBe('SELECT 1;');
    expect(seedExtract('sql:   select *\nfrom t')).toBe('select *\nfrom t');
    expect(seedExtract('SELECT 2\n\nThis returns two.')).toBe('SELECT 2');
  });

  it('cleans fences, extra statements and trailing text in other scripts, and names each', () => {
    const out = extractSql("```sql\nINSERT INTO v VALUES (1)\n;INSERT INTO v VALUES (2);\n```چند بار  استفاده کردید. ख्याव");
    // Every statement is kept: the sandbox runs them all, in order.
    expect(out.statements).toEqual(['INSERT INTO v VALUES (1)', 'INSERT INTO v VALUES (2)']);
    expect(out.sql).toBe('INSERT INTO v VALUES (1);\nINSERT INTO v VALUES (2)');
    expect(out.issues).toEqual(['fenced', 'trailing_text', 'multiple_statements']);
    const tamil = extractSql('SELECT a FROM t WHERE b = 2 இது ஒரு கேள்வி');
    expect(tamil.sql).toBe('SELECT a FROM t WHERE b = 2');
    expect(tamil.issues).toEqual(['trailing_text']);
    expect(extractSql('').issues).toEqual(['empty']);
    expect(splitStatements("SELECT ';' AS s; SELECT 2 -- x;\n")).toEqual(["SELECT ';' AS s", 'SELECT 2']);
  });

  it('drops prose before the SQL and after it, and a lone closing fence', () => {
    const led = extractSql('Here is the query:\nSELECT a FROM t;\nThis returns every a.');
    expect(led).toMatchObject({ sql: 'SELECT a FROM t', issues: ['leading_text', 'trailing_text'] });
    expect(extractSql('SELECT a FROM t\n```')).toMatchObject({ sql: 'SELECT a FROM t', issues: ['fenced'] });
    // A column called "result" at the start of a line is SQL, not prose.
    expect(extractSql('SELECT a,\nresult FROM t').sql).toBe('SELECT a,\nresult FROM t');
    // Text in another script inside a string literal is data: nothing is cut.
    expect(extractSql("SELECT * FROM t WHERE city = '東京'")).toMatchObject({ sql: "SELECT * FROM t WHERE city = '東京'", issues: [] });
  });

  it('sees non-English text outside quotes only', () => {
    expect(hasNonLatinText('SELECT a FROM t இது ஒரு கேள்வி')).toBe(true);
    expect(hasNonLatinText('SELECT a FROM t; -- یک پرس و جو')).toBe(true);
    expect(hasNonLatinText("It's a query: SELECT a FROM t WHERE n = 'x' कि")).toBe(true);
    expect(hasNonLatinText("SELECT * FROM t WHERE city = '東京' AND name = \"Zürich\"")).toBe(false);
    expect(hasNonLatinText('SELECT café, naïve FROM t')).toBe(false);
  });
});
