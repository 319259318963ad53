import { writeFileSync } from 'node:fs';
import { parquetWriteFile } from 'hyparquet-writer';

/** Test inputs written by the tests themselves, in gretel's columns. */

export const GRETEL_COLUMNS = [
  'id',
  'domain',
  'domain_description',
  'sql_complexity',
  'sql_complexity_description',
  'sql_task_type',
  'sql_task_type_description',
  'sql_prompt',
  'sql_context',
  'sql',
  'sql_explanation',
] as const;
export type GretelRow = Record<(typeof GRETEL_COLUMNS)[number], string | number>;

export function gretelRow(i: number, over: Partial<GretelRow> = {}): GretelRow {
  return {
    id: i,
    domain: i % 2 ? 'finance' : 'healthcare',
    domain_description: 'A domain.',
    sql_complexity: i % 3 ? 'basic SQL' : 'aggregation',
    sql_complexity_description: 'How hard.',
    sql_task_type: 'analytics and reporting',
    sql_task_type_description: 'Reports.',
    sql_prompt: `How many rows have value above ${i}?`,
    sql_context: `CREATE TABLE t${i} (id INT, value INT);\nINSERT INTO t${i} VALUES (1, ${i}), (2, ${i + 5});`,
    sql: `SELECT COUNT(*) FROM t${i} WHERE value > ${i};`,
    sql_explanation: `Counts rows of t${i}.`,
    ...over,
  };
}

const csvField = (v: unknown): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function writeCsv(path: string, rows: Record<string, unknown>[], columns: readonly string[] = GRETEL_COLUMNS, eol = '\n'): void {
  writeFileSync(path, [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c] ?? '')).join(','))].join(eol) + eol);
}

export function writeJsonl(path: string, rows: unknown[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export function writeParquet(path: string, rows: GretelRow[], rowGroupSize = 1000): void {
  parquetWriteFile({
    filename: path,
    columnData: GRETEL_COLUMNS.map((name) =>
      name === 'id'
        ? { name, data: BigInt64Array.from(rows.map((r) => BigInt(r.id))), type: 'INT64' as const }
        : { name, data: rows.map((r) => String(r[name])), type: 'STRING' as const },
    ),
    rowGroupSize,
  });
}
