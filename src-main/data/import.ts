import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import {
  ApiError,
  type ColumnMapping,
  type DataFormat,
  type DataIssue,
  type DatasetReport,
  ImportRequest,
  type PresetName,
} from '../api/contract';
import { nowIso, type Store } from '../store';
import { PRESETS, detectPreset, loadSpiderSchemas, requiredColumns } from './presets';
import { DataFileError, detectFormat, readRecords } from './source';

/**
 * Import: stream every file, map and validate each row, stage the good rows in a
 * scratch SQLite file attached to the store's connection, and only at the end copy
 * them into the store in one transaction. So memory stays bounded by a batch, a
 * failed or cancelled import leaves the store as it was, and other writers (training
 * metrics, jobs) are never caught inside a long-open transaction of ours.
 */

export interface ImportOptions {
  signal?: AbortSignal;
  progress?(fraction: number, message: string): void;
  /** Issues kept in the report (the count of rejected rows is always exact). */
  maxIssues?: number;
  maxFieldChars?: number;
  /** Where the staging file goes (default: the OS temp folder). */
  stagingDir?: string;
}

export interface ImportedFile {
  path: string;
  format: DataFormat;
  split: string;
  rows: number;
  rejected: number;
}

export interface ImportResult {
  datasetId: number;
  name: string;
  preset: PresetName;
  rows: number;
  report: DatasetReport;
  files: ImportedFile[];
}

/** The input is wrong: what and where, in the message and in details.issues. */
export class DataImportError extends ApiError {
  constructor(message: string, readonly issues: DataIssue[]) {
    super('invalid_input', message, { issues, ...(issues[0] ? { file: issues[0].file, row: issues[0].row, line: issues[0].line, column: issues[0].column } : {}) });
    this.name = 'DataImportError';
  }
}

export function describeIssue(issue: DataIssue): string {
  const where = [basename(issue.file)];
  if (issue.row !== null) where.push(`row ${issue.row}`);
  if (issue.line !== null) where.push(issue.row !== null ? `(line ${issue.line})` : `line ${issue.line}`);
  if (issue.column !== null) where.push(`column "${issue.column}"`);
  return `${where.join(' ')}: ${issue.message}`;
}

const issueFromFileError = (e: DataFileError): DataIssue => ({ file: e.file, row: e.row, line: e.line, column: e.column, message: e.message });

export function splitFromFileName(path: string): string {
  const name = basename(path).toLowerCase();
  if (/(^|[^a-z])test/.test(name)) return 'test';
  if (/(^|[^a-z])(valid|validation|val|dev)([^a-z]|$)/.test(name)) return 'validation';
  return 'train';
}

function stringValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

// Spider's derived columns (token lists, parse trees) are re-creatable from the query and would dominate the store.
const SPIDER_DERIVED = new Set(['query_toks', 'query_toks_no_value', 'question_toks', 'sql', 'NatSQL']);

const FIELDS = ['prompt', 'context', 'sql', 'explanation', 'domain', 'complexity', 'taskType'] as const;

