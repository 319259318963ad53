import { splitStatements as lexStatements, tokenize } from './sql-lex';

/**
 * Getting the SQL out of what a model wrote, and naming what was wrong with its form.
 * The seed's rule first (`SQL:\s*(.*?)(?:\nExplanation:|$)`, dotall, case-insensitive;
 * else the first paragraph), then the clean-ups its outputs needed: ```sql fences,
 * prose before and after the statements, text in other scripts (its predictions trail
 * off into Tamil and Persian). Every SQL statement that is left is kept: the sandbox
 * runs them all, in order.
 */

export type OutputIssue = 'empty' | 'fenced' | 'leading_text' | 'multiple_statements' | 'trailing_text';

export interface ExtractedSql {
  /** The seed's extraction, as it was scored. */
  seed: string;
  /** The statements, fences and prose removed, joined with `;`: what is executed. */
  sql: string;
  statements: string[];
  issues: OutputIssue[];
}

export function seedExtract(output: string): string {
  const m = /SQL:\s*([\s\S]*?)(?:\nExplanation:|$)/i.exec(output);
  if (m) return m[1].trim();
  const paragraph = output.trim().split(/\n\s*\n/)[0] ?? '';
  return (paragraph || output.trim().split('\n')[0] || '').trim();
}

/** Split SQL into statements at semicolons outside string literals, quoted names and comments. */
export function splitStatements(sql: string): string[] {
  return lexStatements(sql).map((s) => s.text);
}

const NON_LATIN_LETTER = /[^\P{L}\p{Script=Latin}]/u;

/**
 * Letters of a non-Latin script (Tamil, Devanagari, Persian, CJK...) outside quoted
 * text: a model trailing into another language. Quotes are closed on one line, so an
 * apostrophe in prose ("it's") cannot hide what follows it.
 */
export function hasNonLatinText(output: string): boolean {
  return NON_LATIN_LETTER.test(output.replace(/'(?:[^'\n]|'')*'|"(?:[^"\n]|"")*"/g, ''));
}

const STATEMENT_WORDS = new Set([
  'SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'CREATE', 'DROP', 'ALTER', 'VALUES', 'PRAGMA', 'ATTACH',
  'DETACH', 'VACUUM', 'EXPLAIN', 'BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ANALYZE', 'REINDEX',
]);
const startsLikeSql = (text: string): boolean => {
  const m = /^\s*\(*\s*([A-Za-z]+)/.exec(text);
  return !!m && STATEMENT_WORDS.has(m[1].toUpperCase());
};
/** A line that opens an English sentence rather than continuing a statement. */
const PROSE_LINE = /^\s*(?:The|This|That|These|Here|Here's|Note|Explanation|Output|Result|Answer|It|We|You|I|In this|To)\b(?:\s+[a-z]|\s*[:,]|')/;

export function extractSql(output: string): ExtractedSql {
  const issues = new Set<OutputIssue>();
  const seed = seedExtract(output);
  let text = seed;
  const fence = /```[ \t]*(?:sql|sqlite|mysql|postgresql)?[ \t]*\r?\n?/i.exec(text);
  if (fence) {
    issues.add('fenced');
    const bodyStart = fence.index + fence[0].length;
    const close = text.indexOf('```', bodyStart);
    const before = text.slice(0, fence.index);
    if (close < 0 && !text.slice(bodyStart).trim() && before.trim()) {
      // Only a closing fence (the opening one was never written): the SQL is before it.
      text = before;
    } else {
      if (before.trim()) issues.add('leading_text');
      if (close >= 0 && text.slice(close + 3).trim()) issues.add('trailing_text');
      text = close >= 0 ? text.slice(bodyStart, close) : text.slice(bodyStart);
    }
  }
  // Cut at the first word in another script; string literals may hold any script.
  const foreign = tokenize(text).find((t) => t.type === 'word' && NON_LATIN_LETTER.test(t.text));
  if (foreign) {
    text = text.slice(0, foreign.start);
    if (text.trim()) issues.add('trailing_text');
  }
  // Prose lines before the SQL ("Here is the query:") go.
  if (!startsLikeSql(text)) {
    const lines = text.split('\n');
    const k = lines.findIndex(startsLikeSql);
    if (k > 0 && lines.slice(0, k).some((l) => PROSE_LINE.test(l) || /:\s*$/.test(l))) {
      text = lines.slice(k).join('\n');
      issues.add('leading_text');
    }
  }
  const statements: string[] = [];
  for (const piece of splitStatements(text)) {
    // After the first statement, a piece that does not start like SQL is prose.
    if (statements.length && !startsLikeSql(piece)) {
      issues.add('trailing_text');
      break;
    }
    // A prose line inside a statement ends it (no closing semicolon, then words).
    const lines = piece.split('\n');
    const prose = lines.findIndex((l, i) => i > 0 && PROSE_LINE.test(l));
    if (prose > 0) {
      statements.push(lines.slice(0, prose).join('\n').trim());
      issues.add('trailing_text');
      break;
    }
    statements.push(piece);
  }
  if (statements.length > 1) issues.add('multiple_statements');
  if (!statements.length) issues.add('empty');
  return { seed, sql: statements.join(';\n'), statements, issues: [...issues] };
}
