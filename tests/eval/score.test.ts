import { afterAll, describe, expect, it } from 'vitest';
import { classifyError, sameResult, sameState } from '../../src-main/eval/execution';
import { SqlSandbox } from '../../src-main/eval/sandbox';
import { type ScoreExample, scorePredictions } from '../../src-main/eval/score';

const sandbox = new SqlSandbox({ workers: 2, timeoutMs: 1500 });
afterAll(() => sandbox.close());

const context = `CREATE TABLE sales (id INTEGER, region TEXT, amount REAL);
INSERT INTO sales VALUES (1, 'North', 10.5), (2, 'South', 20), (3, 'North', 5), (4, 'East', 20);`;

/** Score predictions (already SQL unless fenced/prose is the point) against gold, all on the sales context. */
const score = (pairs: [gold: string, prediction: string][], extra: { truncated?: boolean[]; examples?: Partial<ScoreExample>[] } = {}) =>
  scorePredictions(
    pairs.map(([gold], i) => ({ gold, context, ...extra.examples?.[i] })),
    pairs.map(([, p]) => p),
    { extraction: 'seed', sandbox, truncated: extra.truncated },
  );

describe('execution rules, one test each', () => {
  const rs = (rows: unknown[][], width = rows[0]?.length ?? 1) => ({ columns: Array.from({ length: width }, (_, i) => `c${i}`), rows });

  it('rows are a bag: duplicates count, order ignored', () => {
    expect(sameResult(rs([[1], [1], [2]]), rs([[2], [1], [1]]), false)).toBe(true);
    expect(sameResult(rs([[1], [1], [2]]), rs([[1], [2], [2]]), false)).toBe(false);
  });

  it('order matters only when asked (the gold has a top-level ORDER BY)', () => {
    expect(sameResult(rs([[1], [2]]), rs([[2], [1]]), true)).toBe(false);
    expect(sameResult(rs([[1], [2]]), rs([[2], [1]]), false)).toBe(true);
  });

  it('columns match up to a permutation, names ignored; rows must pair up the same way', () => {
    expect(sameResult({ columns: ['name', 'n'], rows: [['a', 1], ['b', 2]] }, { columns: ['cnt', 'who'], rows: [[2, 'b'], [1, 'a']] }, false)).toBe(true);
    expect(sameResult(rs([['a', 1], ['b', 2]]), rs([[2, 'a'], [1, 'b']]), false)).toBe(false);
    expect(sameResult(rs([[1, 2]]), rs([[1]]), false)).toBe(false);
  });

  it('numbers equal to 10 significant digits (relative), never equal to strings; NULL only equals NULL', () => {
    expect(sameResult(rs([[2.3333333333333335]]), rs([[2.333333333333333]]), false)).toBe(true);
    expect(sameResult(rs([[5]]), rs([[5.0]]), false)).toBe(true);
    expect(sameResult(rs([[1234567.1234564]]), rs([[1234567.1234568]]), false)).toBe(true);
    // Relative, not absolute: 1e-8 and 2e-8 differ.
    expect(sameResult(rs([[1e-8]]), rs([[2e-8]]), false)).toBe(false);
    expect(sameResult(rs([[5]]), rs([['5']]), false)).toBe(false);
    expect(sameResult(rs([[null]]), rs([[0]]), false)).toBe(false);
  });

  it('two empty results are equal, whatever their columns', () => {
    expect(sameResult(rs([], 1), rs([], 2), false)).toBe(true);
  });

  it('DML is judged by the final state: same tables, columns and bag of rows', () => {
    const t = (rows: unknown[][]) => [{ name: 't', columns: ['id'], rows }];
    expect(sameState(t([[1], [2]]), t([[2], [1]]))).toBe(true);
    expect(sameState(t([[1], [2]]), t([[1]]))).toBe(false);
    expect(sameState(t([[1]]), [...t([[1]]), { name: 'extra', columns: ['x'], rows: [] }])).toBe(false);
    expect(sameState(t([[1]]), [{ name: 'T', columns: ['ID'], rows: [[1]] }])).toBe(true);
  });

  it('SQLite errors name their cause and the identifier', () => {
    expect(classifyError('no such table: sale')).toEqual({ outcome: 'unknown_table', detail: 'sale' });
    expect(classifyError('no such column: s.regoin')).toEqual({ outcome: 'unknown_column', detail: 's.regoin' });
    expect(classifyError('table sales has no column named amout')).toEqual({ outcome: 'unknown_column', detail: 'amout' });
    expect(classifyError('near "SELEC": syntax error')).toEqual({ outcome: 'syntax_error', detail: 'near "SELEC": syntax error' });
    expect(classifyError('integer overflow')).toEqual({ outcome: 'runtime_error', detail: 'integer overflow' });
  });
});

