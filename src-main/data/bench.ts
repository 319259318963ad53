import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataFormat } from '../api/contract';
import { openStore } from '../store';
import { runDatasetEda } from './analysis';
import { importDataset } from './import';
import { seededRandom } from '../train/batching';
import { GEMMA_TOKENIZER_NAME, loadTokenCounter } from './tokenizer';

/**
 * `sqlora bench import`: generate gretel-sized rows, write them as CSV, JSONL and
 * Parquet, and time import (and EDA) of each in a fresh child process, so the peak
 * RSS reported is that of one import and not of the generator.
 */

const COMPLEXITIES = ['basic SQL', 'aggregation', 'single join', 'subqueries', 'window functions', 'multiple_joins', 'set operations', 'CTEs'];
const TASKS = ['analytics and reporting', 'data manipulation', 'data definition', 'data retrieval'];
const WORDS = 'total average number revenue customers orders products region year month employees salary department sales inventory price quantity city country hospital patients'.split(' ');

/** One synthetic row with gretel's columns and roughly its sizes (context ~400 chars, explanation ~200). */
export function syntheticGretelRow(i: number, random: () => number): Record<string, string | number> {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const table = `${pick(WORDS)}_${i % 97}`;
  const cols = Array.from({ length: 3 + Math.floor(random() * 5) }, (_, k) => `${pick(WORDS)}_${k}`);
  const inserts = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, r) => `(${r + 1}, ${cols.slice(1).map(() => Math.floor(random() * 1000)).join(', ')})`);
  return {
    id: i + 1,
    domain: `domain ${i % 100}`,
    domain_description: `Data about ${words(12)}.`,
    sql_complexity: pick(COMPLEXITIES),
    sql_complexity_description: `Queries with ${words(10)}.`,
    sql_task_type: pick(TASKS),
    sql_task_type_description: `Tasks about ${words(8)}.`,
    sql_prompt: `What is the ${words(6 + Math.floor(random() * 10))} for each ${pick(WORDS)}?`,
    sql_context: `CREATE TABLE ${table} (id INT, ${cols.slice(1).map((c) => `${c} INT`).join(', ')});\nINSERT INTO ${table} VALUES ${inserts.join(', ')};`,
    sql: `SELECT ${cols[1]}, SUM(${cols[2]}) FROM ${table} WHERE ${cols[1]} > ${Math.floor(random() * 500)} GROUP BY ${cols[1]} ORDER BY 2 DESC;`,
    sql_explanation: `This query ${words(25 + Math.floor(random() * 15))}.`,
  };
}

const COLUMNS = ['id', 'domain', 'domain_description', 'sql_complexity', 'sql_complexity_description', 'sql_task_type', 'sql_task_type_description', 'sql_prompt', 'sql_context', 'sql', 'sql_explanation'];

const csvField = (v: unknown): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}

export async function writeBenchFiles(dir: string, rows: number, formats: DataFormat[]): Promise<Record<string, string>> {
  const make = function* () {
    const random = seededRandom(42);
    for (let i = 0; i < rows; i++) yield syntheticGretelRow(i, random);
  };
  const paths: Record<string, string> = {};
  if (formats.includes('csv')) {
    paths.csv = join(dir, 'bench_train.csv');
    await writeLines(paths.csv, (function* () {
      yield COLUMNS.join(',') + '\n';
      for (const r of make()) yield COLUMNS.map((c) => csvField(r[c])).join(',') + '\n';
    })());
  }
  if (formats.includes('jsonl')) {
    paths.jsonl = join(dir, 'bench_train.jsonl');
    await writeLines(paths.jsonl, (function* () {
      for (const r of make()) yield JSON.stringify(r) + '\n';
    })());
  }
  if (formats.includes('parquet')) {
    paths.parquet = join(dir, 'bench_train.snappy.parquet');
    // hyparquet-writer is a devDependency: the benchmark runs from a checkout, not the packaged app.
    const { parquetWriteFile } = await import('hyparquet-writer');
    const all = [...make()];
    parquetWriteFile({
      filename: paths.parquet,
      columnData: COLUMNS.map((name) =>
        name === 'id' ? { name, data: BigInt64Array.from(all.map((r) => BigInt(r.id))), type: 'INT64' as const } : { name, data: all.map((r) => String(r[name])), type: 'STRING' as const },
      ),
      rowGroupSize: 10_000,
    });
  }
  return paths;
}

