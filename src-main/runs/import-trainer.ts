import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ApiError, type MetricPoint, type RunSummary } from '../api/contract';
import { nowIso, type Store } from '../store';
import { addMetrics, createRun } from './index';

/**
 * Import a run trained elsewhere (Hugging Face Trainer + PEFT, e.g. a job exported by
 * `sqlora export-job`) so it is compared and evaluated like a run trained here.
 * Reads `trainer_state.json` (its log_history holds loss, eval_loss, learning_rate,
 * grad_norm per step), `all_results.json` when present, and the PEFT adapter.
 */

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const LogEntry = z.looseObject({
  step: z.number().int().nonnegative(),
  epoch: finite.optional(),
  loss: finite.optional(),
  eval_loss: finite.optional(),
  learning_rate: finite.optional(),
  grad_norm: finite.optional(),
  train_runtime: finite.optional(),
  train_loss: finite.optional(),
  train_samples_per_second: finite.optional(),
});
const TrainerState = z.looseObject({
  log_history: z.array(z.unknown()),
  global_step: z.number().int().nonnegative(),
  max_steps: z.number().int().nonnegative().optional(),
  num_train_epochs: z.number().optional(),
  epoch: z.number().optional(),
  best_metric: z.number().nullable().optional(),
  best_global_step: z.number().int().nullable().optional(),
  best_model_checkpoint: z.string().nullable().optional(),
  eval_steps: z.number().nullable().optional(),
  logging_steps: z.number().nullable().optional(),
  train_batch_size: z.number().nullable().optional(),
  stateful_callbacks: z.record(z.string(), z.unknown()).optional(),
});
type TrainerState = z.infer<typeof TrainerState>;

const AdapterConfig = z.looseObject({
  peft_type: z.literal('LORA'),
  r: z.number().int().positive(),
  lora_alpha: z.number(),
  target_modules: z.union([z.array(z.string()), z.string()]),
  base_model_name_or_path: z.string().nullable().optional(),
});

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApiError('not_found', `Cannot read ${path}: ${(error as Error).message}`, { file: path });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('invalid_input', `${path} is not valid JSON: ${(error as Error).message}`, { file: path });
  }
}

function zodIssue(file: string, error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const key = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return new ApiError('invalid_input', `${file}: ${key || '(top level)'} ${issue.message}`, { file, key });
}

/** Why the Trainer stopped, from its callbacks' saved state. */
function stoppedBecause(state: TrainerState): string {
  const early = (state.stateful_callbacks?.EarlyStoppingCallback ?? null) as
    | { args?: { early_stopping_patience?: number; early_stopping_threshold?: number }; attributes?: { early_stopping_patience_counter?: number } }
    | null;
  const control = (state.stateful_callbacks?.TrainerControl ?? null) as { args?: { should_training_stop?: boolean } } | null;
  const patience = early?.args?.early_stopping_patience;
  const counter = early?.attributes?.early_stopping_patience_counter;
  if (control?.args?.should_training_stop && patience !== undefined && counter !== undefined && counter >= patience) {
    return `early stopping: eval_loss did not improve by ${early?.args?.early_stopping_threshold ?? 0} for ${patience} evaluations`;
  }
  if (state.max_steps && state.global_step >= state.max_steps) return `completed all ${state.max_steps} steps`;
  if (state.max_steps) {
    return `ended at step ${state.global_step} of ${state.max_steps} without an early-stopping decision` +
      (patience !== undefined && counter !== undefined ? ` (patience counter ${counter} of ${patience})` : '');
  }
  return `ended at step ${state.global_step}`;
}

export interface ImportedRun {
  runId: number;
  adapterPath: string | null;
}

/**
 * `path` is a Trainer output folder (with trainer_state.json, maybe checkpoint-N/
 * folders and the adapter) or a trainer_state.json file itself. The adapter is taken
 * from `adapterPath`, else from the folder, else from its best checkpoint.
 */
