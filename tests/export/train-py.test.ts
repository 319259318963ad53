import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { exportJob } from '../../src-main/export';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { getRun, importTrainerRun } from '../../src-main/runs';
import { openStore } from '../../src-main/store';
import { SEED_RECIPE } from '../../src-main/train/config';

/**
 * The exported train.py run for real on a tiny Gemma 3 on CPU, then imported back.
 * Needs a Python with torch, transformers, peft and accelerate: set SQLORA_TRAIN_PYTHON
 * to it (e.g. a venv from the job's requirements.txt); skipped otherwise.
 */
const python = process.env.SQLORA_TRAIN_PYTHON;
if (!python) console.warn('[export] SQLORA_TRAIN_PYTHON not set: the run of the exported train.py is skipped.');

const dir = mkdtempSync(join(tmpdir(), 'sqlora-train-py-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!python)('exported train.py', () => {
  it('trains with transformers + PEFT and writes a folder that sqlora import-run reads back', async () => {
    const modelDir = join(dir, 'model');
    writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 1, 0.3);
    const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: `How many rows in t${i}?`, context: `CREATE TABLE t${i} (id INT);`, sql: `SELECT COUNT(*) FROM t${i};`, explanation: null }));
    const job = join(dir, 'job');
    exportJob({
      config: { ...SEED_RECIPE, modelPath: modelDir, datasetId: 1, learningRate: 5e-2, epochs: 2, batchSize: 2, gradAccumulation: 2, evalSteps: 2, saveSteps: 3, loggingSteps: 1, lora: { r: 4, alpha: 16, dropout: 0.05, targets: ['q_proj', 'v_proj'] } },
      train: rows.slice(0, 10),
      validation: rows.slice(10),
      outDir: job,
    });
    const out = join(job, 'out');
    await promisify(execFile)(python!, ['train.py', '--output_dir', out], { cwd: job, timeout: 240_000, maxBuffer: 64 << 20 });
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'trainer_state.json', 'all_results.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const adapterConfig = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig).toMatchObject({ r: 4, lora_alpha: 16, lora_dropout: 0.05 });
    expect([...adapterConfig.target_modules].sort()).toEqual(['q_proj', 'v_proj']);

    const store = openStore(join(dir, 'store.db'));
    try {
      const { runId, adapterPath } = importTrainerRun(store, { path: out });
      const run = getRun(store, runId);
      // 10 examples / batch 2 = 5 batches -> 3 steps per epoch (accumulation rounded up), 2 epochs.
      expect(run.summary).toMatchObject({ steps: 6, maxSteps: 6 });
      expect(run.summary!.bestEvalLoss).toBeGreaterThan(0);
      expect(adapterPath).toBe(out);
    } finally {
      store.close();
    }
  }, 300_000);
});