export interface ChildResult {
  rows: number;
  importS: number;
  edaS: number | null;
  tokensS: number | null;
  peakRssMb: number;
}

/** Runs in the child process: one import (and optionally the EDA) into a fresh store. */
export async function benchImportChild(file: string, format: DataFormat, options: { eda: boolean; tokens: boolean }): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sqlora-bench-store-'));
  const store = openStore(join(dir, 'store.db'));
  try {
    let t = performance.now();
    const r = await importDataset(store, { files: [{ path: file, format }] }, { stagingDir: dir });
    const importS = (performance.now() - t) / 1000;
    let edaS: number | null = null;
    let tokensS: number | null = null;
    if (options.eda) {
      t = performance.now();
      await runDatasetEda(store, r.datasetId, {});
      edaS = (performance.now() - t) / 1000;
    }
    if (options.tokens) {
      const countTokens = await loadTokenCounter();
      t = performance.now();
      await runDatasetEda(store, r.datasetId, { validity: false, countTokens, tokenizerName: GEMMA_TOKENIZER_NAME });
      tokensS = (performance.now() - t) / 1000;
    }
    return { rows: r.rows, importS, edaS, tokensS, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/sqlora.mjs');

function runChild(file: string, format: DataFormat, eda: boolean, tokens: boolean): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const args = [bin, 'bench', 'import', '--child', file, '--format', format, ...(eda ? ['--eda'] : []), ...(tokens ? ['--tokens'] : []), '--json'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child for ${format} exited with ${code}`));
      // the CLI prints 'skipped' for a pass it did not run
      const r = JSON.parse(out) as Record<keyof ChildResult, number | string>;
      const n = (v: number | string) => (typeof v === 'number' ? v : null);
      resolvePromise({ rows: Number(r.rows), importS: Number(r.importS), edaS: n(r.edaS), tokensS: n(r.tokensS), peakRssMb: Number(r.peakRssMb) });
    });
  });
}

export interface BenchImportOptions {
  rows: number;
  formats: DataFormat[];
  /** Time the EDA (all views but tokens) after the first format's import. */
  eda: boolean;
  /** Also time the token views with the Gemma 3 tokenizer. */
  tokens: boolean;
}

export async function benchImport(options: BenchImportOptions): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'sqlora-bench-'));
  try {
    const t = performance.now();
    const paths = await writeBenchFiles(dir, options.rows, options.formats);
    const figures: Record<string, number | string> = {
      machine: `${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`,
      rows: options.rows,
      'generate s': +((performance.now() - t) / 1000).toFixed(1),
    };
    for (const format of options.formats) {
      const path = paths[format];
      const r = await runChild(path, format, false, false);
      if (r.rows !== options.rows) throw new Error(`${format}: imported ${r.rows} rows, expected ${options.rows}`);
      figures[`${format} file MB`] = +(statSync(path).size / 1e6).toFixed(1);
      figures[`${format} import s`] = +r.importS.toFixed(2);
      figures[`${format} import rows/s`] = Math.round(r.rows / r.importS);
      figures[`${format} import peak RSS MB`] = Math.round(r.peakRssMb);
    }
    if (options.eda || options.tokens) {
      // The EDA's cost does not depend on the source format: one more process imports the first file and times the EDA.
      const format = options.formats[0];
      const r = await runChild(paths[format], format, options.eda, options.tokens);
      if (r.edaS !== null) {
        figures['eda (11 views, incl. SQLite validity) s'] = +r.edaS.toFixed(2);
        figures['eda rows/s'] = Math.round(r.rows / r.edaS);
      }
      if (r.tokensS !== null) {
        figures['tokens view (Gemma 3) s'] = +r.tokensS.toFixed(2);
        figures['tokens rows/s'] = Math.round(r.rows / r.tokensS);
      }
      figures[`import + eda${options.tokens ? ' + tokens' : ''} peak RSS MB`] = Math.round(r.peakRssMb);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

