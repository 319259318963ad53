import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { DataFormat } from '../api/contract';
import { CsvParser, type CsvRecord, CsvSyntaxError } from './csv';

/**
 * Readers for the input formats. Each yields batches of records as plain
 * column -> value objects, with the record's 1-based row (and line, for text
 * files), reading the file in bounded chunks: a text file is decoded 1 MB at a time,
 * a Parquet file one row group at a time.
 */

export interface SourceRecord {
  row: number;
  line: number | null;
  values: Record<string, unknown>;
  /** Set when the record itself is malformed (ragged CSV row, bad JSON line): the row is rejected with this. */
  error?: { column: string | null; message: string };
}

export interface SourceBatch {
  records: SourceRecord[];
  /** Column names known so far (CSV header, Parquet schema, keys seen in JSON). */
  columns: string[];
  /** Fraction of the file read, 0..1. */
  fraction: number;
}

/** A problem with the whole file (not one row): format, encoding, syntax that stops reading. */
export class DataFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly row: number | null = null,
    readonly line: number | null = null,
    readonly column: string | null = null,
  ) {
    super(message);
    this.name = 'DataFileError';
  }
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Largest single field, in characters (CSV) - beyond it the file is refused with the row named. */
  maxFieldChars?: number;
  /** Records per yielded batch. */
  batchSize?: number;
}

const CHUNK = 1 << 20;

export function detectFormat(path: string): DataFormat {
  const name = basename(path).toLowerCase();
  const ext = extname(name);
  if (ext === '.parquet' || name.endsWith('.parquet.snappy')) return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.csv') return 'csv';
  // Unknown extension: look at the first bytes.
  checkFile(path);
  const head = readHead(path, 4096);
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  const text = head.toString('utf8').trimStart();
  if (text.startsWith('[')) return 'json';
  if (text.startsWith('{')) return 'jsonl';
  const firstLine = text.split('\n')[0] ?? '';
  return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
}

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function checkFile(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataFileError('not a file', path);
    size = st.size;
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, path);
  }
  if (size === 0) throw new DataFileError('the file is empty', path);
  return size;
}

/** Decoded text chunks of a UTF-8 file; other encodings are refused with what was found. */
async function* textChunks(path: string, signal?: AbortSignal): AsyncGenerator<{ text: string; bytes: number }> {
  const head = readHead(path, 4);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new DataFileError('the file is UTF-16 encoded; save it as UTF-8', path);
  }
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') throw new DataFileError('this is a Parquet file, not text (rename it to .parquet)', path);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    if (signal?.aborted) throw signal.reason ?? new Error('Cancelled');
    const buf = chunk as Buffer;
    let text: string;
    try {
      text = decoder.decode(buf, { stream: true });
    } catch {
      throw new DataFileError(`the file is not valid UTF-8 text (bad bytes within ${offset.toLocaleString('en-US')}-${(offset + buf.length).toLocaleString('en-US')}); save it as UTF-8`, path);
    }
    offset += buf.length;
    yield { text, bytes: offset };
  }
  try {
    const tail = decoder.decode();
    if (tail) yield { text: tail, bytes: offset };
  } catch {
    throw new DataFileError('the file is not valid UTF-8 text (it ends inside a character); save it as UTF-8', path);
  }
}

export function readRecords(path: string, format: DataFormat, options: ReadOptions = {}): AsyncGenerator<SourceBatch> {
  switch (format) {
    case 'csv':
      return readCsv(path, ',', options);
    case 'tsv':
      return readCsv(path, '\t', options);
    case 'jsonl':
      return readJsonl(path, options);
    case 'json':
      return readJsonArray(path, options);
    case 'parquet':
      return readParquet(path, options);
  }
}

