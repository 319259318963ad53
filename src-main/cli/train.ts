import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError, type MetricPoint, type RunRecord } from '../api/contract';
import { LORA_TARGETS, SEED_RECIPE, type TrainConfig } from '../train/config';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';
import { describeRun } from './runs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted', 'paused']);

function numberOption(values: Record<string, unknown>, key: string): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got "${raw}"`);
  return n;
}

function progressBar(fraction: number, width = 28): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: "Train LoRA adapters with the seed's recipe (one rank, or a sweep with --ranks 4,8,16)",
  usage:
    'sqlora train --model DIR --dataset NAME|ID [--split NAME] [--rank N | --ranks 4,8,16] [--alpha N] [--dropout X]\n' +
    '             [--targets q_proj,k_proj,v_proj,o_proj] [--lr X] [--epochs N] [--max-steps N] [--batch N] [--accum N]\n' +
    '             [--max-length N] [--eval-steps N] [--eval-limit N] [--seed N] [--config FILE.json] [--name NAME] [--json] [--data-dir DIR]',
  options: {
    ...Object.fromEntries(
      ['model', 'dataset', 'split', 'rank', 'ranks', 'alpha', 'dropout', 'targets', 'lr', 'epochs', 'max-steps', 'batch', 'accum', 'max-length', 'eval-steps', 'eval-limit', 'save-steps', 'logging-steps', 'seed', 'config', 'name', 'data-dir'].map(
        (k) => [k, { type: 'string' as const }],
      ),
    ),
    json: { type: 'boolean' },
    'no-early-stopping': { type: 'boolean' },
  },
  async run({ values }) {
    const fromFile = values.config ? (JSON.parse(readFileSync(resolve(String(values.config)), 'utf8')) as Partial<TrainConfig>) : {};
    const model = (values.model as string | undefined) ?? fromFile.modelPath;
    if (!model) throw new UsageError('--model DIR is required (a Hugging Face model folder)');
    if (!existsSync(resolve(model))) throw new UsageError(`--model ${model}: no such folder`);
    const ranks = values.ranks === undefined ? undefined : String(values.ranks).split(',').map((r) => Number(r.trim()));
    const targets = values.targets === undefined ? undefined : String(values.targets).split(',').map((t) => t.trim());
    if (targets?.some((t) => !(LORA_TARGETS as readonly string[]).includes(t))) throw new UsageError(`--targets must be among ${LORA_TARGETS.join(', ')}`);
    const json = Boolean(values.json);

    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const datasetArg = (values.dataset as string | undefined) ?? String(fromFile.datasetId ?? '');
      if (!datasetArg) throw new UsageError('--dataset NAME|ID is required (see sqlora dataset list)');
      const dataset = backend.store.db.prepare('SELECT id FROM datasets WHERE name = ? OR id = ?').get(datasetArg, Number(datasetArg) || -1) as { id: number } | undefined;
      if (!dataset) throw new ApiError('not_found', `No dataset "${datasetArg}". Import one with sqlora dataset import FILE.`);
      const base: TrainConfig = { ...SEED_RECIPE, ...fromFile, modelPath: resolve(model), datasetId: dataset.id };
      const n = (key: string) => numberOption(values, key);
      const config: TrainConfig = {
        ...base,
        split: (values.split as string | undefined) ?? base.split,
        lora: { ...base.lora, r: n('rank') ?? base.lora.r, alpha: n('alpha') ?? base.lora.alpha, dropout: n('dropout') ?? base.lora.dropout, targets: (targets as TrainConfig['lora']['targets']) ?? base.lora.targets },
        learningRate: n('lr') ?? base.learningRate,
        epochs: n('epochs') ?? base.epochs,
        maxSteps: n('max-steps') ?? base.maxSteps,
        batchSize: n('batch') ?? base.batchSize,
        gradAccumulation: n('accum') ?? base.gradAccumulation,
        maxLength: n('max-length') ?? base.maxLength,
        evalSteps: n('eval-steps') ?? base.evalSteps,
        evalLimit: n('eval-limit') ?? base.evalLimit,
        saveSteps: n('save-steps') ?? base.saveSteps,
        loggingSteps: n('logging-steps') ?? base.loggingSteps,
        seed: n('seed') ?? base.seed,
        earlyStopping: { ...base.earlyStopping, enabled: values['no-early-stopping'] ? false : base.earlyStopping.enabled },
      };

      const { runs } = await callHandler(backend, 'train.start', { config, ranks, name: values.name as string | undefined });
      const ids = new Set(runs.map((r) => r.id));
      const latest = new Map<number, RunRecord>(runs.map((r) => [r.id, r]));
      const lastPoint = new Map<number, MetricPoint>();
      const tty = process.stderr.isTTY && !json;

      const finished = new Promise<void>((resolveAll) => {
        backend.bus.subscribe((event, payload) => {
          if (event === 'run.metrics') {
            const { runId, point, totalSteps } = payload as { runId: number; point: MetricPoint; totalSteps: number | null };
            if (!ids.has(runId)) return;
            if (json) console.log(JSON.stringify({ event: 'metrics', runId, ...point }));
            else if (point.loss !== null) {
              const prev = lastPoint.get(runId);
              lastPoint.set(runId, { ...point, evalLoss: prev?.evalLoss ?? null });
            } else lastPoint.set(runId, { ...(lastPoint.get(runId) ?? point), evalLoss: point.evalLoss });
            if (!json) {
              const p = lastPoint.get(runId)!;
              const fraction = totalSteps ? p.step / totalSteps : 0;
              const eta = p.elapsedS && fraction > 0 ? (p.elapsedS / fraction) * (1 - fraction) : null;
              const line = `${latest.get(runId)!.name} ${progressBar(fraction)} step ${p.step} loss ${p.loss?.toFixed(4) ?? '-'} eval ${p.evalLoss?.toFixed(4) ?? '-'} lr ${p.learningRate?.toExponential(2) ?? '-'} ${p.tokensPerS ? `${p.tokensPerS.toFixed(0)} tok/s` : ''} ${eta !== null ? `ETA ${duration(eta)}` : ''}`;
              if (tty) process.stderr.write(`\r\x1b[2K${line}`);
              else if (point.loss !== null) console.error(line);
            }
          }
          if (event === 'run.updated') {
            const run = payload as RunRecord;
            if (!ids.has(run.id)) return;
            latest.set(run.id, run);
            if (json) console.log(JSON.stringify({ event: 'run', id: run.id, status: run.status, error: run.error }));
            if (TERMINAL.has(run.status) && tty) process.stderr.write('\n');
            if ([...latest.values()].every((r) => TERMINAL.has(r.status))) resolveAll();
          }
        });
      });
      const interrupt = () => {
        console.error('\nCancelling (Ctrl-C again to force)...');
        for (const id of ids) void callHandler(backend, 'train.cancel', { runId: id }).catch(() => undefined);
      };
      process.once('SIGINT', interrupt);
      await finished;
      process.off('SIGINT', interrupt);

      const final = [...ids].map((id) => latest.get(id)!);
      if (json) console.log(JSON.stringify({ event: 'summary', runs: final }));
      else for (const run of final) console.log(describeRun(run));
      return final.every((r) => r.status === 'completed') ? 0 : 1;
    });
  },
};
