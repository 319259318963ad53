import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Untrusted SQL (what a model wrote) runs here: in SQLite compiled to WebAssembly
 * (sql.js), which has no file system to reach; in a throwaway in-memory database
 * built from the example's schema context; in a worker thread that is terminated
 * when it runs past its time limit; under SQLite's own heap limit; with ATTACH,
 * VACUUM INTO and load_extension refused before they run. better-sqlite3 (the
 * experiment store) never sees model output.
 */

export interface SandboxResult {
  ok: boolean;
  /** SELECT: its columns and rows. Other statements: a snapshot of every table after it ran. */
  columns: string[];
  rows: unknown[][];
  /** What the statement was: a query returns rows; anything else changes tables. */
  kind: 'query' | 'change';
  error: string | null;
  /** Where it failed: building the context, or the statement itself. */
  failedIn: 'context' | 'statement' | null;
  timedOut: boolean;
  ms: number;
}

export interface SandboxOptions {
  timeoutMs?: number;
  /** SQLite heap limit per database (PRAGMA hard_heap_limit). */
  heapLimitBytes?: number;
  maxRows?: number;
  workers?: number;
}

const FORBIDDEN = /\b(attach|detach)\b|\bvacuum\b|load_extension|\bpragma\b/i;

// The worker's code travels as a string (`eval: true`) so it needs no separate build
// entry in the app bundle; sql.js's path is resolved here and passed in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = require(workerData.sqlJs)();
parentPort.on('message', async (task) => {
  const SQL = await ready;
  const started = Date.now();
  const db = new SQL.Database();
  const reply = (r) => parentPort.postMessage({ id: task.id, ms: Date.now() - started, ...r });
  try {
    db.run('PRAGMA hard_heap_limit = ' + task.heapLimitBytes);
    try { db.exec(task.context); } catch (e) { return reply({ ok: false, error: String(e.message || e), failedIn: 'context' }); }
    const before = new Set(db.exec("SELECT name FROM sqlite_master WHERE type IN ('table','view')").flatMap((r) => r.values.map((v) => v[0])));
    let stmt;
    try {
      stmt = db.prepare(task.sql);
    } catch (e) { return reply({ ok: false, error: String(e.message || e), failedIn: 'statement' }); }
    const columns = stmt.getColumnNames();
    const rows = [];
    try {
      while (stmt.step()) {
        rows.push(stmt.get());
        if (rows.length > task.maxRows) throw new Error('more than ' + task.maxRows + ' rows');
      }
    } catch (e) { stmt.free(); return reply({ ok: false, error: String(e.message || e), failedIn: 'statement' }); }
    stmt.free();
    if (columns.length > 0) return reply({ ok: true, kind: 'query', columns, rows });
    // A change (INSERT/UPDATE/DELETE/CREATE...): its result is the state of every table.
    const names = db.exec("SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name").flatMap((r) => r.values.map((v) => v[0]));
    const snapshot = [];
    for (const name of names) {
      const r = db.exec('SELECT * FROM "' + String(name).replace(/"/g, '""') + '"');
      const values = r.length ? r[0].values : [];
      snapshot.push([name, before.has(name) ? 'existing' : 'new', JSON.stringify(values.map((v) => JSON.stringify(v)).sort())]);
    }
    reply({ ok: true, kind: 'change', columns: ['table', 'origin', 'rows'], rows: snapshot });
  } catch (e) {
    reply({ ok: false, error: String(e.message || e), failedIn: 'statement' });
  } finally {
    db.close();
  }
});
`;

interface Task {
  id: number;
  context: string;
  sql: string;
  timeoutMs: number;
  heapLimitBytes: number;
  maxRows: number;
  resolve: (r: SandboxResult) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

export class SqlSandbox {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly sqlJs: string;
  readonly options: Required<SandboxOptions>;

  constructor(options: SandboxOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 2000,
      heapLimitBytes: options.heapLimitBytes ?? 64 * 1024 * 1024,
      maxRows: options.maxRows ?? 10_000,
      workers: Math.max(1, options.workers ?? Math.min(4, availableParallelism())),
    };
    this.sqlJs = createRequire(import.meta.url).resolve('sql.js');
    for (let i = 0; i < this.options.workers; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlJs: this.sqlJs } }), task: null, timer: null };
    slot.worker.on('message', (m: Omit<SandboxResult, 'timedOut' | 'columns' | 'rows' | 'kind' | 'failedIn'> & Partial<SandboxResult> & { id: number }) => {
      const task = slot.task;
      if (!task || task.id !== m.id) return;
      this.finish(slot, { ok: m.ok, columns: m.columns ?? [], rows: m.rows ?? [], kind: m.kind ?? 'query', error: m.error ?? null, failedIn: m.failedIn ?? null, timedOut: false, ms: m.ms });
    });
    slot.worker.on('error', (error) => {
      if (slot.task) this.finish(slot, failure(`sandbox worker failed: ${error.message}`, 'statement', false, 0));
      this.replace(slot);
    });
    slot.worker.unref();
    return slot;
  }

  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    void slot.worker.terminate();
    if (i >= 0 && !this.closed) {
      this.slots[i] = this.spawn();
      this.pump();
    }
  }

  private finish(slot: Slot, result: SandboxResult): void {
    const task = slot.task!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = null;
    slot.timer = null;
    task.resolve(result);
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task || !this.queue.length) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.timer = setTimeout(() => {
        // A runaway query (e.g. an endless recursive CTE): kill the worker, start a fresh one.
        this.finish(slot, failure(`timed out after ${task.timeoutMs} ms`, 'statement', true, task.timeoutMs));
        this.replace(slot);
      }, task.timeoutMs);
      slot.worker.postMessage({ id: task.id, context: task.context, sql: task.sql, heapLimitBytes: task.heapLimitBytes, maxRows: task.maxRows });
    }
  }

  /** Build the context's database and run one statement in it. */
  run(context: string, sql: string, options: { timeoutMs?: number } = {}): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(new Error('the SQL sandbox is closed'));
    const statement = sql.trim().replace(/;\s*$/, '');
    if (!statement) return Promise.resolve(failure('no SQL to run', 'statement', false, 0));
    if (FORBIDDEN.test(withoutLiterals(statement))) return Promise.resolve(failure('refused: ATTACH, DETACH, VACUUM, PRAGMA and load_extension are not allowed in evaluated SQL', 'statement', false, 0));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, context, sql: statement, timeoutMs: options.timeoutMs ?? this.options.timeoutMs, heapLimitBytes: this.options.heapLimitBytes, maxRows: this.options.maxRows, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.resolve(failure('the SQL sandbox was closed', 'statement', false, 0));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** The statement with string literals, quoted identifiers and comments blanked, so 'Vacuum cleaner' is data, not a command. */
export function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

function failure(error: string, failedIn: 'context' | 'statement', timedOut: boolean, ms: number): SandboxResult {
  return { ok: false, columns: [], rows: [], kind: 'query', error, failedIn, timedOut, ms };
}