async function* readCsv(path: string, delimiter: string, options: ReadOptions): AsyncGenerator<SourceBatch> {
  const size = checkFile(path);
  const parser = new CsvParser({ delimiter, maxFieldChars: options.maxFieldChars });
  let header: string[] | null = null;
  let row = 0;
  const toRecord = (fields: string[], line: number): SourceRecord | null => {
    if (fields.length === 1 && fields[0] === '') return null; // blank line
    if (!header) {
      header = fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header) {
        if (!name) throw new DataFileError('the header has an empty column name', path, null, line);
        if (seen.has(name)) throw new DataFileError(`the header names column "${name}" twice`, path, null, line, name);
        seen.add(name);
      }
      return null;
    }
    row++;
    const values: Record<string, unknown> = {};
    for (let i = 0; i < header.length && i < fields.length; i++) values[header[i]] = fields[i];
    if (fields.length !== header.length) {
      const column = fields.length < header.length ? header[fields.length] : null;
      return { row, line, values, error: { column, message: `has ${fields.length} fields but the header has ${header.length}` } };
    }
    return { row, line, values };
  };
  let batch: SourceRecord[] = [];
  const take = (records: CsvRecord[]) => {
    for (const r of records) {
      const rec = toRecord(r.fields, r.line);
      if (rec) batch.push(rec);
    }
  };
  const fail = (e: unknown, done: CsvRecord[]): never => {
    if (e instanceof CsvSyntaxError) {
      take(done); // the records before the error (the header among them) locate it
      const column = header && e.field < header.length ? header[e.field] : null;
      throw new DataFileError(e.message, path, header ? row + 1 : null, e.line, column);
    }
    throw e;
  };
  for await (const { text, bytes } of textChunks(path, options.signal)) {
    const done: CsvRecord[] = [];
    try {
      parser.push(text, done);
    } catch (e) {
      fail(e, done);
    }
    take(done);
    if (batch.length >= (options.batchSize ?? 2000)) {
      yield { records: batch, columns: header ?? [], fraction: bytes / size };
      batch = [];
    }
  }
  try {
    take(parser.end());
  } catch (e) {
    fail(e, []);
  }
  if (!header) throw new DataFileError('the file has no header row', path);
  yield { records: batch, columns: header, fraction: 1 };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function* readJsonl(path: string, options: ReadOptions): AsyncGenerator<SourceBatch> {
  const size = checkFile(path);
  const columns = new Set<string>();
  let pending = '';
  let line = 0;
  let row = 0;
  let batch: SourceRecord[] = [];
  const take = (text: string) => {
    line++;
    if (!text.trim()) return;
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      batch.push({ row, line, values: {}, error: { column: null, message: `is not valid JSON (${(e as Error).message})` } });
      return;
    }
    if (!isPlainObject(value)) {
      batch.push({ row, line, values: {}, error: { column: null, message: 'is not a JSON object' } });
      return;
    }
    for (const k of Object.keys(value)) columns.add(k);
    batch.push({ row, line, values: value });
  };
  for await (const { text, bytes } of textChunks(path, options.signal)) {
    pending += text;
    let nl: number;
    let from = 0;
    while ((nl = pending.indexOf('\n', from)) !== -1) {
      take(pending.slice(from, nl));
      from = nl + 1;
    }
    pending = pending.slice(from);
    if (pending.length > (options.maxFieldChars ?? 16 * 1024 * 1024)) {
      throw new DataFileError(`a line is longer than ${(options.maxFieldChars ?? 16 * 1024 * 1024).toLocaleString('en-US')} characters`, path, row + 1, line + 1);
    }
    if (batch.length >= (options.batchSize ?? 2000)) {
      yield { records: batch, columns: [...columns], fraction: bytes / size };
      batch = [];
    }
  }
  if (pending) take(pending);
  if (row === 0) throw new DataFileError('the file has no JSON lines', path);
  yield { records: batch, columns: [...columns], fraction: 1 };
}

/**
 * A JSON array of objects, read element by element: a small scanner tracks strings
 * and nesting so only one element is held (and parsed) at a time.
 */