export function importTrainerRun(store: Store, options: { path: string; adapterPath?: string; name?: string }): ImportedRun {
  const path = resolve(options.path);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new ApiError('not_found', `${path} does not exist.`, { file: path });
  const folder = stat.isDirectory() ? path : dirname(path);
  const stateFile = stat.isDirectory() ? join(path, 'trainer_state.json') : path;
  if (!existsSync(stateFile)) {
    throw new ApiError('invalid_input', `${path} has no trainer_state.json: is it a Hugging Face Trainer output folder?`, { file: stateFile });
  }
  const parsed = TrainerState.safeParse(readJson(stateFile));
  if (!parsed.success) throw zodIssue(stateFile, parsed.error);
  const state = parsed.data;

  const points = new Map<number, MetricPoint>();
  let final: z.infer<typeof LogEntry> | null = null;
  state.log_history.forEach((raw, index) => {
    const entry = LogEntry.safeParse(raw);
    if (!entry.success) throw zodIssue(stateFile, new z.ZodError(entry.error.issues.map((i) => ({ ...i, path: ['log_history', index, ...i.path] }))));
    const e = entry.data;
    if (e.train_runtime !== undefined) {
      final = e; // the Trainer's closing summary line, not a metric point
      return;
    }
    const p = points.get(e.step) ?? { step: e.step, epoch: null, loss: null, evalLoss: null, learningRate: null, gradNorm: null, tokensPerS: null, memoryBytes: null, elapsedS: null };
    points.set(e.step, {
      ...p,
      epoch: e.epoch ?? p.epoch,
      loss: e.loss ?? p.loss,
      evalLoss: e.eval_loss ?? p.evalLoss,
      learningRate: e.learning_rate ?? p.learningRate,
      gradNorm: e.grad_norm ?? p.gradNorm,
    });
  });
  const series = [...points.values()].sort((a, b) => a.step - b.step);
  const closing = final as z.infer<typeof LogEntry> | null;

  const allResultsFile = join(folder, 'all_results.json');
  const allResults = existsSync(allResultsFile) ? (readJson(allResultsFile) as Record<string, unknown>) : {};
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

  const evals = series.filter((p) => p.evalLoss !== null);
  const bestFromLog = evals.reduce<MetricPoint | null>((best, p) => (best === null || p.evalLoss! < best.evalLoss! ? p : best), null);
  const summary: RunSummary = {
    steps: state.global_step,
    maxSteps: state.max_steps ?? null,
    epochs: state.epoch ?? null,
    trainLoss: closing?.train_loss ?? number(allResults.train_loss),
    bestEvalLoss: state.best_metric ?? bestFromLog?.evalLoss ?? null,
    bestStep: state.best_global_step ?? bestFromLog?.step ?? null,
    runtimeS: closing?.train_runtime ?? number(allResults.train_runtime),
    tokensPerS: null,
    samplesPerS: closing?.train_samples_per_second ?? number(allResults.train_samples_per_second),
    tokens: null,
    stoppedBecause: stoppedBecause(state),
  };

  const adapterDir = findAdapter(folder, state, options.adapterPath);
  const adapterConfig = adapterDir ? readAdapterConfig(adapterDir) : null;
  const name = options.name ?? (stat.isDirectory() ? basename(path) : basename(path, '.json'));
  const config = {
    source: 'huggingface-trainer',
    trainerState: stateFile,
    numTrainEpochs: state.num_train_epochs ?? null,
    evalSteps: state.eval_steps ?? null,
    loggingSteps: state.logging_steps ?? null,
    trainBatchSize: state.train_batch_size ?? null,
    bestModelCheckpoint: state.best_model_checkpoint ?? null,
    lora: adapterConfig
      ? { r: adapterConfig.r, alpha: adapterConfig.lora_alpha, targets: adapterConfig.target_modules, baseModel: adapterConfig.base_model_name_or_path ?? null }
      : null,
  };

  return store.transaction(() => {
    const runId = createRun(store, { name, kind: 'imported', status: 'completed', config, summary, finishedAt: nowIso() });
    addMetrics(store, runId, series);
    if (adapterDir && adapterConfig) {
      store.db
        .prepare(`INSERT INTO adapters (name, path, run_id, source, config, created_at) VALUES (?, ?, ?, 'imported', ?, ?)`)
        .run(`${name} adapter`, adapterDir, runId, JSON.stringify(adapterConfig), nowIso());
    }
    return { runId, adapterPath: adapterDir };
  });
}

function findAdapter(folder: string, state: TrainerState, explicit?: string): string | null {
  const isAdapter = (dir: string) => existsSync(join(dir, 'adapter_config.json'));
  if (explicit) {
    const dir = resolve(explicit);
    if (!isAdapter(dir)) throw new ApiError('invalid_input', `${dir} has no adapter_config.json: not a PEFT adapter folder.`, { file: join(dir, 'adapter_config.json') });
    return dir;
  }
  if (isAdapter(folder)) return folder;
  const best = state.best_model_checkpoint ? join(folder, basename(state.best_model_checkpoint)) : null;
  return best && isAdapter(best) ? best : null;
}

function readAdapterConfig(dir: string): z.infer<typeof AdapterConfig> {
  const file = join(dir, 'adapter_config.json');
  const parsed = AdapterConfig.safeParse(readJson(file));
  if (!parsed.success) throw zodIssue(file, parsed.error);
  const weights = join(dir, 'adapter_model.safetensors');
  if (!existsSync(weights)) throw new ApiError('invalid_input', `${dir} has adapter_config.json but no adapter_model.safetensors.`, { file: weights });
  return parsed.data;
}
