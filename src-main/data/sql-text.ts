/**
 * Light SQL text analysis for the EDA: words outside strings and comments, SQL
 * keywords, CREATE TABLE statements and their columns. Not a parser - validity is
 * judged by SQLite itself (validity.ts).
 */

/** The keywords the EDA counts (upper case). Multi-word keywords count per word (GROUP, BY). */
export const SQL_KEYWORDS = new Set(
  (
    'SELECT FROM WHERE JOIN INNER LEFT RIGHT FULL OUTER CROSS NATURAL ON USING AS AND OR NOT IN IS NULL LIKE ILIKE BETWEEN EXISTS ' +
    'GROUP BY ORDER HAVING LIMIT OFFSET DISTINCT ALL ANY COUNT SUM AVG MIN MAX CASE WHEN THEN ELSE END UNION INTERSECT EXCEPT ' +
    'INSERT INTO VALUES UPDATE SET DELETE CREATE TABLE VIEW INDEX DROP ALTER ADD COLUMN PRIMARY KEY FOREIGN REFERENCES DEFAULT ' +
    'WITH RECURSIVE ASC DESC OVER PARTITION ROW_NUMBER RANK DENSE_RANK LAG LEAD COALESCE CAST INTERVAL EXTRACT DATE_SUB DATE_ADD ' +
    'NOW CURRENT_DATE CURRENT_TIMESTAMP TOP ROUND UPPER LOWER LENGTH SUBSTRING TRIM IFNULL NULLIF'
  ).split(' '),
);

/** Words (identifiers and keywords) of a SQL text, skipping string literals, quoted identifiers and comments. */
export function sqlWords(sql: string): string[] {
  const words: string[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      // string literal or quoted identifier; a doubled quote is an escaped one
      i++;
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '[') {
      const close = sql.indexOf(']', i);
      i = close === -1 ? n : close + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      words.push(sql.slice(i, j));
      i = j;
    } else i++;
  }
  return words;
}

/** Keywords of a query, upper-cased, in order of appearance. */
export function sqlKeywords(sql: string): string[] {
  return sqlWords(sql)
    .map((w) => w.toUpperCase())
    .filter((w) => SQL_KEYWORDS.has(w));
}

/** Index of the parenthesis closing the one at `open`, skipping strings; -1 if none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      if (end === -1) return -1;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Split at top-level commas (outside parentheses and quotes). */
function topLevelItems(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = body.indexOf(c, i + 1);
      if (end === -1) break;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(body.slice(start, i));
      start = i + 1;
    }
  }
  items.push(body.slice(start));
  return items.map((s) => s.trim()).filter(Boolean);
}

const CONSTRAINT = /^(PRIMARY\s+KEY|FOREIGN\s+KEY|UNIQUE|CHECK|CONSTRAINT|KEY|INDEX|FULLTEXT)\b/i;
const CREATE_TABLE = /\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\b/gi;

/** A possibly quoted identifier ("a b", `a`, [a], schema.table) at the start of a text. */
const IDENTIFIER = /^\s*("[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+(?:\.(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+))?)/;
const unquote = (name: string): string => {
  const last = name.match(/("[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)$/)?.[1] ?? name;
  return /^["`[]/.test(last) ? last.slice(1, -1) : last;
};

/** Tables created by a context with their column names (table constraints are not columns). */
export function contextSchema(context: string): { name: string; columns: string[] }[] {
  const tables: { name: string; columns: string[] }[] = [];
  CREATE_TABLE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CREATE_TABLE.exec(context))) {
    const start = m.index + m[0].length;
    const after = context.slice(start, start + 400).replace(/^\s*IF\s+NOT\s+EXISTS\b/i, '');
    const name = unquote(IDENTIFIER.exec(after)?.[1] ?? '');
    const open = context.indexOf('(', m.index);
    const semi = context.indexOf(';', m.index);
    // CREATE TABLE x AS SELECT ...: no column list before the statement ends
    if (open === -1 || (semi !== -1 && semi < open) || /\bAS\s+SELECT\b/i.test(context.slice(m.index, open))) {
      tables.push({ name, columns: [] });
      continue;
    }
    const close = closingParen(context, open);
    const body = context.slice(open + 1, close === -1 ? context.length : close);
    const columns = topLevelItems(body)
      .filter((item) => !CONSTRAINT.test(item))
      .map((item) => unquote(IDENTIFIER.exec(item)?.[1] ?? item));
    tables.push({ name, columns });
  }
  return tables;
}

/** Tables created by a context, and how many columns each has. */
export function contextTables(context: string): { columns: number }[] {
  return contextSchema(context).map((t) => ({ columns: t.columns.length }));
}
