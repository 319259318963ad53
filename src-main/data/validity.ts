import initSqlJs, { type SqlJsStatic } from 'sql.js';

/**
 * Gold SQL validity: does the query run against its own context in a fresh SQLite
 * database? sql.js (SQLite in WebAssembly) has no file system, so a context or query
 * cannot ATTACH or write files. Queries that could run unbounded (WITH RECURSIVE)
 * are skipped rather than risked, since sql.js has no progress handler to stop them.
 */

export type ValidityStatus = 'valid' | 'invalid' | 'context_error' | 'skipped';

export interface ValidityResult {
  status: ValidityStatus;
  /** Grouping key for the report ("unknown function DATE_SUB", "syntax error near INTERVAL"...). */
  reason: string | null;
  error: string | null;
  nonDeterministic: boolean;
}

let sqlPromise: Promise<SqlJsStatic> | null = null;
export const loadSqlJs = (): Promise<SqlJsStatic> => (sqlPromise ??= initSqlJs());

const NON_DETERMINISTIC = /\b(CURRENT_DATE|CURRENT_TIME|CURRENT_TIMESTAMP|SYSDATE|LOCALTIMESTAMP)\b|\b(NOW|RANDOM|RAND|GETDATE|UUID)\s*\(|'now'/i;

/** Other dialects' constructs behind most syntax errors in gretel's SQL (MySQL/PostgreSQL/SQL Server). */
const DIALECT: [RegExp, string][] = [
  [/\bINTERVAL\b/i, 'INTERVAL date arithmetic (MySQL/PostgreSQL)'],
  [/\bILIKE\b/i, 'ILIKE (PostgreSQL)'],
  [/::\s*[A-Za-z]/, ':: cast (PostgreSQL)'],
  [/\bTOP\s+\(?\d/i, 'TOP n (SQL Server)'],
  [/\bEXTRACT\s*\(/i, 'EXTRACT (MySQL/PostgreSQL)'],
];

/** A short, groupable reason for a SQLite error message (given the query, to name the dialect behind a syntax error). */
export function classifyError(message: string, sql = ''): string {
  let m = /no such function: ([\w.]+)/i.exec(message);
  if (m) return `unknown function ${m[1].toUpperCase()}`;
  m = /near "([^"]*)": syntax error/i.exec(message);
  if (m) {
    for (const [pattern, name] of DIALECT) if (pattern.test(sql)) return `syntax error: ${name}`;
    const token = /^\d/.test(m[1]) ? 'a number' : m[1].startsWith("'") ? 'a string literal' : m[1].toUpperCase();
    return `syntax error near ${token}`;
  }
  if (/incomplete input/i.test(message)) return 'incomplete input';
  if (/no such table/i.test(message)) return 'no such table';
  if (/no such column/i.test(message)) return 'no such column';
  if (/ambiguous column/i.test(message)) return 'ambiguous column name';
  if (/misuse of (aggregate|window)/i.test(message)) return 'misuse of aggregate or window function';
  if (/wrong number of arguments/i.test(message)) return 'wrong number of arguments to a function';
  if (/constraint failed/i.test(message)) return 'constraint failed';
  if (/already exists/i.test(message)) return 'object already exists';
  // Drop names and numbers so similar errors group together.
  return message.replace(/"[^"]*"|'[^']*'|\b\d+\b/g, '…').slice(0, 80);
}

export class ValidityChecker {
  private constructor(private readonly SQL: SqlJsStatic) {}

  static async create(): Promise<ValidityChecker> {
    return new ValidityChecker(await loadSqlJs());
  }

  check(context: string, sql: string): ValidityResult {
    const nonDeterministic = NON_DETERMINISTIC.test(sql);
    if (/\bWITH\s+RECURSIVE\b/i.test(sql)) {
      return { status: 'skipped', reason: 'not run: recursive query (could run without end)', error: null, nonDeterministic };
    }
    const db = new this.SQL.Database();
    try {
      try {
        if (context.trim()) db.exec(context);
      } catch (e) {
        const msg = (e as Error).message;
        return { status: 'context_error', reason: `context fails: ${classifyError(msg)}`, error: msg, nonDeterministic };
      }
      try {
        db.exec(sql);
        return { status: 'valid', reason: null, error: null, nonDeterministic };
      } catch (e) {
        const msg = (e as Error).message;
        return { status: 'invalid', reason: classifyError(msg, sql), error: msg, nonDeterministic };
      }
    } finally {
      db.close();
    }
  }
}
