import type { SandboxResult, TableState } from './sandbox';
import { hasTopLevelOrderBy, splitStatements, type Statement, statementKind } from './sql-lex';

/**
 * Execution accuracy as the field defines it (Spider's test-suite evaluation):
 * result rows compared as bags (duplicates count), in order only when the gold
 * query has ORDER BY at its top level, columns matched up to permutation (names
 * ignored), two empty results equal, numbers equal to 10 significant digits (a
 * relative tolerance: 2 = 2.0, AVG's float noise passes), a runtime error wrong.
 * SQL that changes data is judged by the database it leaves: same tables, same
 * columns, same bag of rows in every table.
 * Several statements in one prediction all run, in order, in one database: a gold
 * query is compared with the last result set the prediction returned, gold DML/DDL
 * with the final state. Gold queries SQLite cannot run - other dialects,
 * non-deterministic functions - are set aside with their reason and never counted
 * against a model.
 */

export type GoldStatus = 'ok' | 'dialect' | 'non_deterministic' | 'context_error' | 'error';

const DIALECT = /\b(DATE_SUB|DATE_ADD|DATEDIFF|DATE_FORMAT|DATE_TRUNC|INTERVAL|ILIKE|NOW\s*\(|CURDATE|EXTRACT\s*\(|YEAR\s*\(|MONTH\s*\(|DAY\s*\(|QUARTER\s*\(|WEEK\s*\(|CONCAT\s*\(|TOP\s+\d|ISNULL\s*\(|TO_DATE|TO_CHAR|STR_TO_DATE|GETDATE|NVL\s*\(|IF\s*\(|LIMIT\s+\d+\s*,|GREATEST|LEAST|REGEXP|STRING_AGG|ARRAY_AGG|PERCENTILE_CONT|MEDIAN\s*\()|::/i;
const NON_DETERMINISTIC = /\b(CURRENT_DATE|CURRENT_TIME|CURRENT_TIMESTAMP|RANDOM\s*\(|RAND\s*\(|NOW\s*\()|date\s*\(\s*'now'|datetime\s*\(\s*'now'/i;

/** Why a gold query cannot serve as a reference, or 'ok'. */
export function classifyGold(gold: string, result: SandboxResult): { status: GoldStatus; reason: string | null } {
  if (!result.ok && result.failedIn === 'context') return { status: 'context_error', reason: `the schema context does not build: ${result.error}` };
  if (!result.ok) {
    const dialect = DIALECT.exec(gold);
    if (dialect) return { status: 'dialect', reason: `not SQLite (${dialect[0].trim()}): ${result.error}` };
    return { status: 'error', reason: result.error };
  }
  const nd = NON_DETERMINISTIC.exec(gold);
  if (nd) return { status: 'non_deterministic', reason: `depends on the clock or chance (${nd[0].trim()})` };
  return { status: 'ok', reason: null };
}

/** Values compared the way SQLite users expect: 2 = 2.0, floats to 10 significant digits, NULL = NULL, never a number = a string. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? `n${v}` : `n${Number(v.toPrecision(10))}`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  return `s${String(v)}`;
}

const rowKey = (row: unknown[], order: number[]) => order.map((k) => canonical(row[k])).join('\u0001');

function sameBag(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const m = new Map<string, number>();
  for (const k of a) m.set(k, (m.get(k) ?? 0) + 1);
  for (const k of b) {
    const c = m.get(k);
    if (!c) return false;
    m.set(k, c - 1);
  }
  return true;
}

/** Column permutations tried at most (wide results whose columns hold the same values). */
const MAX_PERMUTATIONS = 5000;

export interface ResultSet {
  columns: string[];
  rows: unknown[][];
}

/** Do two results hold the same rows (up to a column permutation; ordered if asked)? */
export function sameResult(gold: ResultSet, pred: ResultSet, ordered: boolean): boolean {
  if (!gold.rows.length && !pred.rows.length) return true;
  if (gold.rows.length !== pred.rows.length) return false;
  const width = gold.columns.length;
  if (pred.columns.length !== width) return false;
  // A predicted column can stand for a gold column only if it holds the same bag of values.
  const columnKey = (rs: ResultSet, c: number) => rs.rows.map((r) => canonical(r[c])).sort().join('\u0002');
  const goldKeys = Array.from({ length: width }, (_, c) => columnKey(gold, c));
  const predKeys = Array.from({ length: width }, (_, c) => columnKey(pred, c));
  const candidates = goldKeys.map((g) => predKeys.flatMap((p, k) => (p === g ? [k] : [])));
  if (candidates.some((c) => !c.length)) return false;
  const goldRows = gold.rows.map((r) => rowKey(r, goldKeys.map((_, j) => j)));
  const order: number[] = [];
  const used = new Set<number>();
  let tried = 0;
  const search = (j: number): boolean => {
    if (j === width) {
      tried++;
      const predRows = pred.rows.map((r) => rowKey(r, order));
      return ordered ? predRows.every((k, i) => k === goldRows[i]) : sameBag(goldRows, predRows);
    }
    for (const k of candidates[j]) {
      if (used.has(k) || tried >= MAX_PERMUTATIONS) continue;
      used.add(k);
      order.push(k);
      if (search(j + 1)) return true;
      order.pop();
      used.delete(k);
    }
    return false;
  };
  return search(0);
}

/** The database after DML/DDL: the same tables with the same columns and the same bag of rows each. */
export function sameState(gold: TableState[], pred: TableState[]): boolean {
  const names = (s: TableState[]) => s.map((t) => t.name.toLowerCase()).sort().join('\u0001');
  if (names(gold) !== names(pred)) return false;
  const byName = new Map(pred.map((t) => [t.name.toLowerCase(), t]));
  return gold.every((g) => {
    const p = byName.get(g.name.toLowerCase())!;
    const cols = (t: TableState) => t.columns.map((c) => c.toLowerCase()).join('\u0001');
    const all = g.columns.map((_, j) => j);
    return cols(g) === cols(p) && sameBag(g.rows.map((r) => rowKey(r, all)), p.rows.map((r) => rowKey(r, all)));
  });
}

const changes = (s: Statement) => {
  const kind = statementKind(s);
  return kind !== 'query' && kind !== 'other';
};

/** Whether SQL changes data or schema (INSERT, UPDATE, DELETE, REPLACE, CREATE, DROP, ALTER...) rather than only reading. */
export function changesData(sql: string): boolean {
  return splitStatements(sql).some(changes);
}

/** How gold SQL is judged: by the final state (it changes data), or by its rows - ordered when its last statement has a top-level ORDER BY. */
export function goldShape(sql: string): { changesData: boolean; ordered: boolean } {
  const statements = splitStatements(sql);
  return { changesData: statements.some(changes), ordered: statements.length > 0 && hasTopLevelOrderBy(statements[statements.length - 1]) };
}

export type ExecutionOutcome =
  | 'correct'
  | 'wrong_result'
  | 'wrong_statement_type'
  | 'syntax_error'
  | 'unknown_table'
  | 'unknown_column'
  | 'runtime_error'
  | 'timeout'
  | 'refused'
  | 'empty'
  | 'not_scored';

/** A SQLite error as an outcome, with the identifier SQLite names (unknown table/column) or its message. */
export function classifyError(message: string): { outcome: 'syntax_error' | 'unknown_table' | 'unknown_column' | 'runtime_error'; detail: string } {
  let m: RegExpExecArray | null;
  if ((m = /no such table: (\S+)/i.exec(message))) return { outcome: 'unknown_table', detail: m[1] };
  if ((m = /no such column: (\S+)/i.exec(message)) || (m = /has no column named (\S+)/i.exec(message))) return { outcome: 'unknown_column', detail: m[1] };
  if (/syntax error|incomplete input|unrecognized token/i.test(message)) return { outcome: 'syntax_error', detail: message };
  return { outcome: 'runtime_error', detail: message };
}

/**
 * What happened when the predicted SQL ran, as one category, and its detail (the
 * unknown identifier, the SQLite message). Statement type: a gold query wants some
 * predicted statement to return rows; gold that changes data wants the prediction to
 * change data too (a no-op gold UPDATE must not make a SELECT right).
 */
export function executionOutcome(input: {
  goldStatus: GoldStatus;
  goldShape: ReturnType<typeof goldShape>;
  gold: SandboxResult;
  predSql: string;
  pred: SandboxResult | null;
}): { outcome: ExecutionOutcome; detail: string | null } {
  const { goldStatus, goldShape: shape, gold, predSql, pred } = input;
  if (goldStatus !== 'ok') return { outcome: 'not_scored', detail: null };
  if (!predSql.trim() || !pred) return { outcome: 'empty', detail: null };
  if (pred.refused) return { outcome: 'refused', detail: pred.error };
  if (pred.timedOut) return { outcome: 'timeout', detail: pred.error };
  if (!pred.ok) return classifyError(pred.error ?? '');
  if (shape.changesData) {
    if (!changesData(predSql)) return { outcome: 'wrong_statement_type', detail: 'the gold SQL changes data, the prediction only reads' };
    return { outcome: sameState(gold.state ?? [], pred.state ?? []) ? 'correct' : 'wrong_result', detail: null };
  }
  if (pred.kind !== 'query') return { outcome: 'wrong_statement_type', detail: 'the gold SQL returns rows, the prediction returns none' };
  return { outcome: sameResult(gold, pred, shape.ordered) ? 'correct' : 'wrong_result', detail: null };
}
