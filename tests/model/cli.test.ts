import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { sqlora } from '../helpers/cli';
import { fixture, haveFixtures } from '../helpers/fixtures';


let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlora-cli-model-'));
  writeTinyGemma3(join(dir, 'model'), { hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 16, slidingWindow: 16 }, 3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model commands', () => {
  it.skipIf(!haveFixtures)("adapter info --json describes the seed's adapter against Gemma-3-1b (745,472 parameters)", async () => {
    const { code, stdout } = await sqlora(['adapter', 'info', fixture('seed-run', 'adapter-r4'), '--json']);
    expect(code).toBe(0);
    const info = JSON.parse(stdout);
    expect(info).toMatchObject({ r: 4, alpha: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], parameterCount: 745472, validatedAgainst: 'google/gemma-3-1b-it' });
    expect(info.layers).toHaveLength(26);
  });

  it.skipIf(!haveFixtures)('adapter info against the wrong base exits 1 naming the key', async () => {
    const { code, stderr } = await sqlora(['adapter', 'info', fixture('seed-run', 'adapter-r4'), '--base', 'google/gemma-3-270m']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/adapter_model\.safetensors \[base_model\.model\.model\.layers\.\d+\..+\]: .*(does not exist|does not fit)/);
  });

  it('generate runs the model through the engine process and returns its text and speed', async () => {
    const { code, stdout, stderr } = await sqlora(['generate', '--model', join(dir, 'model'), '--question', 'How many rows?', '--context', 'CREATE TABLE t (a INT);', '--max-new-tokens', '5', '--json', '--data-dir', join(dir, 'data')]);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.tokens).toBeLessThanOrEqual(5);
    expect(typeof result.text).toBe('string');
    expect(result.tokensPerS).toBeGreaterThan(0);
  });

  it('generate with a folder that is not a model names the missing file', async () => {
    const { code, stderr } = await sqlora(['generate', '--model', dir, '--question', 'q', '--context', '', '--data-dir', join(dir, 'data')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/tokenizer\.json: not found/);
  });
});
