import type { SandboxResult } from './sandbox';

/**
 * Execution accuracy as the field defines it (Spider's test-suite evaluation):
 * result rows compared as bags (duplicates count), in order only when the gold
 * query has ORDER BY, columns matched up to permutation; a runtime error is wrong.
 * Gold queries SQLite cannot run - other dialects, non-deterministic functions - are
 * set aside with their reason and never counted against a model.
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

/** Values compared the way SQLite users expect: 2 = 2.0, floats to 1e-6, NULL = NULL. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  return `s${String(v)}`;
}

const bag = (rows: string[][]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = JSON.stringify(r);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};

const sameBag = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a].every(([k, n]) => b.get(k) === n);

export function hasOrderBy(sql: string): boolean {
  return /\border\s+by\b/i.test(sql.replace(/'(?:[^']|'')*'/g, "''"));
}

/** Do two results hold the same rows (up to a column permutation; ordered if asked)? */
export function sameResult(gold: SandboxResult, pred: SandboxResult, ordered: boolean): boolean {
  if (!gold.ok || !pred.ok) return false;
  if (gold.kind !== pred.kind) return false;
  const g = gold.rows.map((r) => r.map(canonical));
  const p = pred.rows.map((r) => r.map(canonical));
  if (g.length !== p.length) return false;
  const width = gold.columns.length;
  if (pred.columns.length !== width) return false;
  if (width === 0) return true;
  // Candidate gold column for each predicted column: same multiset of values.
  const columnKey = (rows: string[][], c: number) => JSON.stringify(rows.map((r) => r[c]).sort());
  const goldKeys = Array.from({ length: width }, (_, c) => columnKey(g, c));
  const candidates = Array.from({ length: width }, (_, c) => {
    const key = columnKey(p, c);
    return goldKeys.flatMap((k, j) => (k === key ? [j] : []));
  });
  const goldBag = ordered ? null : bag(g);
  const used = new Array<boolean>(width).fill(false);
  const mapping = new Array<number>(width);
  const tryAssign = (c: number): boolean => {
    if (c === width) {
      const permuted = p.map((row) => {
        const out = new Array<string>(width);
        row.forEach((v, i) => (out[mapping[i]] = v));
        return out;
      });
      return ordered ? permuted.every((row, i) => JSON.stringify(row) === JSON.stringify(g[i])) : sameBag(bag(permuted), goldBag!);
    }
    for (const j of candidates[c]) {
      if (used[j]) continue;
      used[j] = true;
      mapping[c] = j;
      if (tryAssign(c + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return tryAssign(0);
}

export type ExecutionOutcome = 'correct' | 'wrong_result' | 'syntax_error' | 'unknown_table' | 'unknown_column' | 'runtime_error' | 'timeout' | 'empty' | 'not_scored';

/** What happened when the predicted SQL ran, as one category. */
export function executionOutcome(gold: SandboxResult, goldStatus: GoldStatus, predSql: string, pred: SandboxResult | null, goldSql: string): ExecutionOutcome {
  if (goldStatus !== 'ok') return 'not_scored';
  if (!predSql.trim() || !pred) return 'empty';
  if (pred.timedOut) return 'timeout';
  if (!pred.ok) {
    const e = pred.error ?? '';
    if (/syntax error|incomplete input|unrecognized token|near "/i.test(e)) return 'syntax_error';
    if (/no such table/i.test(e)) return 'unknown_table';
    if (/no such column|has no column/i.test(e)) return 'unknown_column';
    return 'runtime_error';
  }
  return sameResult(gold, pred, hasOrderBy(goldSql)) ? 'correct' : 'wrong_result';
}
