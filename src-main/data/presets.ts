import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ColumnMapping, PresetName } from '../api/contract';
import { DataFileError } from './source';

/**
 * Column presets: which source column feeds which logical field. Detected from the
 * header, overridable by an explicit mapping. Columns no field uses are kept as
 * metadata on each example.
 */

export const PRESETS: Record<Exclude<PresetName, 'custom'>, ColumnMapping> = {
  // gretelai/synthetic_text_to_sql
  gretel: {
    prompt: 'sql_prompt',
    context: 'sql_context',
    sql: 'sql',
    explanation: 'sql_explanation',
    domain: 'domain',
    complexity: 'sql_complexity',
    taskType: 'sql_task_type',
  },
  // Spider's dev.json/train_spider.json; the context is built from tables.json by db_id.
  spider: { prompt: 'question', sql: 'query', domain: 'db_id' },
  // b-mc2/sql-create-context
  'sql-create-context': { prompt: 'question', context: 'context', sql: 'answer' },
};

/** Columns that must be present in the file (the rest of a preset's columns are optional). */
export function requiredColumns(preset: PresetName, mapping: ColumnMapping): string[] {
  const cols = [mapping.prompt, mapping.sql];
  if (preset === 'spider') cols.push('db_id');
  else if (mapping.context) cols.push(mapping.context);
  return cols;
}

export function detectPreset(columns: string[]): Exclude<PresetName, 'custom'> | null {
  const has = (...names: string[]) => names.every((n) => columns.includes(n));
  if (has('sql_prompt', 'sql_context', 'sql')) return 'gretel';
  if (has('question', 'query', 'db_id')) return 'spider';
  if (has('question', 'context', 'answer')) return 'sql-create-context';
  return null;
}

// ---------------------------------------------------------------- Spider schemas

const SpiderTable = z.object({
  db_id: z.string(),
  table_names_original: z.array(z.string()),
  column_names_original: z.array(z.tuple([z.number().int(), z.string()])),
  column_types: z.array(z.string()),
  primary_keys: z.array(z.union([z.number().int(), z.array(z.number().int())])),
  foreign_keys: z.array(z.tuple([z.number().int(), z.number().int()])),
});
type SpiderTable = z.infer<typeof SpiderTable>;

const SPIDER_TYPES: Record<string, string> = { text: 'TEXT', number: 'NUMERIC', time: 'TEXT', boolean: 'BOOLEAN', others: 'TEXT' };

const quoteIdent = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** CREATE TABLE statements for one Spider database, with primary and foreign keys. */
export function spiderSchemaSql(db: SpiderTable): string {
  // Flat in dev.json, nested in some releases; a table's key columns together form its primary key.
  const pkColumns = db.primary_keys.flat();
  const statements: string[] = [];
  db.table_names_original.forEach((table, t) => {
    // SQLite makes sqlite_sequence itself (AUTOINCREMENT) and refuses to have it created.
    if (/^sqlite_/i.test(table)) return;
    const cols = db.column_names_original.map(([ti, name], ci) => ({ ti, name, ci })).filter((c) => c.ti === t);
    const lines = cols.map((c) => `  ${quoteIdent(c.name)} ${SPIDER_TYPES[db.column_types[c.ci]] ?? 'TEXT'}`);
    const pk = pkColumns.filter((ci) => db.column_names_original[ci]?.[0] === t);
    if (pk.length) lines.push(`  PRIMARY KEY (${pk.map((ci) => quoteIdent(db.column_names_original[ci][1])).join(', ')})`);
    for (const [from, to] of db.foreign_keys) {
      const src = db.column_names_original[from];
      const dst = db.column_names_original[to];
      if (!src || !dst || src[0] !== t) continue;
      lines.push(`  FOREIGN KEY (${quoteIdent(src[1])}) REFERENCES ${quoteIdent(db.table_names_original[dst[0]])}(${quoteIdent(dst[1])})`);
    }
    statements.push(`CREATE TABLE ${quoteIdent(table)} (\n${lines.join(',\n')}\n);`);
  });
  return statements.join('\n');
}

/** Read Spider's tables.json into db_id -> schema SQL. */
export function loadSpiderSchemas(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataFileError(`cannot read the Spider tables file (${(e as Error).message})`, path);
  }
  const parsed = z.array(SpiderTable).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataFileError(
      `is not a Spider tables.json: element ${String(issue.path[0] ?? '?')} ${issue.path.slice(1).join('.')} ${issue.message}`,
      path,
      typeof issue.path[0] === 'number' ? issue.path[0] + 1 : null,
      null,
      issue.path.length > 1 ? String(issue.path[1]) : null,
    );
  }
  return new Map(parsed.data.map((db) => [db.db_id, spiderSchemaSql(db)]));
}
