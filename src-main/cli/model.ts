import type { ModelSummary } from '../api/contract';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';
import { follow } from './dataset';

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const line = (m: ModelSummary) => `${String(m.id).padStart(3)}  ${m.name}  (${m.source}; ${m.layers} layers, hidden ${m.hiddenSize}, vocab ${m.vocabSize.toLocaleString('en-US')}, ${(m.parameters / 1e6).toFixed(1)}M parameters, ${gb(m.diskBytes)} on disk${m.fitsWasm ? '' : ', needs a GPU backend to train'})\n     ${m.path}`;

/** `sqlora model list|add|discover|download|remove`. */
export const modelCommand: CommandSpec = {
  name: 'model',
  summary: 'List, add, find in the Hugging Face cache, download and remove base models',
  usage: 'sqlora model list | add DIR [--name NAME] | discover | download ORG/NAME [--revision REV] | remove ID  [--json] [--data-dir DIR]',
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
