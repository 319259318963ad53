import { describe, expect, it } from 'vitest';
import { contextSchema, contextTables } from '../../src-main/data/sql-text';

// The Playground's editor completes table and column names from a pasted schema with contextSchema.
describe('contextSchema', () => {
  it('names the tables of a context and their columns, quoted or not, without constraints', () => {
    const context =
      'CREATE TABLE IF NOT EXISTS main.orders (id INT PRIMARY KEY, "order date" DATE, `total` DECIMAL(10,2), [note] TEXT, FOREIGN KEY (id) REFERENCES c(id)); ' +
      "create temp table c(id int, name text default 'a, b'); CREATE TABLE v AS SELECT 1; INSERT INTO c VALUES (1, 'x');";
    expect(contextSchema(context)).toEqual([
      { name: 'orders', columns: ['id', 'order date', 'total', 'note'] },
      { name: 'c', columns: ['id', 'name'] },
      { name: 'v', columns: [] },
    ]);
    expect(contextTables(context)).toEqual([{ columns: 4 }, { columns: 2 }, { columns: 0 }]);
  });

  it('finds nothing in text without CREATE TABLE', () => {
    expect(contextSchema('SELECT * FROM t; -- CREATE nothing')).toEqual([]);
  });
});
