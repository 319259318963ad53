import { describe, expect, it } from 'vitest';
import type { Job } from '../../src-main/api/contract';
import { throwIfCancelled } from '../../src-main/jobs';
import { tempBackend } from '../helpers/backend';

describe('jobs', () => {
  it('reports progress, completes with a result and persists its row', async () => {
    const backend = tempBackend();
    const seen: Job[] = [];
    backend.bus.subscribe((event, payload) => event === 'job.updated' && seen.push(payload as Job));
    const job = backend.jobs.start('import', 'Import test.csv', async (ctx) => {
      ctx.progress(0.5, 'half way');
      return { rows: 42 };
    });
    const done = await backend.jobs.wait(job.id);
    expect(done).toMatchObject({ status: 'completed', progress: 1, result: { rows: 42 }, kind: 'import' });
    expect(seen.map((j) => j.status)).toEqual(['running', 'running', 'completed']);
    expect(seen[1]).toMatchObject({ progress: 0.5, message: 'half way' });
    expect(backend.jobs.list()[0].id).toBe(job.id);
    await backend.cleanup();
  });

  it('cancels a running job and records it as cancelled', async () => {
    const backend = tempBackend();
    const job = backend.jobs.start('eda', 'Long EDA', async (ctx) => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        throwIfCancelled(ctx.signal);
      }
    });
    setTimeout(() => backend.jobs.cancel(job.id), 30);
    expect(await backend.jobs.wait(job.id)).toMatchObject({ status: 'cancelled', error: null });
    await backend.cleanup();
  });

  it('records the error message of a failed job', async () => {
    const backend = tempBackend();
    const job = backend.jobs.start('import', 'Bad file', async () => {
      throw new Error('bad.csv row 3, column sql: missing value');
    });
    expect(await backend.jobs.wait(job.id)).toMatchObject({ status: 'failed', error: 'bad.csv row 3, column sql: missing value' });
    await backend.cleanup();
  });
});
