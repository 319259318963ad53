import { afterAll, describe, expect, it } from 'vitest';
import { SqlSandbox } from '../../src-main/eval/sandbox';
import { scorePredictions } from '../../src-main/eval/score';

const sandbox = new SqlSandbox({ workers: 2, timeoutMs: 1500 });
afterAll(() => sandbox.close());

const context = `CREATE TABLE sales (id INTEGER, region TEXT, amount REAL, sold_on TEXT);
INSERT INTO sales VALUES (1, 'North', 10.5, '2024-01-03'), (2, 'South', 20, '2024-02-10'), (3, 'North', 5, '2024-02-11'), (4, 'East', 20, '2024-03-01');`;

describe('the SQL sandbox', () => {
  it('runs a query against a database built from the context', async () => {
    const r = await sandbox.run(context, 'SELECT region, SUM(amount) FROM sales GROUP BY region ORDER BY region');
    expect(r).toMatchObject({ ok: true, kind: 'query', columns: ['region', 'SUM(amount)'], rows: [['East', 20], ['North', 15.5], ['South', 20]] });
  });

  it('reports a change statement as the state of every table afterwards', async () => {
    const r = await sandbox.run(context, "DELETE FROM sales WHERE region = 'North'");
    expect(r.kind).toBe('change');
    expect(r.rows).toHaveLength(1);
    expect(JSON.parse(r.rows[0][2] as string)).toHaveLength(2);
  });

  it('kills a runaway query at its time limit and keeps serving', async () => {
    const slow = await sandbox.run(context, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c', { timeoutMs: 300 });
    expect(slow).toMatchObject({ ok: false, timedOut: true });
    const after = await Promise.all([1, 2, 3].map((n) => sandbox.run(context, `SELECT ${n}`)));
    expect(after.map((r) => r.rows[0][0])).toEqual([1, 2, 3]);
  });

  it('refuses ATTACH, VACUUM INTO, PRAGMA and load_extension before they run', async () => {
    for (const sql of ["ATTACH DATABASE '/tmp/x.db' AS x", "VACUUM INTO '/tmp/y.db'", 'PRAGMA hard_heap_limit = 0', "SELECT load_extension('libevil')"]) {
      const r = await sandbox.run(context, sql);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^refused/);
    }
  });

  it('does not refuse a query whose data merely mentions those words', async () => {
    const r = await sandbox.run(context, "SELECT 'Vacuum cleaner' AS product, \"attach\" FROM (SELECT 1 AS \"attach\") -- pragma");
    expect(r).toMatchObject({ ok: true, rows: [['Vacuum cleaner', 1]] });
  });

  it('says where it failed: the context or the statement', async () => {
    expect(await sandbox.run('CREATE TABLE broken (', 'SELECT 1')).toMatchObject({ ok: false, failedIn: 'context' });
    expect(await sandbox.run(context, 'SELEC 1')).toMatchObject({ ok: false, failedIn: 'statement', error: expect.stringMatching(/syntax error/) });
  });
});

describe('execution accuracy and error categories', () => {
  const gold = [
    'SELECT region, SUM(amount) FROM sales GROUP BY region',
    'SELECT id FROM sales ORDER BY amount DESC, id',
    "SELECT COUNT(*) FROM sales WHERE sold_on > DATE_SUB(CURDATE(), INTERVAL 30 DAY)",
    "SELECT * FROM sales WHERE sold_on < date('now')",
    'SELECT amount FROM sales',
    'SELECT region FROM sales',
    'SELECT id FROM sales',
    'SELECT id FROM sales',
  ];
  const outputs = [
    'SQL: SELECT SUM(amount) AS total, region FROM sales GROUP BY region ORDER BY total',
    'SQL: SELECT id FROM sales ORDER BY id',
    'SQL: SELECT COUNT(*) FROM sales',
    'SQL: SELECT * FROM sales',
    'SQL: SELECT amount FROM sale',
    'SQL: SELECT regoin FROM sales',
    'SQL: SELEC id FROM sales',
    '```sql\nSELECT id FROM sales;\n```\nThis lists ids. ஆம்',
  ];

  it('compares bags up to column order, respects ORDER BY only when the gold has it, sets aside gold SQLite cannot run', async () => {
    const { rows, summary } = await scorePredictions(
      gold.map((g) => ({ gold: g, context })),
      outputs,
      { extraction: 'seed', sandbox },
    );
    expect(rows.map((r) => r.outcome)).toEqual(['correct', 'wrong_result', 'not_scored', 'not_scored', 'unknown_table', 'unknown_column', 'syntax_error', 'correct']);
    expect(rows[2]).toMatchObject({ goldStatus: 'dialect', goldReason: expect.stringMatching(/not SQLite \(DATE_SUB/) });
    expect(rows[3]).toMatchObject({ goldStatus: 'non_deterministic' });
    expect(rows[7].issues).toEqual(expect.arrayContaining(['fenced', 'trailing_text']));
    expect(summary.execution).toMatchObject({ correct: 2, scored: 6, accuracy: 2 / 6, excludedGold: { dialect: 1, non_deterministic: 1 }, withoutContext: 0 });
    expect(summary.outcomes).toMatchObject({ correct: 2, wrong_result: 1, unknown_table: 1, unknown_column: 1, syntax_error: 1, not_scored: 2 });
  });

  it('counts duplicates: a bag with a row missing is wrong', async () => {
    const { rows } = await scorePredictions([{ gold: 'SELECT amount FROM sales', context }], ['SELECT DISTINCT amount FROM sales'], { extraction: 'none', sandbox });
    expect(rows[0].outcome).toBe('wrong_result');
  });
});
