import type { MemoryFit, ModelPreset, ModelSummary } from '../api/contract';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';
import { follow } from './dataset';

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
/** The chosen backend's verdict, or every backend's while 'auto' has not picked one. */
const fit = (m: MemoryFit) =>
  `LoRA training needs ${gb(m.neededBytes)} with float32 weights: ${(m.chosen ? m.backends.filter((b) => b.backend === m.chosen) : m.backends).map((b) => `${b.fits ? 'fits' : 'too big for'} ${b.backend} (${gb(b.neededBytes)} of ${gb(b.limitBytes)})`).join(', ')}`;
const line = (m: ModelSummary) =>
  `${String(m.id).padStart(3)}  ${m.name}  (${m.source}${m.hubId && m.hubId !== m.name ? ` ${m.hubId}` : ''}; ${m.layers} layers, hidden ${m.hiddenSize}, vocab ${m.vocabSize.toLocaleString('en-US')}, ${(m.parameters / 1e6).toFixed(1)}M parameters${m.dtype ? ` ${m.dtype}` : ''}, ${gb(m.diskBytes)} on disk)\n     ${fit(m.memory)}\n     ${m.path}`;
const presetLine = (p: ModelPreset) =>
  `${p.id}  ${p.title}\n     ${(p.parameters / 1e6).toFixed(0)}M parameters, about ${gb(p.downloadBytes)} to download${p.registeredId !== null ? `, registered as model ${p.registeredId}` : p.cachedPath ? ', in your Hugging Face cache' : ''}\n     ${fit(p.memory)}\n     ${p.licence}`;

/** `sqlora model list|presets|add|discover|download|remove|token`. */
export const modelCommand: CommandSpec = {
  name: 'model',
  summary: 'List, add, find in the Hugging Face cache, download and remove base models; the presets and where the Hub token comes from',
  usage: 'sqlora model list | presets | add DIR [--name NAME] | discover | download ORG/NAME [--revision REV] | remove ID | token  [--json] [--data-dir DIR]',
  options: { name: { type: 'string' }, revision: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    const [action = 'list', arg] = positionals;
    const json = Boolean(values.json);
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      if (action === 'list') {
        const models = await callHandler(backend, 'models.list', {});
        console.log(json ? JSON.stringify(models, null, 2) : models.length ? models.map(line).join('\n') : 'No models registered. Add a folder (sqlora model add DIR) or download one (sqlora model download google/gemma-3-270m-it).');
        return 0;
      }
      if (action === 'presets') {
        const presets = await callHandler(backend, 'models.presets', {});
        console.log(json ? JSON.stringify(presets, null, 2) : presets.map(presetLine).join('\n'));
        return 0;
      }
      if (action === 'token') {
        // Only where it comes from: the CLI cannot read the token the app saved (it has no keychain), nor print any.
        const status = await callHandler(backend, 'models.tokenStatus', {});
        const unreadable = status.storedUnreadable ? ' (the token saved in the app is encrypted with its keychain and is skipped here)' : '';
        console.log(json ? JSON.stringify(status, null, 2) : `${status.source ? `Hugging Face token from ${status.source}` : 'No Hugging Face token: set $HF_TOKEN or run huggingface-cli login'}${unreadable}.`);
        return 0;
      }
      if (action === 'add') {
        if (!arg) throw new UsageError('model add needs a folder');
        const model = await callHandler(backend, 'models.add', { path: arg, name: values.name as string | undefined });
        console.log(json ? JSON.stringify(model, null, 2) : `Added\n${line(model)}`);
        return 0;
      }
      if (action === 'discover') {
        const found = await callHandler(backend, 'models.discover', {});
        console.log(json ? JSON.stringify(found, null, 2) : found.length ? found.map((m) => `${m.id}@${m.revision.slice(0, 8)}  ${m.unsupported ?? 'usable'}\n     ${m.path}`).join('\n') : 'No models in the Hugging Face cache.');
        return 0;
      }
      if (action === 'download') {
        if (!arg) throw new UsageError('model download needs a Hub id such as google/gemma-3-1b-it');
        const job = await follow(backend, await callHandler(backend, 'models.download', { id: arg, revision: values.revision as string | undefined }));
        if (job.status !== 'completed') {
          console.error(`sqlora model download: ${job.status}${job.error ? `: ${job.error}` : ''}`);
          return 1;
        }
        console.log(json ? JSON.stringify(job.result, null, 2) : `Downloaded ${arg} to ${(job.result as { path: string }).path}`);
        return 0;
      }
      if (action === 'remove') {
        const id = Number(arg);
        if (!Number.isInteger(id)) throw new UsageError('model remove needs a model id');
        await callHandler(backend, 'models.remove', { id });
        console.log(`Removed model ${id} (its files were left in place).`);
        return 0;
      }
      throw new UsageError(`unknown action "${action}"`);
    });
  },
};
