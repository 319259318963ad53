import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkQuery,
  classCounts,
  COMPLEXITIES,
  DEFAULT_DATASET_SEED,
  DEFAULT_SPLIT_SIZES,
  DOMAINS,
  generateExamples,
  generateSplits,
  splitDomains,
  TASK_TYPES,
  type TextToSqlRow,
  toJsonl,
} from '../../src-main/defaults/dataset-generator';
import { TEMPLATES } from '../../src-main/defaults/templates';
import { executeExample } from '../../src-main/defaults/verify';

const GRETEL_COLUMNS = [
  'id', 'domain', 'domain_description', 'sql_complexity', 'sql_complexity_description', 'sql_task_type',
  'sql_task_type_description', 'sql_prompt', 'sql_context', 'sql', 'sql_explanation',
];

let SQL: SqlJsStatic;
beforeAll(async () => {
  SQL = await initSqlJs();
});

const tableNames = (context: string): string[] => [...context.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]);

describe('dataset generator', () => {
  it('is deterministic from its seed', () => {
    const a = generateExamples({ seed: 7, count: 200 });
    const b = generateExamples({ seed: 7, count: 200 });
    const c = generateExamples({ seed: 8, count: 200 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    // Different seeds differ throughout, not in one row.
    const same = a.filter((r, i) => r.sql_prompt === c[i].sql_prompt && r.sql_context === c[i].sql_context).length;
    expect(same).toBeLessThan(5);
  });

  it('writes rows with exactly gretel\'s columns, in order, with sequential ids', () => {
    const rows = generateExamples({ seed: 3, count: 50, firstId: 101 });
    for (const [i, r] of rows.entries()) {
      expect(Object.keys(r)).toEqual(GRETEL_COLUMNS);
      expect(r.id).toBe(101 + i);
      for (const k of GRETEL_COLUMNS.slice(1)) expect((r as unknown as Record<string, string>)[k].length).toBeGreaterThan(0);
    }
  });

  it('every gold statement in a 400-row sample executes against its own context', () => {
    const rows = generateExamples({ seed: 12345, count: 400 });
    const failures = rows.map((r) => ({ r, res: executeExample(SQL, r) })).filter((x) => !x.res.ok);
    expect(failures.map((x) => `${x.r.sql}: ${x.res.ok ? '' : x.res.reason}`)).toEqual([]);
  });

  it('queries return rows; statements change rows and leave the written table non-empty', () => {
    const rows = generateExamples({ seed: 99, count: 400 });
    for (const r of rows) {
      const db = new SQL.Database();
      db.run(r.sql_context);
      const check = checkQuery(r.sql);
      if (r.sql_task_type === 'analytics and reporting' || r.sql_task_type === 'data retrieval') {
        expect(check, r.sql).toBeNull();
        const out = db.exec(r.sql);
        expect(out.at(-1)!.values.length, r.sql).toBeGreaterThanOrEqual(1);
      } else {
        expect(check, r.sql).not.toBeNull();
        const before = r.sql_task_type === 'data manipulation' ? JSON.stringify(db.exec(check!)) : '';
        db.run(r.sql);
        const after = db.exec(check!);
        expect(after[0].values.length, r.sql).toBeGreaterThanOrEqual(1);
        if (r.sql_task_type === 'data manipulation') expect(JSON.stringify(after), r.sql).not.toBe(before);
      }
      db.close();
    }
  });

  it('covers every complexity class and task type, with the planned class counts', () => {
    const rows = generateExamples({ seed: 5, count: 400 });
    const counts = classCounts(400);
    for (const c of COMPLEXITIES) expect(rows.filter((r) => r.sql_complexity === c).length).toBe(counts[c]);
    for (const t of TASK_TYPES) expect(rows.filter((r) => r.sql_task_type === t).length).toBeGreaterThan(10);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(400);
    // Every template can be built in every domain.
    const used = new Set(generateExamples({ seed: 6, count: 3000 }).map((r) => `${r.sql_complexity}/${r.sql_task_type}`));
    for (const t of TEMPLATES) expect(used.has(`${t.complexity}/${t.task}`)).toBe(true);
  });

  it('has varied phrasings: many distinct question shapes per class', () => {
    const rows = generateExamples({ seed: 11, count: 1000 });
    // Strip values and domain nouns to compare the sentence shapes only.
    const shape = (r: TextToSqlRow): string => r.sql_prompt.split(' ').slice(0, 2).join(' ');
    const shapes = new Set(rows.map(shape));
    expect(shapes.size).toBeGreaterThan(60);
    expect(new Set(rows.map((r) => r.sql_prompt)).size).toBeGreaterThan(950);
  });

  it('has >= 20 domains with unique table names and 2-6 columns per table', () => {
    expect(DOMAINS.length).toBeGreaterThanOrEqual(20);
    const tables = DOMAINS.flatMap((d) => [d.g.table, d.e.table, d.f.table]);
    expect(new Set(tables).size).toBe(tables.length);
    for (const d of DOMAINS) {
      expect(d.e.labels.length, d.name).toBeGreaterThanOrEqual(7);
      expect(d.g.labels.length, d.name).toBeGreaterThanOrEqual(4);
      expect(new Set(d.e.labels).size, d.name).toBe(d.e.labels.length);
    }
    for (const r of generateExamples({ seed: 2, count: 300 })) {
      for (const m of r.sql_context.matchAll(/CREATE TABLE \w+ \(([^)]*)\)/g)) {
        const cols = m[1].split(',').length;
        expect(cols).toBeGreaterThanOrEqual(2);
        expect(cols).toBeLessThanOrEqual(6);
      }
    }
  });

  it('keeps test, validation and train domains and schemas disjoint', () => {
    const domains = splitDomains(DEFAULT_DATASET_SEED);
    const all = [...domains.train, ...domains.validation, ...domains.test];
    expect(new Set(all).size).toBe(DOMAINS.length);
    const splits = generateSplits(DEFAULT_DATASET_SEED, { train: 600, validation: 100, test: 150 });
    const dom = (rows: TextToSqlRow[]): Set<string> => new Set(rows.map((r) => r.domain));
    const tabs = (rows: TextToSqlRow[]): Set<string> => new Set(rows.flatMap((r) => tableNames(r.sql_context)));
    for (const [a, b] of [['train', 'test'], ['train', 'validation'], ['validation', 'test']] as const) {
      expect([...dom(splits[a])].filter((x) => dom(splits[b]).has(x))).toEqual([]);
      expect([...tabs(splits[a])].filter((x) => tabs(splits[b]).has(x))).toEqual([]);
    }
    expect([...dom(splits.test)].sort()).toEqual(domains.test);
    const ids = [...splits.train, ...splits.validation, ...splits.test].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('checkQuery names the table or view a statement writes', () => {
    expect(checkQuery('SELECT * FROM a;')).toBeNull();
    expect(checkQuery('WITH t AS (SELECT 1) SELECT * FROM t;')).toBeNull();
    expect(checkQuery("UPDATE products SET price = price + 1 WHERE product_name = 'x';")).toBe('SELECT * FROM products;');
    expect(checkQuery('DELETE FROM sales WHERE amount < 3;')).toBe('SELECT * FROM sales;');
    expect(checkQuery('INSERT INTO sales VALUES (1, 2, 3.00, \'2024-01-01\');')).toBe('SELECT * FROM sales;');
    expect(checkQuery('CREATE VIEW v AS SELECT 1;')).toBe('SELECT * FROM v;');
    expect(checkQuery('CREATE INDEX idx ON sales (sale_date);')).toBe('SELECT * FROM sales;');
    expect(checkQuery('ALTER TABLE sales ADD COLUMN notes TEXT;')).toBe('SELECT * FROM sales;');
    expect(checkQuery('WITH t AS (SELECT 1 AS id) UPDATE products SET price = 1 WHERE product_id IN (SELECT id FROM t);')).toBe('SELECT * FROM products;');
  });

  it('the committed resources match the generator for the recorded seed', () => {
    const splits = generateSplits(DEFAULT_DATASET_SEED, DEFAULT_SPLIT_SIZES);
    const dir = join(__dirname, '..', '..', 'resources', 'datasets', 'default');
    for (const s of ['train', 'validation', 'test'] as const) {
      const file = readFileSync(join(dir, `${s}.jsonl`), 'utf8');
      expect(file.length, `${s}.jsonl`).toBe(toJsonl(splits[s]).length);
      expect(file === toJsonl(splits[s]), `${s}.jsonl differs: run npm run build:default-dataset`).toBe(true);
      expect(file.trim().split('\n').length).toBe(DEFAULT_SPLIT_SIZES[s]);
    }
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`Seed ${DEFAULT_DATASET_SEED}`);
    expect(readme).toContain(`| basic SQL | ${classCounts(DEFAULT_SPLIT_SIZES.train)['basic SQL']} |`);
  });
});
