import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-main/api/contract';
import { SafetensorsFile } from '../../src-main/model/safetensors';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { SEED_RECIPE, type TrainConfig } from '../../src-main/train/config';
import { apiCaller, tempBackend } from '../helpers/backend';

/**
 * The crash the issue names: the engine process killed with SIGKILL in the middle
 * of a run. The run must show as interrupted, Resume must continue from the last
 * checkpoint, and the finished adapter must equal an uninterrupted run's - with the
 * seed's LoRA dropout on, so the random masks must line up across the restart too.
 */
const backend = tempBackend();
const call = apiCaller(backend);
const modelDir = join(backend.dataDir, 'tiny-model');
let config: TrainConfig;

beforeAll(async () => {
  writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 32 }, 5);
  const dir = resolve(import.meta.dirname, '../../resources/datasets/default');
  const job = await call('datasets.import', {
    files: [
      { path: join(dir, 'test.jsonl'), split: 'train' },
      { path: join(dir, 'validation.jsonl'), split: 'validation' },
    ],
    name: 'crash test',
  });
  const done = await backend.jobs.wait(job.id);
  config = {
    ...SEED_RECIPE,
    modelPath: modelDir,
    datasetId: (done.result as { datasetId: number }).datasetId,
    learningRate: 1e-2,
    batchSize: 2,
    gradAccumulation: 2,
    maxSteps: 8,
    loggingSteps: 1,
    evalSteps: 4,
    saveSteps: 4,
    evalLimit: 4,
    maxLength: 256,
  };
}, 60_000);
afterAll(() => backend.cleanup());

async function waitFor(runId: number, done: (run: RunRecord) => boolean): Promise<RunRecord> {
  for (;;) {
    const { run } = await call('runs.get', { id: runId });
    if (done(run)) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function adapterTensors(dir: string): Map<string, Float32Array> {
  const file = new SafetensorsFile(join(dir, 'adapter_model.safetensors'));
  try {
    return new Map(file.keys().map((k) => [k, file.readFloat32(k).data]));
  } finally {
    file.close();
  }
}

const runDir = (id: number) => join(backend.dataDir, 'runs', String(id));

describe('a run whose engine is killed', () => {
  it('shows as interrupted, resumes from its last checkpoint and ends with the adapter of an uninterrupted run', async () => {
    const [straight] = (await call('train.start', { config, name: 'straight' })).runs;
    const finished = await waitFor(straight.id, (r) => !['queued', 'running'].includes(r.status));
    expect(finished.status, finished.error ?? '').toBe('completed');

    const [crashed] = (await call('train.start', { config, name: 'crashed' })).runs;
    // Kill once the step-4 checkpoint is on disk and training has gone past it.
    await waitFor(crashed.id, (r) => r.status === 'running');
    for (;;) {
      const { metrics } = await call('runs.get', { id: crashed.id });
      if (metrics.some((m) => m.loss !== null && m.step >= 5)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(backend.engine.getStatus().pid!, 'SIGKILL');
    const interrupted = await waitFor(crashed.id, (r) => !['queued', 'running'].includes(r.status));
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error).toMatch(/engine process/);

    await call('train.resume', { runId: crashed.id });
    const resumed = await waitFor(crashed.id, (r) => !['queued', 'running', 'interrupted'].includes(r.status));
    expect(resumed.status, resumed.error ?? '').toBe('completed');
    expect(resumed.summary?.steps).toBe(8);
    // Steps after the checkpoint were trained twice (before the kill and after the resume); the series keeps one point per step.
    const { metrics } = await call('runs.get', { id: crashed.id });
    const losses = metrics.filter((m) => m.loss !== null).map((m) => m.step);
    expect(new Set(losses).size).toBe(8);

    const a = adapterTensors(join(runDir(straight.id), 'final'));
    const b = adapterTensors(join(runDir(crashed.id), 'final'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    let worst = 0;
    for (const [k, x] of a) {
      const y = b.get(k)!;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    }
    expect(worst).toBeLessThan(1e-5);
  }, 180_000);
});