async function* readJsonArray(path: string, options: ReadOptions): AsyncGenerator<SourceBatch> {
  const size = checkFile(path);
  const maxChars = options.maxFieldChars ?? 16 * 1024 * 1024;
  const columns = new Set<string>();
  let batch: SourceRecord[] = [];
  let depth = 0; // 0 = before the array, 1 = between elements, >1 = inside an element
  let inString = false;
  let escaped = false;
  let started = false;
  let ended = false;
  let parts: string[] = [];
  let partsLength = 0;
  let elementLine = 1;
  let line = 1;
  let row = 0;
  const finishElement = (text: string) => {
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      batch.push({ row, line: elementLine, values: {}, error: { column: null, message: `is not valid JSON (${(e as Error).message})` } });
      return;
    }
    if (!isPlainObject(value)) {
      batch.push({ row, line: elementLine, values: {}, error: { column: null, message: 'is not a JSON object' } });
      return;
    }
    for (const k of Object.keys(value)) columns.add(k);
    batch.push({ row, line: elementLine, values: value });
  };
  for await (const { text, bytes } of textChunks(path, options.signal)) {
    let segStart = -1; // start of the current element's text within this chunk
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      if (ended) {
        if (c > 32) throw new DataFileError('unexpected text after the closing ]', path, null, line);
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (!started) {
        if (c <= 32) continue;
        if (c !== 91) throw new DataFileError('a JSON file must hold an array of objects ([{...}, ...]); for one object per line use .jsonl', path, null, line);
        started = true;
        depth = 1;
        continue;
      }
      if (depth === 1) {
        if (c <= 32 || c === 44) continue; // whitespace and commas between elements
        if (c === 93) {
          ended = true;
          depth = 0;
          continue;
        }
        // An element starts.
        depth = 2;
        segStart = i;
        elementLine = line;
        parts = [];
        partsLength = 0;
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth = 3;
        // otherwise a scalar element (depth 2): it ends at the next , or ]
        continue;
      }
      // Inside an element.
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 2) {
          // ] closing the array right after a scalar element
          const seg = segStart >= 0 ? text.slice(segStart, i) : text.slice(0, i);
          finishElement(parts.join('') + seg);
          segStart = -1;
          ended = c === 93;
          depth = ended ? 0 : 1;
          continue;
        }
        depth--;
        if (depth === 2) {
          const seg = segStart >= 0 ? text.slice(segStart, i + 1) : text.slice(0, i + 1);
          finishElement(parts.join('') + seg);
          segStart = -1;
          depth = 1;
        }
      } else if (c === 44 && depth === 2) {
        const seg = segStart >= 0 ? text.slice(segStart, i) : text.slice(0, i);
        finishElement(parts.join('') + seg);
        segStart = -1;
        depth = 1;
      }
    }
    if (depth >= 2) {
      // The element continues into the next chunk.
      const seg = segStart >= 0 ? text.slice(segStart) : text;
      parts.push(seg);
      partsLength += seg.length;
      if (partsLength > maxChars) throw new DataFileError(`an element is longer than ${maxChars.toLocaleString('en-US')} characters`, path, row + 1, elementLine);
    }
    if (batch.length >= (options.batchSize ?? 2000)) {
      yield { records: batch, columns: [...columns], fraction: bytes / size };
      batch = [];
    }
  }
  if (!started) throw new DataFileError('the file holds only whitespace', path);
  if (!ended) throw new DataFileError('the JSON array is never closed (the file is cut short?)', path, row + 1, elementLine);
  yield { records: batch, columns: [...columns], fraction: 1 };
}

/** JSON-friendly plain value for a Parquet cell (INT64 comes back as bigint). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

async function* readParquet(path: string, options: ReadOptions): AsyncGenerator<SourceBatch> {
  const size = checkFile(path);
  const head = readHead(path, 4);
  if (size < 12 || head.toString('latin1') !== 'PAR1') throw new DataFileError('not a Parquet file (it does not start with PAR1)', path);
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new DataFileError(`not a readable Parquet file (${(e as Error).message})`, path);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const total = Number(metadata.num_rows);
  if (total === 0) throw new DataFileError('the Parquet file has no rows', path);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('Cancelled');
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    } catch (e) {
      throw new DataFileError(`cannot decode rows ${rowStart + 1}-${rowEnd} (${(e as Error).message})`, path, rowStart + 1);
    }
    const records: SourceRecord[] = rows.map((r, i) => {
      const values: Record<string, unknown> = {};
      for (const k of Object.keys(r)) values[k] = plain(r[k]);
      return { row: rowStart + i + 1, line: null, values };
    });
    rowStart = rowEnd;
    yield { records, columns, fraction: rowStart / total };
  }
}