function uniqueName(store: Store, wanted: string): string {
  const taken = (n: string) => store.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(n) !== undefined;
  if (!taken(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken(`${wanted} (${i})`)) return `${wanted} (${i})`;
}

export async function importDataset(store: Store, input: ImportRequest, options: ImportOptions = {}): Promise<ImportResult> {
  const spec = ImportRequest.parse(input);
  const maxIssues = options.maxIssues ?? 1000;
  const db = store.db;

  let name: string;
  if (spec.name) {
    if (db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(spec.name)) throw new ApiError('conflict', `A dataset named "${spec.name}" already exists.`);
    name = spec.name;
  } else {
    const first = spec.files[0].path;
    name = uniqueName(store, basename(first, extname(first)));
  }

  let preset: PresetName | null = spec.preset === 'auto' ? (spec.mapping ? 'custom' : null) : spec.preset;
  if (preset === 'custom' && !spec.mapping) throw new ApiError('invalid_input', 'A custom import needs a column mapping (at least prompt and sql).');
  let mapping: ColumnMapping | null = spec.mapping ?? (preset && preset !== 'custom' ? PRESETS[preset] : null);
  let schemas: Map<string, string> | null = null;
  const loadSchemas = () => {
    const path = spec.tables ?? join(dirname(spec.files[0].path), 'tables.json');
    if (!existsSync(path)) {
      throw new DataImportError('The Spider preset needs the schemas file (tables.json): give it with --tables.', [
        { file: path, row: null, line: null, column: null, message: 'not found (the Spider preset builds each context from it)' },
      ]);
    }
    try {
      schemas = loadSpiderSchemas(path);
    } catch (e) {
      if (e instanceof DataFileError) throw new DataImportError(describeIssue(issueFromFileError(e)), [issueFromFileError(e)]);
      throw e;
    }
  };
  if (preset === 'spider') loadSchemas();

  const alias = `stage_${randomBytes(6).toString('hex')}`;
  const stagingPath = join(options.stagingDir ?? tmpdir(), `sqlora-import-${alias}.db`);
  db.prepare('ATTACH DATABASE ? AS ' + alias).run(stagingPath);
  try {
    db.exec(`PRAGMA ${alias}.journal_mode = OFF; PRAGMA ${alias}.synchronous = OFF;
      CREATE TABLE ${alias}.rows (
        ord INTEGER PRIMARY KEY, split TEXT NOT NULL, file INTEGER NOT NULL, row INTEGER NOT NULL,
        prompt TEXT NOT NULL, context TEXT NOT NULL, sql TEXT NOT NULL, explanation TEXT, domain TEXT,
        complexity TEXT, task_type TEXT, meta TEXT)`);
    const insert = db.prepare(
      `INSERT INTO ${alias}.rows (ord, split, file, row, prompt, context, sql, explanation, domain, complexity, task_type, meta)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    type Staged = [number, string, number, number, string, string, string, string | null, string | null, string | null, string | null, string | null];
    const insertMany = db.transaction((rows: Staged[]) => {
      for (const r of rows) insert.run(...r);
    });

    const issues: DataIssue[] = [];
    let rejected = 0;
    let rowsRead = 0;
    let ord = 0;
    const files: ImportedFile[] = [];
    const reject = (issue: DataIssue) => {
      rejected++;
      if (issues.length < maxIssues) issues.push(issue);
    };

    for (let f = 0; f < spec.files.length; f++) {
      const file = spec.files[f];
      let format: DataFormat;
      try {
        format = file.format ?? detectFormat(file.path);
      } catch (e) {
        if (e instanceof DataFileError) throw new DataImportError(describeIssue(issueFromFileError(e)), [issueFromFileError(e)]);
        throw e;
      }
      const split = file.split ?? splitFromFileName(file.path);
      const info: ImportedFile = { path: file.path, format, split, rows: 0, rejected: 0 };
      files.push(info);
      let checkedHeader = false;
      let mapped: Set<string> = new Set();
      try {
        for await (const batch of readRecords(file.path, format, { signal: options.signal, maxFieldChars: options.maxFieldChars })) {
          if (options.signal?.aborted) throw options.signal.reason ?? new Error('Cancelled');
          if (!checkedHeader && (batch.columns.length || batch.records.length)) {
            checkedHeader = true;
            if (!preset) {
              preset = detectPreset(batch.columns);
              if (!preset) {
                throw new DataImportError(
                  `${basename(file.path)}: cannot tell which columns hold the question, schema and SQL (found: ${batch.columns.join(', ')}). Choose a preset or give a column mapping.`,
                  [{ file: file.path, row: null, line: null, column: null, message: `no preset matches the columns ${batch.columns.join(', ')}` }],
                );
              }
              mapping = PRESETS[preset as Exclude<PresetName, 'custom'>];
              if (preset === 'spider' && !schemas) loadSchemas();
            }
            // Text formats with a header (CSV/TSV) and Parquet know every column up front: check them once.
            if (format !== 'json' && format !== 'jsonl') {
              const missing = requiredColumns(preset, mapping!).filter((c) => !batch.columns.includes(c));
              if (missing.length) {
                throw new DataImportError(
                  `${basename(file.path)}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (the file has: ${batch.columns.join(', ')}).`,
                  missing.map((m) => ({ file: file.path, row: null, line: null, column: m, message: `missing column (the file has: ${batch.columns.join(', ')})` })),
                );
              }
            }
            mapped = new Set(Object.values(mapping!).filter((v): v is string => typeof v === 'string'));
            if (preset === 'spider') for (const c of SPIDER_DERIVED) mapped.add(c);
          }
          const m = mapping!;
          const staged: Staged[] = [];
          for (const rec of batch.records) {
            rowsRead++;
            const where = { file: file.path, row: rec.row, line: rec.line };
            if (rec.error) {
              info.rejected++;
              reject({ ...where, column: rec.error.column, message: rec.error.message });
              continue;
            }
            const v = rec.values;
            const out: Partial<Record<(typeof FIELDS)[number], string | null>> = {};
            let bad: DataIssue | null = null;
            for (const field of FIELDS) {
              const col = m[field];
              if (!col) continue;
              const value = stringValue(v[col]);
              const required = field === 'prompt' || field === 'sql' || field === 'context';
              if (value === null || value.trim() === '') {
                if (required) {
                  bad = { ...where, column: col, message: value === null && !(col in v) ? 'missing field' : 'empty value' };
                  break;
                }
                out[field] = null;
              } else out[field] = value;
            }
            if (!bad && preset === 'spider') {
              const dbId = stringValue(v.db_id);
              const schema = dbId ? schemas!.get(dbId) : undefined;
              if (!schema) bad = { ...where, column: 'db_id', message: dbId ? `database "${dbId}" is not in the tables file` : 'missing db_id' };
              else out.context = schema;
            }
            if (bad) {
              info.rejected++;
              reject(bad);
              continue;
            }
            let meta: Record<string, unknown> | null = null;
            for (const key of Object.keys(v)) {
              if (mapped.has(key)) continue;
              (meta ??= {})[key] = v[key];
            }
            info.rows++;
            staged.push([
              ord++,
              split,
              f,
              rec.row,
              out.prompt!,
              out.context ?? '',
              out.sql!,
              out.explanation ?? null,
              out.domain ?? null,
              out.complexity ?? null,
              out.taskType ?? null,
              meta ? JSON.stringify(meta) : null,
            ]);
          }
          insertMany(staged);
          options.progress?.((f + batch.fraction) / spec.files.length, `${basename(file.path)}: ${rowsRead.toLocaleString('en-US')} rows read`);
        }
      } catch (e) {
        if (e instanceof DataFileError) throw new DataImportError(describeIssue(issueFromFileError(e)), [issueFromFileError(e)]);
        throw e;
      }
    }

    if (rejected && !spec.skipInvalid) {
      const shown = issues.slice(0, 5).map(describeIssue).join('; ');
      throw new DataImportError(
        `${rejected.toLocaleString('en-US')} invalid row${rejected > 1 ? 's' : ''} (nothing was imported): ${shown}${rejected > 5 ? `; and ${rejected - 5} more` : ''}. Fix them, or import the valid rows and get a report of the rejected ones.`,
        issues,
      );
    }
    if (ord === 0) {
      throw new DataImportError('No valid rows to import.', issues.length ? issues : [{ file: spec.files[0].path, row: null, line: null, column: null, message: 'no rows' }]);
    }
    options.progress?.(0.99, 'checking duplicates');
    const report: DatasetReport = {
      rowsRead,
      rowsImported: ord,
      rejected,
      issues,
      issuesTruncated: rejected > issues.length,
      ...duplicateReport(store, alias, files.map((x) => x.path)),
    };
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('Cancelled');

    const datasetId = store.transaction(() => {
      // Checked again here: another import may have taken the name while this one was reading.
      if (spec.name && db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(spec.name)) throw new ApiError('conflict', `A dataset named "${spec.name}" already exists.`);
      if (!spec.name) name = uniqueName(store, name.replace(/ \(\d+\)$/, ''));
      const id = Number(
        db
          .prepare('INSERT INTO datasets (name, preset, mapping, source_files, row_count, report, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(name, preset!, JSON.stringify(mapping), JSON.stringify(files), ord, JSON.stringify(report), nowIso()).lastInsertRowid,
      );
      db.prepare(
        `INSERT INTO examples (dataset_id, split, ord, prompt, context, sql, explanation, domain, complexity, task_type, meta)
         SELECT ?, split, ord, prompt, context, sql, explanation, domain, complexity, task_type, meta FROM ${alias}.rows ORDER BY ord`,
      ).run(id);
      return id;
    });
    options.progress?.(1, `${ord.toLocaleString('en-US')} rows imported`);
    return { datasetId, name, preset: preset!, rows: ord, report, files };
  } finally {
    try {
      db.exec(`DETACH DATABASE ${alias}`);
    } catch {
      // a failed ATTACH/DETACH must not hide the import's own error
    }
    rmSync(stagingPath, { force: true });
  }
}

/** Duplicate prompts, duplicate examples and cross-split prompts, found in SQL over the staged rows. */
function duplicateReport(store: Store, alias: string, paths: string[]): Pick<DatasetReport, 'duplicatePrompts' | 'duplicateExamples' | 'leakage'> {
  const db = store.db;
  const groups = (keyExpr: string) => {
    const rows = db
      .prepare(
        `SELECT prompt, json_group_array(json_array(file, row)) AS refs, COUNT(*) AS n FROM (SELECT * FROM ${alias}.rows ORDER BY ord)
         GROUP BY ${keyExpr} HAVING n > 1 ORDER BY MIN(ord)`,
      )
      .all() as { prompt: string; refs: string; n: number }[];
    return {
      rows: rows.reduce((s, r) => s + r.n - 1, 0),
      groups: rows.slice(0, 50).map((r) => ({
        prompt: r.prompt,
        rows: (JSON.parse(r.refs) as [number, number][]).slice(0, 20).map(([file, row]) => ({ file: paths[file], row })),
      })),
    };
  };
  const leaks = db
    .prepare(`SELECT prompt, json_group_array(DISTINCT split) AS splits FROM ${alias}.rows GROUP BY prompt HAVING COUNT(DISTINCT split) > 1 ORDER BY MIN(ord)`)
    .all() as { prompt: string; splits: string }[];
  return {
    duplicatePrompts: groups('prompt'),
    duplicateExamples: groups('prompt, context, sql'),
    leakage: { prompts: leaks.length, examples: leaks.slice(0, 50).map((l) => ({ prompt: l.prompt, splits: JSON.parse(l.splits) as string[] })) },
  };
}