describe('several statements in one prediction', () => {
  it('all run in order in one database: a gold query is compared with the last result set', async () => {
    const gold = "SELECT COUNT(*) FROM sales WHERE region = 'North'";
    const { rows } = await score([
      [gold, "DELETE FROM sales WHERE region = 'East'; SELECT COUNT(*) FROM sales WHERE region = 'North'"],
      [gold, "SELECT 0; SELECT COUNT(*) FROM sales WHERE region = 'North';"],
      [gold, "SELECT COUNT(*) FROM sales WHERE region = 'North'; SELECT 0"],
      // The DELETE runs before the count: the count it answers with is 0.
      [gold, "DELETE FROM sales; SELECT COUNT(*) FROM sales WHERE region = 'North'"],
      // One failing statement fails the prediction, even after a right one.
      [gold, "SELECT COUNT(*) FROM sales WHERE region = 'North'; SELECT nope FROM sales"],
    ]);
    expect(rows.map((r) => r.outcome)).toEqual(['correct', 'correct', 'wrong_result', 'wrong_result', 'unknown_column']);
    expect(rows.map((r) => r.statements)).toEqual([2, 2, 2, 2, 2]);
  });

  it('gold that changes data is compared by the final state of every table', async () => {
    const gold = "UPDATE sales SET amount = amount * 2 WHERE region = 'North'; DELETE FROM sales WHERE id = 4";
    const { rows } = await score([
      [gold, "UPDATE sales SET amount = amount * 2 WHERE region = 'North';\nDELETE FROM sales WHERE id = 4;"],
      [gold, "DELETE FROM sales WHERE id = 4; UPDATE sales SET amount = 2 * amount WHERE id IN (1, 3); SELECT * FROM sales"],
      [gold, "UPDATE sales SET amount = amount * 2 WHERE region = 'North'"],
      [gold, 'DELETE FROM sales WHERE id = 4; CREATE TABLE notes (x)'],
    ]);
    expect(rows.map((r) => r.outcome)).toEqual(['correct', 'correct', 'wrong_result', 'wrong_result']);
  });
});

