import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint, RunRecord } from '../api/contract';

/**
 * A finished run as Hugging Face Trainer output: `trainer_state.json` (log_history
 * with loss / learning_rate / grad_norm and eval_loss per step, best metric and
 * checkpoint) plus the PEFT adapter, so Python tools - and `sqlora import-run` -
 * read it like any Trainer folder.
 */
export function exportRunResults(run: RunRecord, metrics: MetricPoint[], outDir: string): { files: string[] } {
  if (!run.adapterPath || !existsSync(join(run.adapterPath, 'adapter_model.safetensors'))) {
    throw new Error(`Run ${run.id} (${run.name}) has no adapter to export${run.adapterPath ? ` (${run.adapterPath} has no adapter_model.safetensors)` : ''}.`);
  }
  mkdirSync(outDir, { recursive: true });
  const config = (run.config ?? {}) as Partial<{ loggingSteps: number; evalSteps: number; saveSteps: number; batchSize: number; epochs: number }>;
  const logHistory: Record<string, number>[] = [];
  for (const m of metrics) {
    const epoch = m.epoch ?? 0;
    if (m.loss !== null) logHistory.push({ epoch, step: m.step, loss: m.loss, ...(m.learningRate !== null ? { learning_rate: m.learningRate } : {}), ...(m.gradNorm !== null ? { grad_norm: m.gradNorm } : {}) });
    if (m.evalLoss !== null) logHistory.push({ epoch, step: m.step, eval_loss: m.evalLoss });
  }
  const s = run.summary;
  const state = {
    best_global_step: s?.bestStep ?? null,
    best_metric: s?.bestEvalLoss ?? null,
    best_model_checkpoint: s?.bestStep !== null && s?.bestStep !== undefined ? `checkpoint-${s.bestStep}` : null,
    epoch: s?.epochs ?? metrics.at(-1)?.epoch ?? 0,
    eval_steps: config.evalSteps ?? null,
    global_step: s?.steps ?? metrics.at(-1)?.step ?? 0,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: logHistory,
    logging_steps: config.loggingSteps ?? null,
    max_steps: s?.maxSteps ?? null,
    num_train_epochs: config.epochs ?? null,
    save_steps: config.saveSteps ?? null,
    train_batch_size: config.batchSize ?? null,
  };
  // Unknown settings are left out rather than written as null (the Trainer always writes numbers).
  const known = Object.fromEntries(Object.entries(state).filter(([key, v]) => v !== null || key.startsWith('best_')));
  const tmp = join(outDir, `trainer_state.json.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(known, null, 2));
  renameSync(tmp, join(outDir, 'trainer_state.json'));
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(run.adapterPath, f), join(outDir, f));
  return { files: ['trainer_state.json', 'adapter_config.json', 'adapter_model.safetensors'] };
}
