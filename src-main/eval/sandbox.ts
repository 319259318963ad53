import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './sandbox-worker';
import { refusalReason, usesTransactionControl } from './sql-lex';

/**
 * Untrusted SQL (what a model wrote) runs here:
 * - in SQLite compiled to WebAssembly (sql.js), which has no file system to reach, in
 *   an in-memory database built from the example's schema context; ATTACH, DETACH,
 *   VACUUM (INTO), PRAGMAs other than schema reads and load_extension-like functions
 *   are refused before the SQL reaches SQLite (sql-lex.ts) and again inside the worker;
 * - in worker threads that are terminated when a unit runs past its time limit (a
 *   tight loop in wasm cannot be interrupted any other way) and replaced (~40 ms: the
 *   wasm module is compiled once here and shared);
 * - under SQLite's hard heap limit, a V8 heap limit per worker and a row cap;
 * - fed in batches, each worker keeping the last context's database and running every
 *   unit in a savepoint it rolls back, so the gold query and the prediction of one
 *   example share one schema build - what makes >= 1,000 examples/s possible.
 * Every statement of the SQL runs, in order; the answer is the last result set, and the
 * state of every table when asked (or when no statement returned rows).
 * better-sqlite3 (the experiment store) never sees model output.
 */

export interface TableState {
  name: string;
  columns: string[];
  rows: unknown[][];
}

export interface SandboxResult {
  ok: boolean;
  /** A query: the last result set's columns and rows. A change: one row per table (name, columns, rows as JSON). */
  columns: string[];
  rows: unknown[][];
  /** Whether some statement returned rows ('query') or none did ('change'). */
  kind: 'query' | 'change';
  error: string | null;
  /** Where it failed: building the context, or the SQL itself. */
  failedIn: 'context' | 'statement' | null;
  timedOut: boolean;
  /** Refused before it ran (ATTACH, VACUUM, PRAGMA, load_extension...). */
  refused: boolean;
  /** Statements that ran. */
  statements: number;
  /** Every table afterwards: when asked for, and for a change. */
  state: TableState[] | null;
  ms: number;
}

export interface SandboxOptions {
  /** Per unit (schema build + SQL), milliseconds. */
  timeoutMs?: number;
  /** SQLite heap limit per worker (PRAGMA hard_heap_limit). */
  heapLimitBytes?: number;
  /** V8 heap limit per worker, MB. */
  jsHeapLimitMb?: number;
  /** Rows a result (or a table of a state) may have. */
  maxRows?: number;
  workers?: number;
  /** Units handed to a worker in one message. */
  batchSize?: number;
}

type WorkerResult =
  | { status: 'ok'; result: { columns: string[]; rows: unknown[][] } | null; state: TableState[] | null; statements: number; ms: number }
  | { status: 'error' | 'refused' | 'too_large' | 'memory'; phase: 'context' | 'sql'; message: string; ms: number };

interface Pending {
  id: number;
  context: string;
  sql: string;
  wantState: boolean;
  timeoutMs: number;
  resolve(r: SandboxResult): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Units sent and not answered, in the order the worker runs them. */
  inflight: Pending[];
  timer: NodeJS.Timeout | null;
  /** When the unit at the head of inflight started (the previous answer or the send). */
  since: number;
}

