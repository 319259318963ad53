/**
 * Getting the SQL out of what a model wrote, and naming what was wrong with it.
 * The seed's rule first (`SQL:\s*(.*?)(?:\nExplanation:|$)`, dotall, case-insensitive;
 * else the first paragraph), then the clean-ups its outputs needed: ```sql fences,
 * several statements, trailing text in other scripts (its predictions trail off into
 * Tamil and Persian).
 */

export type OutputIssue = 'empty' | 'fenced' | 'multiple_statements' | 'trailing_text';

export interface ExtractedSql {
  /** The seed's extraction, as it was scored. */
  seed: string;
  /** The first statement, fences and trailing prose removed: what is executed. */
  sql: string;
  issues: OutputIssue[];
}

export function seedExtract(output: string): string {
  const m = /SQL:\s*([\s\S]*?)(?:\nExplanation:|$)/i.exec(output);
  if (m) return m[1].trim();
  const paragraph = output.trim().split(/\n\s*\n/)[0] ?? '';
  return (paragraph || output.trim().split('\n')[0] || '').trim();
}

/** Split SQL into statements at semicolons outside string literals and comments. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      current += c;
      if (c === quote) quote = sql[i + 1] === quote ? (current += sql[++i], quote) : null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      current += '\n';
      continue;
    }
    if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Letters outside Latin script (Tamil, Devanagari, Arabic/Persian, CJK...) mark prose a model trailed into. */
const FOREIGN = /[\u0590-\u08FF\u0900-\u0DFF\u0E00-\u0FFF\u1100-\u11FF\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF]/;

export function extractSql(output: string): ExtractedSql {
  const issues: OutputIssue[] = [];
  const seed = seedExtract(output);
  let text = seed;
  const fence = /```(?:sql|sqlite|mysql|postgresql)?\s*\n?([\s\S]*?)(?:```|$)/i.exec(text);
  if (fence) {
    issues.push('fenced');
    if (text.slice(fence.index + fence[0].length).trim()) issues.push('trailing_text');
    text = fence[1];
  }
  const foreignAt = text.search(FOREIGN);
  if (foreignAt >= 0) {
    if (!issues.includes('trailing_text')) issues.push('trailing_text');
    text = text.slice(0, foreignAt);
  }
  const statements = splitStatements(text);
  if (statements.length > 1) issues.push('multiple_statements');
  let sql = statements[0] ?? '';
  // Prose after the statement on later lines ("This query selects...") is not SQL.
  const lines = sql.split('\n');
  const proseAt = lines.findIndex((l, i) => i > 0 && /^\s*(this|the|note|here|explanation)\b/i.test(l));
  if (proseAt > 0) {
    if (!issues.includes('trailing_text')) issues.push('trailing_text');
    sql = lines.slice(0, proseAt).join('\n').trim();
  }
  if (!sql) issues.push('empty');
  return { seed, sql, issues };
}
