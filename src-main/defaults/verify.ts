/**
 * Executes a generated example's gold SQL against its own context with sql.js, the
 * way evaluation does: queries must return rows; statements must change rows and
 * leave the written table (or created view) non-empty.
 */
import type { SqlJsStatic } from 'sql.js';
import { checkQuery, type TextToSqlRow } from './dataset-generator';

export type ExecutionCheck = { ok: true; rows: number } | { ok: false; reason: string };

export function executeExample(SQL: SqlJsStatic, row: Pick<TextToSqlRow, 'sql_context' | 'sql'>): ExecutionCheck {
  const db = new SQL.Database();
  try {
    db.run(row.sql_context);
    const check = checkQuery(row.sql);
    if (check === null) {
      const result = db.exec(row.sql);
      const rows = result.length === 0 ? 0 : result[result.length - 1].values.length;
      return rows > 0 ? { ok: true, rows } : { ok: false, reason: 'query returned no rows' };
    }
    db.run(row.sql);
    // DML must touch something; DDL (view, index, new column) changes no rows.
    if (/^(WITH|UPDATE|DELETE|INSERT)\b/i.test(row.sql.trim()) && db.getRowsModified() === 0) return { ok: false, reason: 'statement changed no rows' };
    const after = db.exec(check);
    const rows = after.length === 0 ? 0 : after[0].values.length;
    if (rows === 0) return { ok: false, reason: `${check} is empty afterwards` };
    return { ok: true, rows };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  } finally {
    db.close();
  }
}
