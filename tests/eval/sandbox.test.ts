import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlSandbox } from '../../src-main/eval/sandbox';
import { WORKER_SOURCE } from '../../src-main/eval/sandbox-worker';
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

  it('runs every statement in order in one database: the last result set answers, the state is there when asked', async () => {
    const r = await sandbox.run(context, "DELETE FROM sales WHERE region = 'North'; SELECT COUNT(*) FROM sales; INSERT INTO sales VALUES (5, 'West', 1, '2024-04-01'); SELECT COUNT(*), MAX(id) FROM sales", { wantState: true });
    expect(r).toMatchObject({ ok: true, kind: 'query', statements: 4, rows: [[3, 5]] });
    expect(r.state).toEqual([{ name: 'sales', columns: ['id', 'region', 'amount', 'sold_on'], rows: [[2, 'South', 20, '2024-02-10'], [4, 'East', 20, '2024-03-01'], [5, 'West', 1, '2024-04-01']] }]);
    // A statement that fails stops the rest and fails the whole.
    expect(await sandbox.run(context, 'SELECT 1; SELECT nope FROM sales; SELECT 2')).toMatchObject({ ok: false, error: 'no such column: nope' });
  });

  it('gives every run the freshly built database, whatever the run before it did', async () => {
    const count = 'SELECT COUNT(*) FROM sales';
    const runs = [
      count,
      'DELETE FROM sales',
      count,
      'DROP TABLE sales',
      count,
      "BEGIN; INSERT INTO sales VALUES (9, 'z', 0, ''); COMMIT; SELECT COUNT(*) FROM sales",
      count,
      'CREATE TEMP TRIGGER wipe AFTER INSERT ON sales BEGIN DELETE FROM sales; END; CREATE TABLE extra (a)',
      'CREATE TABLE extra2 (a); SELECT 1 FROM nowhere',
      "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'extra%') + (SELECT COUNT(*) FROM sqlite_temp_master)",
      "INSERT INTO sales VALUES (6, 'x', 1, ''); SELECT COUNT(*) FROM sales",
    ];
    // One worker, so every run meets the database the run before it used.
    const one = new SqlSandbox({ workers: 1 });
    const rs = await Promise.all(runs.map((sql) => one.run(context, sql)));
    await one.close();
    expect(rs.map((r) => (r.ok ? (r.kind === 'query' ? r.rows[0][0] : 'change') : 'failed'))).toEqual([4, 'change', 4, 'change', 4, 5, 4, 'change', 'failed', 0, 5]);
  });

  it('switches between contexts without leaking one into the next, a context with its own transaction included', async () => {
    const other = 'CREATE TABLE notes (n TEXT); INSERT INTO notes VALUES (1);';
    const ownTransaction = "BEGIN; CREATE TABLE notes (n TEXT); INSERT INTO notes VALUES ('a'), ('b'); COMMIT;";
    const tables = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)";
    const one = new SqlSandbox({ workers: 1 });
    const rs = await Promise.all([
      one.run(context, tables),
      one.run(other, `INSERT INTO notes VALUES (2); ${tables}`),
      one.run(context, tables),
      one.run('CREATE TABLE broken (', 'SELECT 1'),
      one.run(other, 'SELECT COUNT(*) FROM notes'),
      one.run(ownTransaction, 'SELECT COUNT(*) FROM notes'),
      one.run(context, tables),
    ]);
    await one.close();
    expect(rs.map((r) => (r.ok ? r.rows[0][0] : r.failedIn))).toEqual(['sales', 'notes', 'sales', 'context', 1, 2, 'sales']);
  });
});

