import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../api/contract';
import { DEMO_SCALE, demoTable, runDemo } from '../defaults/demo';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

/** `sqlora demo`: the seed's experiment on the embedded defaults, end to end. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: "Replay the seed's experiment on the built-in dataset and model (baseline + LoRA r 4/8/16, evaluated by execution)",
  usage: 'sqlora demo [--quick] [--json] [--model DIR] [--data-dir DIR]\n  --model DIR: the same experiment on another base model folder (default: the built-in one)',
  options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, model: { type: 'string' }, 'data-dir': { type: 'string' } },
  async run({ values }) {
    const quick = Boolean(values.quick);
    const model = values.model as string | undefined;
    if (model !== undefined && !existsSync(resolve(model))) throw new UsageError(`--model ${model}: no such folder`);
    const log = (line: string) => console.error(line);
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      let defaults = await callHandler(backend, 'app.defaults', {});
      if (defaults.importJobId) {
        log('importing the default dataset...');
        await backend.jobs.wait(defaults.importJobId);
        defaults = await callHandler(backend, 'app.defaults', {});
      }
      if (!model && !defaults.modelPath) throw new ApiError('not_found', 'The embedded model is missing (resources/models). Build it with npm run build:default-model.');
      if (defaults.datasetId === null) throw new ApiError('not_found', 'The default dataset could not be imported (resources/datasets/default).');
      // A folder the user names is checked (config, weights, tokenizer) and registered before an hour of work starts.
      const modelPath = model ? (await callHandler(backend, 'models.add', { path: resolve(model) })).path : defaults.modelPath!;
      const result = await runDemo(
        backend,
        {
          modelPath,
          builtInModel: !model,
          datasetId: defaults.datasetId,
          ranks: [4, 8, 16],
          maxSteps: quick ? 2 : DEMO_SCALE.maxSteps,
          evalSteps: quick ? 1 : DEMO_SCALE.evalSteps,
          evalLimit: quick ? 4 : DEMO_SCALE.evalLimit,
          testLimit: quick ? 4 : DEMO_SCALE.testLimit,
          maxNewTokens: quick ? 16 : DEMO_SCALE.maxNewTokens,
        },
        log,
      );
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`${demoTable(result.rows)}\n\n${result.reading}\n\nTotal ${(result.seconds / 60).toFixed(1)} min.`);
      return 0;
    });
  },
};
