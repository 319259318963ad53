import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ApiError, type MetricPoint, type RunRecord } from '../api/contract';
import type { Handlers } from '../api/server';
import type { TrainResultMessage } from '../engine/protocol';
import { addMetrics, createRun, getRun } from '../runs';
import { nowIso } from '../store';
import type { TrainConfig } from '../train/config';
import type { TrainEvent } from '../train/trainer';
import type { ServiceContext } from './context';
import { examplesOf } from './examples';

/**
 * Training runs from the main process's side: a queue (one engine, one run at a
 * time), a job per run, and the bookkeeping of what the engine streams back -
 * metrics into the run's time series, checkpoints, the final summary and adapter.
 */

type Handled = 'train.start' | 'train.pause' | 'train.resume' | 'train.cancel';

interface Active {
  runId: number;
  jobId: string;
  pause: AbortController;
}

export function trainingHandlers(ctx: ServiceContext): Pick<Handlers, Handled> {
  const { store, bus, jobs, engine } = ctx;
  const queue: number[] = [];
  /** Queued runs that continue from their last checkpoint rather than start fresh. */
  const resuming = new Set<number>();
  let active: Active | null = null;

  const runDir = (runId: number) => join(ctx.dataDir, 'runs', String(runId));
  const setStatus = (runId: number, fields: { status: RunRecord['status']; error?: string | null; summary?: unknown; started?: boolean; finished?: boolean }) => {
    store.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, summary = COALESCE(?, summary),
           started_at = CASE WHEN ? THEN COALESCE(started_at, ?) ELSE started_at END,
           finished_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?`,
      )
      .run(fields.status, fields.error ?? null, fields.summary === undefined ? null : JSON.stringify(fields.summary), fields.started ? 1 : 0, nowIso(), fields.finished ? 1 : 0, nowIso(), runId);
    const run = getRun(store, runId);
    bus.emit('run.updated', run);
    return run;
  };

  function record(runId: number, event: TrainEvent): void {
    if (event.kind === 'checkpoint') {
      store.transaction(() => {
        if (event.isBest) store.db.prepare('UPDATE checkpoints SET is_best = 0 WHERE run_id = ?').run(runId);
        store.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND step = ?').run(runId, event.step);
        store.db
          .prepare('INSERT INTO checkpoints (run_id, step, path, eval_loss, is_best, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(runId, event.step, event.path, event.evalLoss, event.isBest ? 1 : 0, nowIso());
        for (const step of event.removed) store.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND step = ?').run(runId, step);
      });
      return;
    }
    const point: MetricPoint =
      event.kind === 'log'
        ? { step: event.step, epoch: event.epoch, loss: event.loss, evalLoss: null, learningRate: event.learningRate, gradNorm: event.gradNorm, tokensPerS: event.tokensPerS, memoryBytes: event.memoryBytes, elapsedS: event.elapsedS }
        : { step: event.step, epoch: event.epoch, loss: null, evalLoss: event.evalLoss, learningRate: null, gradNorm: null, tokensPerS: null, memoryBytes: null, elapsedS: null };
    addMetrics(store, runId, [point]);
    bus.emit('run.metrics', { runId, point, totalSteps: event.kind === 'log' ? event.totalSteps : null });
  }

  async function runOne(runId: number, resume: boolean): Promise<void> {
    const run = getRun(store, runId);
    const config = run.config as TrainConfig;
    const pause = new AbortController();
    setStatus(runId, { status: 'running', started: true });
    const job = jobs.start('train', `Train ${run.name}`, async (job) => {
      const train = examplesOf(store, config, 'train');
      const validation = examplesOf(store, config, 'validation');
      if (!train.length) throw new Error(`The dataset has no examples in the train part of ${config.split ? `split "${config.split}"` : 'its own splits'}.`);
      return engine.request(
        'train',
        { config, runDir: runDir(runId), resume, train, validation },
        {
          signal: job.signal,
          pauseSignal: pause.signal,
          activity: `training ${run.name}`,
          onEvent: (raw) => {
            const event = raw as TrainEvent | { kind: 'prepared' };
            if (event.kind === 'prepared') return;
            record(runId, event);
            if (event.kind === 'log') job.progress(event.step / event.totalSteps, `step ${event.step} of ${event.totalSteps}, loss ${event.loss.toFixed(4)}`);
          },
        },
      );
    });
    active = { runId, jobId: job.id, pause };
    const done = await jobs.wait(job.id);
    active = null;
    if (done.status === 'completed') {
      const result = done.result as TrainResultMessage;
      const status = result.stop === 'paused' ? 'paused' : result.stop === 'cancelled' ? 'cancelled' : result.stop === 'diverged' ? 'failed' : 'completed';
      const adapter = result.bestCheckpoint ?? result.finalAdapter;
      store.transaction(() => {
        if (status === 'completed' || status === 'failed') {
          store.db
            .prepare(`INSERT INTO adapters (name, path, run_id, source, config, created_at) VALUES (?, ?, ?, 'trained', ?, ?)`)
            .run(`${run.name} (best)`, adapter, runId, JSON.stringify(config.lora), nowIso());
        }
      });
      setStatus(runId, {
        status,
        error: status === 'failed' ? result.stoppedBecause : null,
        summary: {
          steps: result.steps,
          maxSteps: result.totalSteps,
          epochs: result.epochs,
          trainLoss: result.trainLoss,
          bestEvalLoss: result.bestEvalLoss,
          bestStep: result.bestStep,
          runtimeS: result.runtimeS,
          tokensPerS: result.tokensPerS,
          samplesPerS: null,
          tokens: result.tokens,
          stoppedBecause: result.stoppedBecause,
        },
        finished: status !== 'paused',
      });
    } else if (done.status === 'cancelled') {
      setStatus(runId, { status: 'cancelled', finished: true });
    } else {
      const crashed = /engine process/.test(done.error ?? '');
      // A crash is resumable from the last checkpoint; anything else is a failure with its reason.
      setStatus(runId, { status: crashed ? 'interrupted' : 'failed', error: done.error, finished: true });
    }
  }

  async function drain(): Promise<void> {
    while (!active && queue.length) {
      const next = queue.shift()!;
      const resume = resuming.delete(next);
      await runOne(next, resume).catch((error: Error) => setStatus(next, { status: 'failed', error: error.message, finished: true }));
    }
  }

  return {
    async 'train.start'({ config, name, ranks }) {
      const sweep = ranks !== undefined && ranks.length > 1;
      const sweepId = sweep ? randomUUID() : null;
      const created = (ranks ?? [config.lora.r]).map((r) => {
        const runConfig: TrainConfig = { ...config, lora: { ...config.lora, r } };
        const runName = sweep ? `${name ?? 'sweep'} r${r}` : (name ?? `r${r} lr${config.learningRate}`);
        const id = createRun(store, { name: runName, kind: 'trained', status: 'queued', config: runConfig, datasetId: config.datasetId, sweepId });
        return getRun(store, id);
      });
      for (const run of created) {
        queue.push(run.id);
        bus.emit('run.updated', run);
      }
      void drain();
      return { runs: created, sweepId };
    },
    async 'train.pause'({ runId }) {
      if (active?.runId !== runId) throw new ApiError('conflict', `Run ${runId} is not training now, so it cannot be paused.`);
      active.pause.abort();
      return getRun(store, runId);
    },
    async 'train.resume'({ runId }) {
      const run = getRun(store, runId);
      if (!['paused', 'interrupted'].includes(run.status)) throw new ApiError('conflict', `Run ${runId} is ${run.status}; only paused or interrupted runs can be resumed.`);
      const queued = setStatus(runId, { status: 'queued' });
      resuming.add(runId);
      queue.push(runId);
      void drain();
      return queued;
    },
    async 'train.cancel'({ runId }) {
      const run = getRun(store, runId);
      if (active?.runId === runId) {
        jobs.cancel(active.jobId);
        return run;
      }
      const at = queue.indexOf(runId);
      if (at < 0) throw new ApiError('conflict', `Run ${runId} is ${run.status}; only queued or running runs can be cancelled.`);
      queue.splice(at, 1);
      return setStatus(runId, { status: 'cancelled', finished: true });
    },
  };
}
