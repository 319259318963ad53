/**
 * A small SQL lexer, enough for what evaluation needs without a full parser:
 * splitting statements, spotting a top-level ORDER BY, statement kinds, transaction
 * control and statements the sandbox refuses. It knows SQLite's quoting rules:
 * 'strings' ('' escapes), "identifiers", `identifiers`, [identifiers], -- and block
 * comments. Unterminated quotes and comments run to the end of the text.
 */

export type TokenType = 'ws' | 'comment' | 'string' | 'qident' | 'word' | 'number' | 'punct';

export interface Token {
  type: TokenType;
  text: string;
  start: number;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
// ASCII fast paths first: the lexer runs over every schema context and prediction.
const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || (c > '\x7f' && /\s/.test(c)) || c === '\f' || c === '\v';
// Letters of any script start a word, so Tamil or Persian text is one word token, not noise.
const wordStartRe = /[\p{L}_]/u;
const wordPartRe = /[\p{L}\p{N}\p{M}_$]/u;
const isAsciiWord = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const wordStart = { test: (c: string) => isAsciiWord(c) || (c > '\x7f' && wordStartRe.test(c)) };
const wordPart = { test: (c: string) => isAsciiWord(c) || isDigit(c) || c === '$' || (c > '\x7f' && wordPartRe.test(c)) };
const multiPunct = ['||', '<=', '>=', '<>', '!=', '==', '<<', '>>', '->>', '->'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (type: TokenType, end: number) => {
    tokens.push({ type, text: sql.slice(i, end), start: i });
    i = end;
  };
  while (i < n) {
    const c = sql[i];
    if (isSpace(c)) {
      let j = i + 1;
      while (j < n && isSpace(sql[j])) j++;
      push('ws', j);
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      push('comment', j < 0 ? n : j);
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      push('comment', j < 0 ? n : j + 2);
    } else if (c === "'" || c === '"' || c === '`') {
      // A doubled quote inside is an escaped quote.
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k < 0) {
          j = n;
          break;
        }
        if (sql[k + 1] === c) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      push(c === "'" ? 'string' : 'qident', j);
    } else if (c === '[') {
      const j = sql.indexOf(']', i + 1);
      push('qident', j < 0 ? n : j + 1);
    } else if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      let j = i;
      if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
        j = i + 2;
        while (j < n && /[0-9a-fA-F]/.test(sql[j])) j++;
      } else {
        while (j < n && (isDigit(sql[j]) || sql[j] === '.')) j++;
        if ((sql[j] === 'e' || sql[j] === 'E') && /[-+0-9]/.test(sql[j + 1] ?? '')) {
          j += 2;
          while (j < n && isDigit(sql[j])) j++;
        }
      }
      push('number', j);
    } else if (wordStart.test(c)) {
      let j = i + 1;
      while (j < n && wordPart.test(sql[j])) j++;
      push('word', j);
    } else {
      const op = multiPunct.find((p) => sql.startsWith(p, i));
      push('punct', i + (op ? op.length : 1));
    }
  }
  return tokens;
}

const significant = (t: Token) => t.type !== 'ws' && t.type !== 'comment';

/** A statement's text (no trailing `;`) and its significant tokens. */
export interface Statement {
  text: string;
  tokens: Token[];
}

/**
 * Split on `;` outside quotes and comments. The `;` inside CREATE TRIGGER ... BEGIN ...
 * END belong to the trigger, as in SQLite.
 */
export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  let current: Token[] = [];
  let inTriggerBody = false;
  const flush = () => {
    const sig = current.filter(significant);
    if (sig.length) {
      const first = current.findIndex(significant);
      const last = current.length - 1 - [...current].reverse().findIndex(significant);
      out.push({ text: current.slice(first, last + 1).map((t) => t.text).join(''), tokens: sig });
    }
    current = [];
    inTriggerBody = false;
  };
  for (const t of tokenize(sql)) {
    if (t.type === 'punct' && t.text === ';' && !inTriggerBody) {
      flush();
      continue;
    }
    current.push(t);
    if (t.type === 'word') {
      const sig = current.filter(significant);
      const words = sig.slice(0, 3).map((x) => x.text.toUpperCase());
      const isTrigger = words[0] === 'CREATE' && (words[1] === 'TRIGGER' || words[2] === 'TRIGGER');
      if (isTrigger && t.text.toUpperCase() === 'BEGIN') inTriggerBody = true;
      if (inTriggerBody && t.text.toUpperCase() === 'END') inTriggerBody = false;
    }
  }
  flush();
  return out;
}

export type StatementKind = 'query' | 'insert' | 'update' | 'delete' | 'ddl' | 'other';

const ddlWords = new Set(['CREATE', 'DROP', 'ALTER', 'REINDEX']);

