import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadGemma3Config } from '../model/config';
import { knownConfig, knownModelIds } from '../model/known-models';
import { type AdapterInfo, describeAdapter } from '../model/lora';
import { type CommandSpec, UsageError } from './command';

/** `sqlora adapter info DIR`: what a PEFT LoRA adapter is, checked against its base model's shapes. */
export const adapterCommand: CommandSpec = {
  name: 'adapter',
  summary: 'Describe a PEFT LoRA adapter and check it against its base model',
  usage: 'sqlora adapter info DIR [--base MODEL_DIR | --base google/gemma-3-1b-it] [--json]',
  options: { base: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [sub, dir] = positionals;
    if (sub !== 'info' || !dir || positionals.length !== 2) throw new UsageError('use: adapter info DIR');
    const info = describeAdapter(dir, resolveBase((values.base as string | undefined) ?? null, dir));
    console.log(values.json ? JSON.stringify(info, null, 2) : formatInfo(info));
    return 0;
  },
};

/**
 * The configuration to validate against: a model folder, a known Hub id, or (when
 * none is given) the adapter's own base_model_name_or_path if it is a known id.
 */
function resolveBase(base: string | null, adapterDir: string): { config: ReturnType<typeof loadGemma3Config>; name: string } | null {
  if (base && existsSync(join(base, 'config.json'))) return { config: loadGemma3Config(base), name: base };
  if (base) {
    const config = knownConfig(base);
    if (!config) throw new UsageError(`--base ${base}: not a model folder (no config.json) nor a known model (${knownModelIds().join(', ')})`);
    return { config, name: base };
  }
  const declared = describeAdapter(adapterDir).baseModel;
  const config = declared ? knownConfig(declared) : null;
  return config && declared ? { config, name: declared } : null;
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
