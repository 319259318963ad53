import { type AdapterInfo, ApiError } from '../api/contract';
import { describeAdapter } from '../model/lora';
import { resolveAdapterBase } from '../models';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

/**
 * `sqlora adapter info DIR`: what a PEFT LoRA adapter is, checked against its base model's shapes.
 * `sqlora adapter import DIR`: the same checks, then it is registered (by path) under its base model.
 * `sqlora adapter list`: adapters per base model, trained here or imported.
 */
export const adapterCommand: CommandSpec = {
  name: 'adapter',
  summary: 'Describe, import and list PEFT LoRA adapters, checked against their base model',
  usage: [
    'sqlora adapter info DIR [--base MODEL_DIR | --base google/gemma-3-1b-it] [--json]',
    'sqlora adapter import DIR [--base MODEL_ID | NAME | MODEL_DIR | google/gemma-3-1b-it] [--name NAME] [--json] [--data-dir DIR]',
    'sqlora adapter list [--json] [--data-dir DIR]',
  ].join('\n       '),
  options: { base: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    const [sub, dir] = positionals;
    const json = Boolean(values.json);
    const base = values.base as string | undefined;
    if (sub === 'info' && dir && positionals.length === 2) {
      const info = describeAdapter(dir, base ? resolveAdapterBase(base, []) : declaredBase(dir));
      console.log(json ? JSON.stringify(info, null, 2) : formatInfo(info));
      return 0;
    }
    if (sub === 'import' && dir && positionals.length === 2) {
      return withBackend(values['data-dir'] as string | undefined, async (backend) => {
        const record = await callHandler(backend, 'adapters.import', { path: dir, base, name: values.name as string | undefined });
        console.log(json ? JSON.stringify(record, null, 2) : `Imported adapter ${record.id} (${record.name}) for ${record.baseModel}${record.modelId !== null ? ` (model ${record.modelId})` : ''}\n${formatInfo(record.info!)}`);
        return 0;
      });
    }
    if (sub === 'list' && positionals.length === 1) {
      return withBackend(values['data-dir'] as string | undefined, async (backend) => {
        const adapters = await callHandler(backend, 'adapters.list', {});
        if (json) console.log(JSON.stringify(adapters, null, 2));
        else if (!adapters.length) console.log('No adapters yet: train one (sqlora train) or import a PEFT folder (sqlora adapter import DIR).');
        else {
          const bases = [...new Set(adapters.map((a) => a.baseModel))];
          for (const baseModel of bases) {
            console.log(baseModel ?? 'base model not recorded');
            for (const a of adapters.filter((x) => x.baseModel === baseModel)) console.log(`${String(a.id).padStart(5)}  ${a.name}  (${a.source}${a.runName ? `, run ${a.runId} ${a.runName}` : ''}) ${a.info ? `r ${a.info.r}, alpha ${a.info.alpha}, ${a.info.targets.join('/')}` : `- ${a.problem}`}\n       ${a.path}`);
          }
        }
        return 0;
      });
    }
    throw new UsageError('use: adapter info DIR, adapter import DIR [--base MODEL], or adapter list');
  },
};

/** Without --base: the adapter's own base_model_name_or_path when it is a model folder or a known id. */
function declaredBase(dir: string): ReturnType<typeof resolveAdapterBase> | null {
  const declared = describeAdapter(dir).baseModel;
  if (!declared) return null;
  try {
    return resolveAdapterBase(declared, []);
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}

function formatInfo(info: AdapterInfo): string {
  return [
    `LoRA adapter ${info.dir}`,
    `  rank r ${info.r}, alpha ${info.alpha} (scale ${info.scale}${info.useRslora ? ', rsLoRA' : ''}), dropout ${info.dropout}`,
    `  targets ${info.targets.join(', ')} on ${info.layers.length} layers (${info.layers[0]}-${info.layers[info.layers.length - 1]})`,
    `  ${info.parameterCount.toLocaleString('en-US')} parameters in ${info.tensorCount} tensors`,
    `  base model ${info.baseModel ?? 'not recorded'}; ${info.validatedAgainst ? `shapes match ${info.validatedAgainst}` : 'shapes not checked against a base model (give --base)'}`,
    ...(info.peftVersion ? [`  written by PEFT ${info.peftVersion}`] : []),
  ].join('\n');
}
