import { randomUUID } from 'node:crypto';
import { ApiError, type Job, type JobStatus } from '../api/contract';
import type { EventBus } from '../api/server';
import { nowIso, type Store } from '../store';

/** What a job's body gets: where to report progress and how it learns it was cancelled. */
export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  /** fraction in 0..1; message is one short line ("Reading rows 2,000 / 10,000"). */
  progress(fraction: number, message?: string): void;
}

/** Thrown (or rethrown) by a job body that stopped because it was cancelled. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export const throwIfCancelled = (signal: AbortSignal): void => {
  if (signal.aborted) throw new CancelledError();
};

interface JobRow {
  id: string;
  kind: string;
  title: string;
  status: JobStatus;
  progress: number;
  message: string | null;
  error: string | null;
  result: string | null;
  created_at: string;
  finished_at: string | null;
}

const toJob = (row: JobRow): Job => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  status: row.status,
  progress: row.progress,
  message: row.message,
  error: row.error,
  result: row.result === null ? null : JSON.parse(row.result),
  createdAt: row.created_at,
  finishedAt: row.finished_at,
});

/**
 * Long work (import, EDA, training, evaluation, download) runs as a job: an id, a
 * persisted row, progress events (throttled), cancel, and a final state. The store
 * row means a crash leaves a visible "interrupted" job rather than nothing.
 */
export class JobManager {
  private running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly progressIntervalMs = 100,
  ) {}

  start<T>(kind: string, title: string, body: (ctx: JobContext) => Promise<T>): Job {
    const id = randomUUID();
    this.store.db
      .prepare(`INSERT INTO jobs (id, kind, title, status, progress, created_at) VALUES (?, ?, ?, 'running', 0, ?)`)
      .run(id, kind, title, nowIso());
    const controller = new AbortController();
    let lastEmit = 0;
    const ctx: JobContext = {
      id,
      signal: controller.signal,
      progress: (fraction, message) => {
        const now = Date.now();
        if (now - lastEmit < this.progressIntervalMs && fraction < 1) return;
        lastEmit = now;
        this.update(id, { progress: Math.max(0, Math.min(1, fraction)), message: message ?? null });
      },
    };
    const done = (async () => {
      try {
        const result = await body(ctx);
        this.finish(id, controller.signal.aborted ? 'cancelled' : 'completed', null, result);
        return result;
      } catch (error) {
        const cancelled = controller.signal.aborted || error instanceof CancelledError;
        this.finish(id, cancelled ? 'cancelled' : 'failed', cancelled ? null : (error as Error).message ?? String(error), null);
      } finally {
        this.running.delete(id);
      }
    })();
    this.running.set(id, { controller, done });
    const job = this.get(id);
    this.bus.emit('job.updated', job);
    return job;
  }

  /** Resolves when the job has reached its final state. */
  async wait(id: string): Promise<Job> {
    await this.running.get(id)?.done;
    return this.get(id);
  }

  cancel(id: string): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    entry.controller.abort(new CancelledError());
    return true;
  }

  get(id: string): Job {
    const row = this.store.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row) throw new ApiError('not_found', `No job with id ${id}.`);
    return toJob(row);
  }

  list(limit = 50): Job[] {
    return (this.store.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[]).map(toJob);
  }

  /** Cancel everything and wait for it to wind down (app quit). */
  async shutdown(): Promise<void> {
    const pending = [...this.running.values()];
    for (const { controller } of pending) controller.abort(new CancelledError('The app is shutting down'));
    await Promise.allSettled(pending.map((p) => p.done));
  }

  private update(id: string, fields: { progress: number; message: string | null }): void {
    this.store.db.prepare('UPDATE jobs SET progress = ?, message = COALESCE(?, message) WHERE id = ?').run(fields.progress, fields.message, id);
    this.bus.emit('job.updated', this.get(id));
  }

  private finish(id: string, status: JobStatus, error: string | null, result: unknown): void {
    this.store.db
      .prepare('UPDATE jobs SET status = ?, error = ?, result = ?, progress = CASE WHEN ? = \'completed\' THEN 1 ELSE progress END, finished_at = ? WHERE id = ?')
      .run(status, error, result === undefined || result === null ? null : JSON.stringify(result), status, nowIso(), id);
    this.bus.emit('job.updated', this.get(id));
  }
}