describe('hostile SQL', () => {
  it('refuses what would reach files, lift limits or load code - in the SQL or the context, however it is written', async () => {
    const hostile = [
      "DETACH DATABASE main",
      "select 1; /* sneaky */ attach ':memory:' as m",
      "EXPLAIN VACUUM INTO '/tmp/sqlora-copy.db'",
      'PRAGMA writable_schema = ON',
      'pragma main.writable_schema=1',
      'PRAGMA hard_heap_limit = 0',
      "SELECT fts3_tokenizer('simple', x'0000000000000000')",
      "SELECT LOAD_EXTENSION('/usr/lib/evil.so', 'entry')",
    ];
    for (const sql of hostile) {
      const r = await sandbox.run(context, sql);
      expect(r, sql).toMatchObject({ ok: false, refused: true, error: expect.stringMatching(/^refused: /) });
    }
    expect(await sandbox.run("ATTACH 'x.db' AS x; CREATE TABLE y (a)", 'SELECT 1')).toMatchObject({ ok: false, refused: true, failedIn: 'context' });
    // Reading the schema is fine, and so is a column that happens to be called "edit".
    expect(await sandbox.run(context, 'PRAGMA table_info(sales)')).toMatchObject({ ok: true, rows: expect.arrayContaining([[0, 'id', 'INTEGER', 0, null, 0]]) });
    expect(await sandbox.run(context, 'SELECT id AS edit FROM sales WHERE id = 1')).toMatchObject({ ok: true, rows: [[1]] });
  });

  it('kills a cartesian product at the time limit too', async () => {
    const t0 = performance.now();
    const product = 'SELECT COUNT(*) FROM sales a, sales b, sales c, sales d, sales e, sales f, sales g, sales h, sales i, sales j, sales k, sales l, sales m, sales n, sales o, sales p';
    expect(await sandbox.run(context, product, { timeoutMs: 300 })).toMatchObject({ ok: false, timedOut: true, error: 'timed out after 300 ms' });
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('stops memory hogs: the SQLite heap limit and the row cap', async () => {
    expect(await sandbox.run('', 'SELECT length(randomblob(200000000))')).toMatchObject({ ok: false, timedOut: false, error: 'out of memory' });
    expect(await sandbox.run('', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c')).toMatchObject({ ok: false, error: 'the result has more than 10000 rows' });
  });
});

describe('the sandbox pool', () => {
  const hang = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c';

  it('fails only the unit that hung: the rest of its batch runs again on a fresh worker', async () => {
    const pool = new SqlSandbox({ workers: 1, timeoutMs: 400 });
    try {
      const sqls = [...Array.from({ length: 10 }, (_, i) => `SELECT ${i}`), hang, ...Array.from({ length: 10 }, (_, i) => `SELECT ${i + 10}`)];
      const rs = await Promise.all(sqls.map((sql) => pool.run(context, sql)));
      expect(rs.map((r) => r.timedOut)).toEqual([...Array(10).fill(false), true, ...Array(10).fill(false)]);
      expect(rs.flatMap((r) => (r.ok ? r.rows[0] : []))).toEqual([...Array(20).keys()]);
      expect(pool.stats).toMatchObject({ started: 2, killed: 1, timeouts: 1 });
    } finally {
      await pool.close();
    }
  });

  it('does not call a busy main thread a timeout: an answer that arrived in time counts', async () => {
    const pool = new SqlSandbox({ workers: 1, timeoutMs: 300 });
    try {
      await pool.warmUp();
      const pending = pool.run(context, 'SELECT 1');
      const t0 = Date.now();
      while (Date.now() - t0 < 500) {
        /* this thread is busy past the limit */
      }
      expect(await pending).toMatchObject({ ok: true, rows: [[1]] });
    } finally {
      await pool.close();
    }
  });

  it('a result too big for the worker heap kills only that worker; the pool answers again', async () => {
    const small = new SqlSandbox({ workers: 1, timeoutMs: 10_000, jsHeapLimitMb: 64 });
    try {
      const big = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000) SELECT printf('%.*c', 1000000, 'x') FROM c";
      expect(await small.run('', big)).toMatchObject({ ok: false, timedOut: false, error: 'out of memory: the worker passed its 64 MB heap limit' });
      expect(await small.run('', 'SELECT 42')).toMatchObject({ ok: true, rows: [[42]] });
      expect(small.stats).toMatchObject({ started: 2, killed: 1, timeouts: 0 });
    } finally {
      await small.close();
    }
  });

  it('the worker refuses ATTACH, VACUUM and PRAGMAs itself, were the main-side check bypassed', async () => {
    const require = createRequire(import.meta.url);
    const wasmModule = new WebAssembly.Module(readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlJsPath: require.resolve('sql.js/dist/sql-wasm.js'), wasmModule, heapLimitBytes: 32 << 20 } });
    const sqls = ["/* hidden */ ATTACH ':memory:' AS m", "-- x\nVACUUM INTO 'copy.db'", '/*a*/ PRAGMA main.writable_schema = 1', 'SELECT 7'];
    const results = await new Promise<{ status: string; message?: string }[]>((resolve) => {
      const out: { status: string; message?: string }[] = [];
      worker.on('message', (m: { type: string; result?: { status: string; message?: string } }) => {
        if (m.type === 'ready') worker.postMessage({ type: 'batch', units: sqls.map((sql, id) => ({ id, context: '', sql, wantState: false, isolated: false, maxRows: 10 })) });
        else if (m.result && out.push(m.result) === sqls.length) resolve(out);
      });
    });
    await worker.terminate();
    expect(results.map((r) => r.status)).toEqual(['refused', 'refused', 'refused', 'ok']);
    expect(results[0].message).toBe('ATTACH is not allowed in the sandbox');
    expect(results[2].message).toBe('PRAGMA writable_schema is not allowed in the sandbox');
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