/** What a statement does; WITH ... INSERT/UPDATE/DELETE counts as that DML. */
export function statementKind(stmt: Statement): StatementKind {
  const first = stmt.tokens[0]?.type === 'word' ? stmt.tokens[0].text.toUpperCase() : '';
  if (first === 'SELECT' || first === 'VALUES' || first === 'EXPLAIN') return 'query';
  if (first === 'INSERT' || first === 'REPLACE') return 'insert';
  if (first === 'UPDATE') return 'update';
  if (first === 'DELETE') return 'delete';
  if (ddlWords.has(first)) return 'ddl';
  if (first === 'WITH') {
    // The main statement follows the CTE list: the first DML keyword at depth 0.
    let depth = 0;
    for (const t of stmt.tokens) {
      if (t.type === 'punct' && t.text === '(') depth++;
      else if (t.type === 'punct' && t.text === ')') depth--;
      else if (depth === 0 && t.type === 'word') {
        const w = t.text.toUpperCase();
        if (w === 'INSERT' || w === 'REPLACE') return 'insert';
        if (w === 'UPDATE') return 'update';
        if (w === 'DELETE') return 'delete';
        if (w === 'SELECT' || w === 'VALUES') return 'query';
      }
    }
    return 'query';
  }
  return 'other';
}

/**
 * Whether the query's own result is ordered: ORDER BY at parenthesis depth 0 (an
 * ORDER BY inside a subquery or a window does not order the rows returned).
 */
export function hasTopLevelOrderBy(stmt: Statement): boolean {
  let depth = 0;
  const toks = stmt.tokens;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.type === 'punct' && t.text === '(') depth++;
    else if (t.type === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.type === 'word' && t.text.toUpperCase() === 'ORDER' && toks[i + 1]?.text.toUpperCase() === 'BY') return true;
  }
  return false;
}

const transactionWords = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** Whether any statement is transaction control (it would break the sandbox's savepoint). */
export function usesTransactionControl(sql: string): boolean {
  // Most SQL has none of the words at all: no need to lex it.
  if (!/\b(begin|commit|end|rollback|savepoint|release)\b/i.test(sql)) return false;
  return splitStatements(sql).some((s) => s.tokens[0]?.type === 'word' && transactionWords.has(s.tokens[0].text.toUpperCase()));
}

/** PRAGMAs that only read the schema; every other PRAGMA could change limits or the file layout. */
const readOnlyPragmas = new Set(['table_info', 'table_xinfo', 'index_list', 'index_info', 'index_xinfo', 'foreign_key_list']);
/** Functions that reach outside the database or corrupt memory (fts3_tokenizer with two arguments). */
const refusedFunctions = new Set(['load_extension', 'readfile', 'writefile', 'edit', 'fts3_tokenizer', 'sqlite_dbpage']);

/**
 * Why the sandbox will not run this SQL, or null. ATTACH/DETACH and VACUUM (INTO)
 * would create database files; PRAGMAs could lift the memory limit or write the
 * schema; load_extension and friends reach native code or files.
 */
export function refusalReason(sql: string): string | null {
  // Every refusal needs one of these words; a schema context of CREATE and INSERT rarely has any, and is long to lex.
  if (!/attach|detach|vacuum|pragma|load_extension|readfile|writefile|edit|fts3_tokenizer|sqlite_dbpage/i.test(sql)) return null;
  for (const stmt of splitStatements(sql)) {
    let first = stmt.tokens[0]?.type === 'word' ? stmt.tokens[0].text.toUpperCase() : '';
    if (first === 'EXPLAIN') first = stmt.tokens.find((t, i) => i > 0 && t.type === 'word' && !/^(QUERY|PLAN)$/i.test(t.text))?.text.toUpperCase() ?? '';
    if (first === 'ATTACH' || first === 'DETACH') return `${first} is not allowed: the sandbox has one in-memory database`;
    if (first === 'VACUUM') return 'VACUUM is not allowed: VACUUM INTO writes a database file';
    if (first === 'PRAGMA') {
      const name = stmt.tokens.find((t, i) => i > 0 && t.type === 'word' && stmt.tokens[i + 1]?.text !== '.')?.text.toLowerCase() ?? '';
      if (!readOnlyPragmas.has(name)) return `PRAGMA ${name} is not allowed in the sandbox`;
    }
    // Only calls: a column may well be called "edit".
    const fn = stmt.tokens.find((t, i) => t.type === 'word' && refusedFunctions.has(t.text.toLowerCase()) && stmt.tokens[i + 1]?.text === '(');
    if (fn) return `${fn.text.toLowerCase()}() is not allowed in the sandbox`;
  }
  return null;
}
