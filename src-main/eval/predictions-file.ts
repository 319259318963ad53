import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { CsvParser, CsvSyntaxError } from '../data/csv';

/**
 * Predictions made elsewhere (a Python notebook, another tool) for `sqlora score`: a
 * CSV with a header row, or JSON Lines with one object per line. Required: the gold
 * SQL (`reference`) and what the model wrote (`prediction`); optional: `context`
 * (CREATE/INSERT, for execution accuracy), `prompt`, `complexity`. Bad input is named
 * by its record and line, because that is where a person looks in an editor.
 */

export interface PredictionInput {
  gold: string;
  output: string;
  context: string | null;
  prompt: string | null;
  complexity: string | null;
}

/** Accepted names of each field, first the documented one. */
const NAMES = {
  gold: ['reference', 'gold', 'sql', 'query'],
  output: ['prediction', 'output', 'predicted_sql'],
  context: ['context', 'sql_context', 'schema'],
  prompt: ['prompt', 'question', 'sql_prompt'],
  complexity: ['complexity', 'sql_complexity'],
} as const;
type Field = keyof typeof NAMES;

export class PredictionsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictionsFileError';
  }
}

/** JSONL for .jsonl/.ndjson, CSV for .csv; otherwise a first `{` means JSONL. */
export function predictionsFormat(path: string, text: string): 'csv' | 'jsonl' {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

export function readPredictionsFile(path: string): PredictionInput[] {
  const text = readFileSync(path, 'utf8');
  return parsePredictions(text, predictionsFormat(path, text), basename(path));
}

export function parsePredictions(text: string, format: 'csv' | 'jsonl', name: string): PredictionInput[] {
  const rows = format === 'csv' ? parseCsv(text, name) : parseJsonl(text, name);
  if (!rows.length) throw new PredictionsFileError(`${name}: no predictions in the file`);
  return rows;
}

const missing = (field: Field) => `needs a "${NAMES[field][0]}" field (or ${NAMES[field].slice(1).join('/')})`;

function parseCsv(text: string, name: string): PredictionInput[] {
  const parser = new CsvParser();
  let records;
  try {
    records = [...parser.push(text), ...parser.end()];
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new PredictionsFileError(`${name}: line ${e.line}: ${e.message}`);
    throw e;
  }
  const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const col = (field: Field) => header.findIndex((h) => (NAMES[field] as readonly string[]).includes(h));
  const at = { gold: col('gold'), output: col('output'), context: col('context'), prompt: col('prompt'), complexity: col('complexity') };
  for (const field of ['gold', 'output'] as const) {
    if (at[field] < 0) throw new PredictionsFileError(`${name}: the header ${missing(field)}; it has ${header.join(', ') || 'no columns'}`);
  }
  // Blank lines are not records.
  const data = records.slice(1).filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
  return data.map((r, i) => {
    if (r.fields.length !== header.length) throw new PredictionsFileError(`${name}: record ${i + 1} (line ${r.line}) has ${r.fields.length} fields, the header ${header.length}`);
    const optional = (k: number) => (k >= 0 && r.fields[k] !== '' ? r.fields[k] : null);
    return { gold: r.fields[at.gold], output: r.fields[at.output], context: optional(at.context), prompt: optional(at.prompt), complexity: optional(at.complexity) };
  });
}

function parseJsonl(text: string, name: string): PredictionInput[] {
  const out: PredictionInput[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${name}: line ${i + 1} (record ${out.length + 1})`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new PredictionsFileError(`${where} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new PredictionsFileError(`${where} is not a JSON object`);
    const obj = record as Record<string, unknown>;
    const get = (field: Field, required: boolean): string | null => {
      const key = NAMES[field].find((k) => k in obj);
      const value = key === undefined ? undefined : obj[key];
      if (value === undefined || value === null) {
        if (required) throw new PredictionsFileError(`${where} ${missing(field)}`);
        return null;
      }
      if (typeof value !== 'string') throw new PredictionsFileError(`${where}: "${key}" must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}`);
      return value;
    };
    out.push({ gold: get('gold', true)!, output: get('output', true)!, context: get('context', false), prompt: get('prompt', false), complexity: get('complexity', false) });
  });
  return out;
}
