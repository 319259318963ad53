import { readFileSync } from 'node:fs';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

/** `sqlora generate`: ask a model (and adapter) for the SQL of one question. */
export const generateCommand: CommandSpec = {
  name: 'generate',
  summary: 'Generate SQL for a question and a schema',
  usage: 'sqlora generate --model DIR [--adapter DIR] --question TEXT (--context TEXT | --context-file FILE) [--temperature T] [--top-p P] [--max-new-tokens N] [--seed N] [--json] [--data-dir DIR]',
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    question: { type: 'string' },
    context: { type: 'string' },
    'context-file': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'max-new-tokens': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  },
  async run({ values }) {
    if (!values.model) throw new UsageError('--model is required');
    if (!values.question) throw new UsageError('--question is required');
    const context = values['context-file'] ? readFileSync(values['context-file'] as string, 'utf8') : ((values.context as string | undefined) ?? '');
    const num = (key: string) => (values[key] === undefined ? undefined : Number(values[key]));
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const result = await callHandler(backend, 'generate.sql', {
        modelPath: values.model as string,
        adapterPath: (values.adapter as string | undefined) ?? null,
        question: values.question as string,
        context,
        temperature: num('temperature'),
        topP: num('top-p'),
        maxNewTokens: num('max-new-tokens'),
        seed: num('seed'),
      });
      console.log(values.json ? JSON.stringify(result, null, 2) : `${result.text}\n\n(${result.tokens} tokens, ${result.finish}, ${result.tokensPerS.toFixed(1)} tokens/s)`);
      return 0;
    });
  },
};