let compiled: { sqlJsPath: string; wasmModule: WebAssembly.Module } | null = null;
function sqlJs(): { sqlJsPath: string; wasmModule: WebAssembly.Module } {
  if (!compiled) {
    const require = createRequire(import.meta.url);
    compiled = {
      sqlJsPath: require.resolve('sql.js/dist/sql-wasm.js'),
      wasmModule: new WebAssembly.Module(readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'))),
    };
  }
  return compiled;
}

function failure(error: string, failedIn: 'context' | 'statement', extra: { timedOut?: boolean; refused?: boolean; ms?: number } = {}): SandboxResult {
  return { ok: false, columns: [], rows: [], kind: 'query', error, failedIn, timedOut: extra.timedOut ?? false, refused: extra.refused ?? false, statements: 0, state: null, ms: extra.ms ?? 0 };
}

function toResult(r: WorkerResult): SandboxResult {
  if (r.status !== 'ok') {
    const refused = r.status === 'refused';
    return failure(refused ? `refused: ${r.message}` : r.message, r.phase === 'context' ? 'context' : 'statement', { refused, ms: r.ms });
  }
  const base = { ok: true, error: null, failedIn: null, timedOut: false, refused: false, statements: r.statements, state: r.state, ms: r.ms };
  if (r.result) return { ...base, kind: 'query', columns: r.result.columns, rows: r.result.rows };
  const tables = r.state ?? [];
  return { ...base, kind: 'change', columns: ['table', 'columns', 'rows'], rows: tables.map((t) => [t.name, t.columns.join(', '), JSON.stringify(t.rows)]) };
}

export class SqlSandbox {
  readonly options: Required<SandboxOptions>;
  /** Workers started and killed (timeouts, memory), for tests and benchmarks. */
  readonly stats = { started: 0, killed: 0, timeouts: 0 };
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before they were ready, in a row: a broken install, not bad SQL. */
  private startFailures = 0;
  /** Checks of recent contexts (refusal; transaction control, which needs a database of its own): gold and prediction share one, and contexts are long. */
  private contextChecked = new Map<string, { refusal: string | null; transactions: boolean }>();

  constructor(options: SandboxOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 2000,
      heapLimitBytes: options.heapLimitBytes ?? 64 * 1024 * 1024,
      jsHeapLimitMb: options.jsHeapLimitMb ?? 128,
      maxRows: options.maxRows ?? 10_000,
      workers: Math.max(1, options.workers ?? Math.min(4, availableParallelism())),
      batchSize: options.batchSize ?? 64,
    };
    for (let i = 0; i < this.options.workers; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { sqlJsPath, wasmModule } = sqlJs();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sqlJsPath, wasmModule, heapLimitBytes: this.options.heapLimitBytes },
      resourceLimits: { maxOldGenerationSizeMb: this.options.jsHeapLimitMb, maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    this.stats.started++;
    const slot: Slot = { worker, ready: false, inflight: [], timer: null, since: 0 };
    worker.on('message', (msg: { type: string; id?: number; result?: WorkerResult }) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        this.startFailures = 0;
        this.pump();
        // An idle pool must not keep the process alive; a busy worker does (see pump).
        if (!slot.inflight.length) worker.unref();
        return;
      }
      const head = slot.inflight.shift();
      if (!head || head.id !== msg.id) throw new Error('sandbox worker answered out of order');
      head.resolve(toResult(msg.result!));
      slot.since = performance.now();
      this.arm(slot);
      if (!slot.inflight.length) {
        worker.unref();
        this.pump();
      }
    });
    // A worker that dies (V8 heap limit, a crash) fails the unit it was running; the rest go back to the queue.
    worker.on('error', (error: Error & { code?: string }) => {
      if (!slot.ready && ++this.startFailures >= 3) {
        this.closed = true;
        for (const p of this.queue.splice(0)) p.resolve(failure(`the sandbox cannot start: ${error.message}`, 'statement'));
      }
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(slot, memory ? `out of memory: the worker passed its ${this.options.jsHeapLimitMb} MB heap limit` : `the sandbox worker crashed: ${error.message}`, false);
    });
    worker.on('exit', () => {
      if (this.slots.includes(slot) && !this.closed) this.replace(slot, 'the sandbox worker exited unexpectedly', false);
    });
    return slot;
  }

  private arm(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const head = slot.inflight[0];
    if (!head) return;
    slot.timer = setTimeout(() => {
      // Timers run before pending messages are read: if this thread was busy, the answer
      // may already be waiting. Let it be read first, then judge.
      setImmediate(() => {
        if (slot.inflight[0] !== head || !this.slots.includes(slot)) return;
        this.stats.timeouts++;
        // A runaway query (an endless recursive CTE, a cartesian product): kill the worker.
        this.replace(slot, `timed out after ${head.timeoutMs} ms`, true);
      });
    }, head.timeoutMs);
  }

  /** Kill a worker: the unit it was running fails with `message`, the rest of its batch is queued again. */
  private replace(slot: Slot, message: string, timedOut: boolean): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    if (slot.timer) clearTimeout(slot.timer);
    const [head, ...rest] = slot.inflight;
    slot.inflight = [];
    this.stats.killed++;
    void slot.worker.terminate();
    if (head) head.resolve(failure(message, 'statement', { timedOut, ms: performance.now() - slot.since }));
    this.queue.unshift(...rest);
    if (this.closed) return;
    this.slots[index] = this.spawn();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (!slot.ready || slot.inflight.length) continue;
      // Share the queue out so every worker gets some of a short list.
      const size = Math.max(1, Math.min(this.options.batchSize, Math.ceil(this.queue.length / this.slots.length)));
      const batch = this.queue.splice(0, size);
      slot.inflight = batch;
      slot.since = performance.now();
      slot.worker.ref();
      slot.worker.postMessage({
        type: 'batch',
        units: batch.map((p) => ({ id: p.id, context: p.context, sql: p.sql, wantState: p.wantState, isolated: usesTransactionControl(p.sql) || this.contextChecks(p.context).transactions, maxRows: this.options.maxRows })),
      });
      this.arm(slot);
    }
  }

  private contextChecks(context: string): { refusal: string | null; transactions: boolean } {
    let r = this.contextChecked.get(context);
    if (!r) {
      r = { refusal: refusalReason(context), transactions: usesTransactionControl(context) };
      if (this.contextChecked.size >= 64) this.contextChecked.delete(this.contextChecked.keys().next().value!);
      this.contextChecked.set(context, r);
    }
    return r;
  }

  /** Build the context's database and run every statement of `sql` in it. Refused SQL never reaches a worker. */
  run(context: string, sql: string, options: { timeoutMs?: number; wantState?: boolean } = {}): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(new Error('the SQL sandbox is closed'));
    if (!sql.trim()) return Promise.resolve(failure('no SQL to run', 'statement'));
    const contextRefusal = this.contextChecks(context).refusal;
    if (contextRefusal) return Promise.resolve(failure(`refused: ${contextRefusal}`, 'context', { refused: true }));
    const refusal = refusalReason(sql);
    if (refusal) return Promise.resolve(failure(`refused: ${refusal}`, 'statement', { refused: true }));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, context, sql, wantState: options.wantState ?? false, timeoutMs: options.timeoutMs ?? this.options.timeoutMs, resolve });
      this.pump();
    });
  }

  /** Wait until every worker has sql.js loaded (benchmarks measure work, not start-up). */
  async warmUp(): Promise<void> {
    await Promise.all(this.slots.map(() => this.run('', 'SELECT 1')));
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const p of this.queue.splice(0)) p.resolve(failure('the SQL sandbox was closed', 'statement'));
    await Promise.all(
      slots.map((s) => {
        if (s.timer) clearTimeout(s.timer);
        for (const p of s.inflight.splice(0)) p.resolve(failure('the SQL sandbox was closed', 'statement'));
        return s.worker.terminate();
      }),
    );
  }
}
