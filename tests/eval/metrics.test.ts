import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src-main/data/csv';
import { extractSql, seedExtract, splitStatements } from '../../src-main/eval/extract';
import { corpusBleu, exactMatch, normalizeSql, rouge, tokenize13a } from '../../src-main/eval/metrics';
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
    for (const k of ['rouge1', 'rouge2', 'rougeL'] as const) {
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
    expect(out.sql).toBe('INSERT INTO v VALUES (1)');
    expect(out.issues).toEqual(expect.arrayContaining(['fenced', 'multiple_statements']));
    const tamil = extractSql('SELECT a FROM t WHERE b = 2 இது ஒரு கேள்வி');
    expect(tamil.sql).toBe('SELECT a FROM t WHERE b = 2');
    expect(tamil.issues).toEqual(['trailing_text']);
    expect(extractSql('').issues).toEqual(['empty']);
    expect(splitStatements("SELECT ';' AS s; SELECT 2 -- x;\n")).toEqual(["SELECT ';' AS s", 'SELECT 2']);
  });
});
