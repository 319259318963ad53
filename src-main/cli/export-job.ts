import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SEED_RECIPE, type TrainConfig } from '../train/config';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

/** A config file: the seed's recipe under what the file sets, like `sqlora train --config`. */
function readConfigFile(path: string): TrainConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not a readable JSON config (${(error as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${path} must hold a JSON object (a training config)`);
  const config = { ...SEED_RECIPE, ...(raw as Partial<TrainConfig>) } as TrainConfig;
  // A relative model folder is relative to where the command runs; the contract reports a missing one.
  if (typeof config.modelPath === 'string' && config.modelPath) config.modelPath = resolve(config.modelPath);
  return config;
}

export const exportJobCommand: CommandSpec = {
  name: 'export-job',
  summary: 'Export a run (or a config) as a transformers + PEFT + accelerate job folder',
  usage: 'sqlora export-job RUN_ID|CONFIG.json OUTDIR [--base-model ID_OR_PATH] [--json] [--data-dir DIR]',
  options: { 'base-model': { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 2) throw new UsageError('give a run id or a config file, and an output folder');
    const [source, outDir] = positionals;
    const byRun = /^\d+$/.test(source);
    if (!byRun && !existsSync(source)) throw new UsageError(`${source} is neither a run id nor an existing config file`);
    const target = byRun ? { runId: Number(source) } : { config: readConfigFile(resolve(source)) };
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const result = await callHandler(backend, 'runs.exportJob', {
        ...target,
        outDir: resolve(outDir),
        baseModel: values['base-model'] as string | undefined,
      });
      if (values.json) {
        console.log(JSON.stringify(result, null, 2));
        return 0;
      }
      const count = (c: typeof result.train) => `${c.examples} examples${c.dropped ? `, ${c.dropped} too long left out` : ''}${c.truncated ? `, ${c.truncated} cut` : ''}`;
      console.log(
        [
          `Exported the job to ${result.outDir}`,
          `  train: ${count(result.train)}; validation: ${count(result.validation)}`,
          `  files: ${result.files.join(', ')}`,
          '',
          `Run it (see ${resolve(result.outDir, 'README.md')}):`,
          `  cd ${result.outDir} && pip install -r requirements.txt`,
          '  accelerate launch --config_file accelerate/single-node-ddp.yaml --num_processes 8 train.py --output_dir out',
          `Then import the result: sqlora import-run ${resolve(result.outDir, 'out')}`,
        ].join('\n'),
      );
      return 0;
    });
  },
};
