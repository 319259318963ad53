import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { apiCaller, tempBackend } from '../helpers/backend';

/** generate.sql with a streamId: the text so far arrives as events while the engine writes. */
const backend = tempBackend();
const call = apiCaller(backend);
const modelDir = join(backend.dataDir, 'tiny-model');
writeTinyGemma3(modelDir, { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 32 }, 11);
afterAll(() => backend.cleanup());

describe('generate.sql streaming', () => {
  it('emits growing text before the answer, ending with the answer; other ids and plain calls get nothing', async () => {
    const seen: { id: string; text: string; answered: boolean }[] = [];
    let answered = false;
    const off = backend.bus.subscribe((event, payload) => {
      if (event === 'generate.token') {
        const { streamId, text } = payload as { streamId: string; text: string };
        seen.push({ id: streamId, text, answered });
      }
    });
    const input = { modelPath: modelDir, adapterPath: null, question: 'How many pets?', context: 'CREATE TABLE pets (id INT);', maxNewTokens: 12 };
    const result = await call('generate.sql', { ...input, streamId: 'play-1' });
    answered = true;
    await call('generate.sql', input);
    off();
    expect(result.tokens).toBeGreaterThan(1);
    expect(seen.every((s) => s.id === 'play-1')).toBe(true);
    // One event per new token, each before the call returned, each extending the last.
    expect(seen.length).toBe(result.tokens);
    expect(seen.every((s) => !s.answered)).toBe(true);
    seen.slice(1).forEach((s, i) => expect(s.text.startsWith(seen[i].text.trimEnd())).toBe(true));
    expect(seen.at(-1)!.text).toBe(result.text);
  }, 60_000);
});
