import type { MetricPoint, RunRecord } from '../api/contract';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function describeRun(run: RunRecord): string {
  const s = run.summary;
  return [
    `Run ${run.id}: ${run.name} (${run.kind}, ${run.status})`,
    s
      ? `  steps ${s.steps}${s.maxSteps ? ` of ${s.maxSteps}` : ''}, epochs ${fmt(s.epochs, 2)}, train loss ${fmt(s.trainLoss)}, best eval_loss ${fmt(s.bestEvalLoss)}` +
        (s.bestStep !== null ? ` at step ${s.bestStep}` : '') +
        `\n  runtime ${s.runtimeS === null ? '-' : `${s.runtimeS.toFixed(0)} s`}, stopped: ${s.stoppedBecause}`
      : '  no summary yet',
    `  adapter: ${run.adapterPath ?? 'none'}`,
    ...(run.error ? [`  error: ${run.error}`] : []),
  ].join('\n');
}

export const importRunCommand: CommandSpec = {
  name: 'import-run',
  summary: 'Import a Hugging Face Trainer output folder (trainer_state.json + PEFT adapter) as a run',
  usage: 'sqlora import-run DIR|trainer_state.json [--adapter DIR] [--name NAME] [--json] [--data-dir DIR]',
  options: { adapter: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give one Trainer output folder or trainer_state.json file');
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const run = await callHandler(backend, 'runs.import', {
        path: positionals[0],
        adapterPath: values.adapter as string | undefined,
        name: values.name as string | undefined,
      });
      console.log(values.json ? JSON.stringify(run, null, 2) : describeRun(run));
      return 0;
    });
  },
};

function curveTable(metrics: MetricPoint[]): string {
  const rows = metrics.map((m) => `  ${String(m.step).padStart(6)}  ${fmt(m.loss).padStart(8)}  ${fmt(m.evalLoss).padStart(9)}  ${m.learningRate === null ? '-'.padStart(10) : m.learningRate.toExponential(2).padStart(10)}  ${fmt(m.gradNorm, 3).padStart(9)}`);
  return ['    step      loss  eval_loss          lr  grad_norm', ...rows].join('\n');
}

export const runsCommand: CommandSpec = {
  name: 'runs',
  summary: 'List runs, or show one with its curves',
  usage: 'sqlora runs [list | show ID | export ID OUTDIR] [--json] [--data-dir DIR]',
  options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    const [action = 'list', id, outDir] = positionals;
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      if (action === 'list') {
        const runs = await callHandler(backend, 'runs.list', {});
        if (values.json) console.log(JSON.stringify(runs, null, 2));
        else if (!runs.length) console.log('No runs yet. Train one (sqlora train) or import one (sqlora import-run DIR).');
        else for (const run of runs) console.log(`${String(run.id).padStart(4)}  ${run.status.padEnd(11)} ${run.kind.padEnd(8)} best eval_loss ${fmt(run.summary?.bestEvalLoss)}  ${run.name}`);
        return 0;
      }
      if (action === 'show') {
        const runId = Number(id);
        if (!Number.isInteger(runId)) throw new UsageError('runs show needs a run id');
        const { run, metrics } = await callHandler(backend, 'runs.get', { id: runId });
        console.log(values.json ? JSON.stringify({ run, metrics }, null, 2) : `${describeRun(run)}\n\n${curveTable(metrics)}`);
        return 0;
      }
      if (action === 'export') {
        const runId = Number(id);
        if (!Number.isInteger(runId) || !outDir) throw new UsageError('runs export needs a run id and an output folder');
        const result = await callHandler(backend, 'runs.exportResults', { id: runId, outDir });
        console.log(values.json ? JSON.stringify(result, null, 2) : `Wrote ${result.files.join(', ')} to ${result.outDir}`);
        return 0;
      }
      throw new UsageError(`unknown action "${action}"`);
    });
  },
};
