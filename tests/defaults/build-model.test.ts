import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultModel, copyCorpus, DEFAULT_MODEL_RECIPE, GPU_MODEL_RECIPE } from '../../src-main/defaults/default-model';
import { initBackend } from '../../src-main/engine/backend';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { generate } from '../../src-main/model/generate';
import { ChatTokenizer } from '../../src-main/model/tokenizer';

/**
 * `npm run build:default-model` at a tiny scale: the folder it writes is a Gemma 3 model
 * the normal loader and tokenizer read, shaped as the recipe says (key/value heads
 * included), and a second build with the same recipe writes the same bytes.
 */
const recipe = { ...DEFAULT_MODEL_RECIPE, documents: 120, syntheticDomains: 40, vocabSize: 400, lexiconWeight: 2, chatShare: 0.25, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 2, headDim: 16, steps: 6, batchSize: 2, seqLen: 128, copySteps: 4 };

describe('building the default model', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'sqlora-build-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a loadable Gemma 3 folder of the recipe, reproducibly', async () => {
    const lines: string[] = [];
    const report = await buildDefaultModel(join(dir, 'a'), recipe, (l) => lines.push(l));
    await buildDefaultModel(join(dir, 'b'), recipe);
    for (const file of ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'config.json']) {
      expect(readFileSync(join(dir, 'a', file)).equals(readFileSync(join(dir, 'b', file))), file).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dir, 'a', 'config.json'), 'utf8'));
    expect([config.model_type, config.vocab_size, config.num_key_value_heads, config.num_attention_heads, config.head_dim]).toEqual(['gemma3_text', 400, 2, 2, 16]);
    expect(JSON.parse(readFileSync(join(dir, 'a', 'build.json'), 'utf8')).recipe).toEqual(recipe);
    expect(Number.isFinite(report.finalLoss) && Number.isFinite(report.heldOutAnswerLoss)).toBe(true);
    expect(lines.some((l) => /^step 6\/6 loss \d/.test(l))).toBe(true);
    // The copy warm-up runs first, then the SQL corpus.
    expect(lines.findIndex((l) => l.startsWith('copy step 4/4 loss'))).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => l.startsWith('copy step 4/4'))).toBeLessThan(lines.findIndex((l) => l.startsWith('step 6/6')));

    const model = Gemma3Model.load(join(dir, 'a'));
    const tokenizer = ChatTokenizer.load(join(dir, 'a'));
    const out = await generate(model, [tokenizer.encode('-- How many rows?\nSELECT')], { maxNewTokens: 4 });
    expect(out.tokens[0].length).toBeGreaterThan(0);
    expect(out.tokens[0].every((t) => Number.isInteger(t) && t >= 0 && t < 400)).toBe(true);
    expect(typeof tokenizer.decode(out.tokens[0])).toBe('string');
    model.dispose();
  }, 120_000);

  it('the GPU recipe differs from the shipped one only in scale and what the CPU pilots favoured', () => {
    const changed = Object.keys(GPU_MODEL_RECIPE).filter((k) => GPU_MODEL_RECIPE[k as keyof typeof GPU_MODEL_RECIPE] !== DEFAULT_MODEL_RECIPE[k as keyof typeof DEFAULT_MODEL_RECIPE]);
    expect(changed.sort()).toEqual(['batchSize', 'documents', 'numKvHeads', 'steps', 'syntheticDomains']);
  });

  it("the copy warm-up's documents repeat their tokens after the separator, and only the repeat (and <eos>) is a target", () => {
    const { stream, docStarts, answerMask } = copyCorpus({ ...DEFAULT_MODEL_RECIPE, copySteps: 10 });
    expect(docStarts.length).toBe(Math.ceil((10 * 4 * 128) / 38));
    for (let d = 0; d < 20; d++) {
      const end = d + 1 < docStarts.length ? docStarts[d + 1] : stream.length;
      const doc = Array.from(stream.subarray(docStarts[d], end));
      const n = (doc.length - 3) / 2;
      expect([doc[0], doc[n + 1], doc[doc.length - 1]]).toEqual([2, 3, 1]);
      expect(doc.slice(n + 2, -1)).toEqual(doc.slice(1, n + 1));
      expect(doc.slice(1, n + 1).every((t) => t >= 6 && t < DEFAULT_MODEL_RECIPE.vocabSize)).toBe(true);
      expect(Array.from(answerMask.subarray(docStarts[d], end))).toEqual([...new Array(n + 2).fill(0), ...new Array(n + 1).fill(1)]);
    }
  });
});

describe('npm run build:default-model', () => {
  it('refuses a step count that is not a whole number, an unknown recipe or backend, naming the variable, before it trains', async () => {
    const script = join(import.meta.dirname, '../../scripts/build-default-model.ts');
    const cases = [
      ['SQLORA_MODEL_STEPS', 'abc', 'must be a whole number'],
      ['SQLORA_MODEL_STEPS', '0', 'must be a whole number'],
      ['SQLORA_MODEL_COPY_STEPS', '1.5', 'must be a whole number'],
      ['SQLORA_MODEL_RECIPE', 'gpu2', 'must be one of default, gpu'],
      ['SQLORA_MODEL_BACKEND', 'metal', 'must be one of webgpu, tensorflow, wasm, cpu'],
    ];
    for (const [name, value, message] of cases) {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const env = { ...process.env, [name]: value, SQLORA_MODEL_OUT: join(tmpdir(), 'sqlora-never-written') };
        execFile(process.execPath, ['--import', 'tsx', script], { env }, (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }));
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${name} ${message}`);
      expect(result.stderr).toContain(`"${value}"`);
    }
  }, 60_000);
});