describe('error tags: each rule with a positive and a negative example', () => {
  const gold = "SELECT id FROM sales WHERE region = 'North'";

  it('non_english: another script outside quotes', async () => {
    const { rows } = await score([
      [gold, 'SELECT id FROM sales இது ஒரு கேள்வி'],
      [gold, "SELECT id FROM sales WHERE region = 'Zürich 東京'"],
    ]);
    expect(rows[0].tags).toEqual(['non_english', 'wrong_result']);
    expect(rows[1].tags).toEqual(['wrong_result']);
  });

  it('fenced: a Markdown code fence', async () => {
    const { rows } = await score([
      [gold, '```sql\nSELECT id FROM sales\n```'],
      [gold, 'SELECT id FROM sales'],
    ]);
    expect(rows[0].tags).toEqual(['fenced', 'wrong_result']);
    expect(rows[1].tags).toEqual(['wrong_result']);
  });

  it('empty: no SQL left', async () => {
    const { rows } = await score([
      [gold, ''],
      [gold, 'SELECT 1'],
    ]);
    expect(rows[0]).toMatchObject({ outcome: 'empty', tags: ['empty'] });
    expect(rows[1].tags).not.toContain('empty');
  });

  it('truncated: generation hit max new tokens (and only a failing example is tagged)', async () => {
    const { rows } = await score(
      [
        [gold, 'SELECT id FROM sales WHERE'],
        [gold, 'SELECT id FROM sales WHERE'],
        [gold, "SELECT id FROM sales WHERE region = 'North'"],
      ],
      { truncated: [true, false, true] },
    );
    expect(rows[0].tags).toEqual(['truncated', 'syntax_error']);
    expect(rows[1].tags).toEqual(['syntax_error']);
    expect(rows[2]).toMatchObject({ outcome: 'correct', truncated: true, tags: [] });
  });

  it('syntax_error keeps the SQLite message', async () => {
    const { rows } = await score([
      [gold, 'SELEC id FROM sales'],
      [gold, 'SELECT idd FROM sales'],
    ]);
    expect(rows[0]).toMatchObject({ outcome: 'syntax_error', tags: ['syntax_error'], detail: 'near "SELEC": syntax error', error: 'near "SELEC": syntax error' });
    expect(rows[1].tags).not.toContain('syntax_error');
  });

  it('unknown_table and unknown_column name the identifier', async () => {
    const { rows } = await score([
      [gold, 'SELECT id FROM sale'],
      [gold, 'SELECT regoin FROM sales'],
      [gold, 'SELECT region FROM sales'],
    ]);
    expect(rows[0]).toMatchObject({ tags: ['unknown_table'], detail: 'sale' });
    expect(rows[1]).toMatchObject({ tags: ['unknown_column'], detail: 'regoin' });
    expect(rows[2].tags).toEqual(['wrong_result']);
  });

  it('wrong_statement_type: SELECT for DML and DML for SELECT, not a wrong SELECT', async () => {
    const { rows } = await score([
      ["UPDATE sales SET amount = 0 WHERE id = 99", 'SELECT * FROM sales'],
      [gold, "DELETE FROM sales WHERE region <> 'North'"],
      [gold, 'SELECT id FROM sales'],
    ]);
    expect(rows[0]).toMatchObject({ outcome: 'wrong_statement_type', tags: ['wrong_statement_type'], detail: 'the gold SQL changes data, the prediction only reads' });
    expect(rows[1]).toMatchObject({ outcome: 'wrong_statement_type', tags: ['wrong_statement_type'] });
    expect(rows[2]).toMatchObject({ outcome: 'wrong_result', tags: ['wrong_result'] });
  });

  it('wrong_result: it runs, the rows differ; a right answer has no tags', async () => {
    const { rows } = await score([
      [gold, "SELECT id FROM sales WHERE region = 'South'"],
      [gold, "select ID from SALES where REGION = 'North' ORDER BY id DESC"],
    ]);
    expect(rows[0].tags).toEqual(['wrong_result']);
    expect(rows[1]).toMatchObject({ outcome: 'correct', tags: [] });
  });

  it('gold_invalid: gold SQLite cannot run is set aside, not counted', async () => {
    const { rows, summary } = await score([
      ['SELECT id FROM sales WHERE amount > ISNULL(amount, 0)', 'SELECT id FROM sales'],
      [gold, 'SELECT 0'],
    ]);
    expect(rows[0]).toMatchObject({ outcome: 'not_scored', goldStatus: 'dialect', tags: ['gold_invalid'] });
    expect(rows[1].tags).toEqual(['wrong_result']);
    expect(summary.execution).toMatchObject({ scored: 1, excludedGold: { dialect: 1 } });
  });

  it('refused and timeout are causes too', async () => {
    const { rows } = await score([
      [gold, "ATTACH ':memory:' AS m"],
      [gold, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c'],
    ]);
    expect(rows[0]).toMatchObject({ outcome: 'refused', tags: ['refused'] });
    expect(rows[1]).toMatchObject({ outcome: 'timeout', tags: ['timeout'], detail: 'timed out after 1500 ms' });
  });
});

describe('the summary', () => {
  const examples: [string, string, Partial<ScoreExample>][] = [
    ['SELECT COUNT(*) FROM sales', 'SELECT COUNT(*) FROM sales', { complexity: 'basic SQL', taskType: 'data retrieval', domain: 'retail' }],
    ['SELECT SUM(amount) FROM sales', 'SELECT SUM(amount) FROM sales', { complexity: 'aggregation', taskType: 'analytics and reporting', domain: 'retail' }],
    ['SELECT MAX(amount) FROM sales', 'SELECT MIN(amount) FROM sales', { complexity: 'aggregation', taskType: 'analytics and reporting', domain: 'finance' }],
    ['SELECT id FROM sales', '```sql\nSELECT id FROM sale\n```', { complexity: 'basic SQL', taskType: 'data retrieval', domain: 'finance' }],
  ];
  const run = () => score(examples.map(([g, p]) => [g, p]), { examples: examples.map(([, , e]) => e) });

  it('breaks the main metrics down by complexity, task type and domain', async () => {
    const { summary } = await run();
    expect(summary.breakdown.complexity).toMatchObject({
      aggregation: { count: 2, correct: 1, scored: 2, accuracy: 0.5, exactMatch: 0.5 },
      'basic SQL': { count: 2, correct: 1, scored: 2, accuracy: 0.5, exactMatch: 0.5 },
    });
    expect(summary.breakdown.taskType!['analytics and reporting']).toMatchObject({ count: 2, correct: 1 });
    expect(summary.breakdown.domain).toMatchObject({ finance: { count: 2, correct: 0, accuracy: 0 }, retail: { count: 2, correct: 2, accuracy: 1, rougeL: 1 } });
    expect(summary.byComplexity).toEqual({ 'basic SQL': { correct: 1, scored: 2 }, aggregation: { correct: 1, scored: 2 } });
  });

  it('counts tags, per tag and complexity', async () => {
    const { summary } = await run();
    expect(summary.tags).toEqual({ wrong_result: 1, fenced: 1, unknown_table: 1 });
    expect(summary.tagsByComplexity).toEqual({ wrong_result: { aggregation: 1 }, fenced: { 'basic SQL': 1 }, unknown_table: { 'basic SQL': 1 } });
  });

  it('gives a seeded 95% bootstrap interval for every corpus metric, the same every time', async () => {
    const { summary } = await run();
    const again = (await run()).summary;
    expect(again.intervals).toEqual(summary.intervals);
    const iv = summary.intervals!;
    expect(iv).toMatchObject({ level: 0.95, resamples: 1000, seed: 42 });
    for (const k of ['bleu', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'exactMatch'] as const) {
      expect(iv[k][0], k).toBeLessThanOrEqual(summary[k]);
      expect(iv[k][1], k).toBeGreaterThanOrEqual(summary[k]);
    }
    // 2 of 4 correct: resampled accuracies run from 0 to 1 in quarters.
    expect(iv.executionAccuracy).toEqual([0, 1]);
    expect(iv.exactMatch).toEqual([0, 1]);
  });

  it('has no execution interval without a context, no breakdown without labels, no intervals when asked for none', async () => {
    const { summary } = await scorePredictions([{ gold: 'SELECT 1', context: null }], ['SELECT 1'], { extraction: 'none' });
    expect(summary.intervals).toMatchObject({ exactMatch: [1, 1], executionAccuracy: null });
    expect(summary.breakdown).toEqual({ complexity: undefined, taskType: undefined, domain: undefined });
    expect(summary.tagsByComplexity).toBeUndefined();
    const none = await scorePredictions([{ gold: 'SELECT 1', context: null }], ['SELECT 1'], { extraction: 'none', resamples: 0 });
    expect(none.summary.intervals).toBeNull();
  });
});
