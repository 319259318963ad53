import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdapterRecord, ModelPreset, ModelSummary } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
import { main } from '../../src-main/cli';
import { spawnNodeEngine } from '../../src-main/engine/host';
import { gemmaTokenizerDir } from '../../src-main/data/tokenizer';
import { type Gemma3Config, loadGemma3Config, parseGemma3Config } from '../../src-main/model/config';
import { knownConfig } from '../../src-main/model/known-models';
import { peftKey } from '../../src-main/model/lora';
import { writeSafetensors } from '../../src-main/model/safetensors';
import { gemma3ConfigJson, type TinyShape, writeTinyGemma3 } from '../../src-main/model/tiny-model';
import { type Projection, projectionShape } from '../../src-main/model/weights';
import { memoryFit, trainingEstimate } from '../../src-main/models';
import { createRun } from '../../src-main/runs';
import { nowIso } from '../../src-main/store';
import { type Backend, createBackend } from '../../src-main/services';
import { fixture, haveFixtures } from '../helpers/fixtures';

/**
 * The registry around base models: presets and memory fit, folders from a Hugging
 * Face cache in Python's layout, and LoRA adapters per base model (trained here,
 * imported with a Trainer run, or imported as PEFT folders).
 */
const SHAPE: TinyShape = { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 8, slidingWindow: 8 };
const SNAPSHOT = 'd'.repeat(40);
let root: string;
let modelDir: string;
let cacheDir: string;
let snapshot: string;
const saved = { HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_ENDPOINT: process.env.HF_ENDPOINT };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sqlora-registry-'));
  modelDir = join(root, 'small');
  writeTinyGemma3(modelDir, SHAPE, 11);
  // The same model as Python's huggingface_hub leaves it: blobs, and a snapshot of links to them.
  cacheDir = join(root, 'hf-cache');
  const repo = join(cacheDir, 'models--google--gemma-3-270m-it');
  snapshot = join(repo, 'snapshots', SNAPSHOT);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  for (const [i, f] of readdirSync(modelDir).entries()) {
    copyFileSync(join(modelDir, f), join(repo, 'blobs', `blob${i}`));
    symlinkSync(join('..', '..', 'blobs', `blob${i}`), join(snapshot, f));
  }
  process.env.HF_HUB_CACHE = cacheDir;
  delete process.env.HF_ENDPOINT;
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});

let backend: Backend | null = null;
afterEach(async () => {
  await backend?.close();
  backend = null;
});
const start = () => (backend = createBackend({ dataDir: mkdtempSync(join(root, 'data-')), transport: 'http', spawnEngine: spawnNodeEngine }));
const value = async <T,>(method: string, input: unknown = {}): Promise<T> => {
  const r = await dispatch(backend!.handlers, method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
};
const failure = async (method: string, input: unknown) => {
  const r = await dispatch(backend!.handlers, method, input);
  if (r.ok) throw new Error(`${method} should have failed`);
  return r.error;
};

/** A PEFT LoRA folder for `config` (A is [r, in], B is [out, r]), as PEFT's save_pretrained writes it. */
function writeAdapter(dir: string, config: Gemma3Config, options: { r: number; alpha: number; targets: Projection[]; base: string | null }): string {
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const p of options.targets) {
      const [out, inp] = projectionShape(config, p);
      tensors[peftKey(layer, p, 'A')] = { shape: [options.r, inp], data: new Float32Array(options.r * inp).fill(0.01) };
      tensors[peftKey(layer, p, 'B')] = { shape: [out, options.r], data: new Float32Array(out * options.r).fill(0.02) };
    }
  }
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  const peft = { peft_type: 'LORA', r: options.r, lora_alpha: options.alpha, lora_dropout: 0.05, target_modules: options.targets, base_model_name_or_path: options.base, task_type: 'CAUSAL_LM' };
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(peft));
  return dir;
}

describe('presets and memory fit', () => {
  it("judges each backend's memory: the wasm heap the engine allows, three quarters of the machine otherwise", () => {
    const fit = memoryFit({ totalBytes: 5e9, weightsBytes: 4e9 }, null, 16e9);
    expect(fit).toEqual({
      neededBytes: 5e9,
      weightsBytes: 4e9,
      chosen: null,
      backends: [
        // webgpu holds the frozen weights as float16: 5 - 4 / 2 GB.
        { backend: 'webgpu', neededBytes: 3e9, limitBytes: 12e9, fits: true },
        { backend: 'tensorflow', neededBytes: 5e9, limitBytes: 12e9, fits: true },
        { backend: 'wasm', neededBytes: 5e9, limitBytes: 3.51e9, fits: false },
        { backend: 'cpu', neededBytes: 5e9, limitBytes: 12e9, fits: true },
      ],
    });
    // A model whose float32 weights overflow the machine can still fit webgpu.
    expect(memoryFit({ totalBytes: 14e9, weightsBytes: 8e9 }, null, 16e9).backends.map((b) => [b.backend, b.fits])).toEqual([
      ['webgpu', true],
      ['tensorflow', false],
      ['wasm', false],
      ['cpu', false],
    ]);
    // Gemma-3-1b: 999,885,952 parameters held as float32, plus training state and activations.
    const estimate = trainingEstimate(knownConfig('google/gemma-3-1b-it')!);
    expect(estimate.weightsBytes).toBe(999_885_952 * 4);
    expect(estimate.totalBytes).toBeGreaterThan(estimate.weightsBytes);
  });

  it('offers gemma-3-1b-it and gemma-3-270m-it with size, licence page and fit, and finds them in the cache', async () => {
    start();
    await value('settings.set', { backend: 'wasm' });
    let presets = await value<ModelPreset[]>('models.presets');
    expect(presets.map((p) => [p.id, p.parameters, p.downloadBytes, p.licenceUrl])).toEqual([
      ['google/gemma-3-1b-it', 999_885_952, 1_999_771_904, 'https://huggingface.co/google/gemma-3-1b-it'],
      ['google/gemma-3-270m-it', 268_098_176, 536_196_352, 'https://huggingface.co/google/gemma-3-270m-it'],
    ]);
    expect(presets[0].licence).toBe(
      'Gemma Terms of Use (https://ai.google.dev/gemma/terms). Gated: open https://huggingface.co/google/gemma-3-1b-it, log in with the account your token belongs to and accept the licence before downloading.',
    );
    // Judged against the backend chosen in Settings: the 1B's float32 weights alone pass the wasm heap.
    expect(presets[0].memory.chosen).toBe('wasm');
    expect(presets[0].memory.backends.find((b) => b.backend === 'wasm')).toEqual({ backend: 'wasm', neededBytes: presets[0].memory.neededBytes, limitBytes: 3.51e9, fits: false });
    expect(presets[1].memory.weightsBytes).toBe(268_098_176 * 4);
    expect(presets.map((p) => [p.cachedPath, p.registeredId])).toEqual([
      [null, null],
      [snapshot, null],
    ]);

    // Added from the cache: recognised as a snapshot of its Hub repo, with the storage type of its weights.
    const model = await value<ModelSummary>('models.add', { path: snapshot });
    expect(model).toMatchObject({ source: 'hf-cache', hubId: 'google/gemma-3-270m-it', dtype: 'F32', layers: 2, hiddenSize: 16, path: snapshot });
    expect(model.memory.chosen).toBe('wasm');
    presets = await value<ModelPreset[]>('models.presets');
    expect(presets[1].registeredId).toBe(model.id);
  });

  it("without a backend chosen yet ('auto', engine not started) every backend is judged", async () => {
    start();
    const model = await value<ModelSummary>('models.add', { path: modelDir });
    expect(model).toMatchObject({ source: 'local', hubId: null, dtype: 'F32' });
    expect(model.memory.chosen).toBeNull();
    expect(model.memory.backends.map((b) => [b.backend, b.fits])).toEqual([
      ['webgpu', true],
      ['tensorflow', true],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(model.memory.weightsBytes).toBe(model.parameters * 4);
  });
});

describe('adapters per base model', () => {
  it('imports a PEFT folder against a registered model and refuses broken ones with the file at fault', async () => {
    start();
    const model = await value<ModelSummary>('models.add', { path: modelDir });
    const config = loadGemma3Config(modelDir);
    const good = writeAdapter(join(root, 'adapters', 'good'), config, { r: 2, alpha: 8, targets: ['q_proj', 'v_proj'], base: null });

    const imported = await value<AdapterRecord>('adapters.import', { path: good, base: String(model.id) });
    expect(imported).toMatchObject({ name: 'good', path: good, source: 'imported', runId: null, modelId: model.id, baseModel: 'small', problem: null });
    expect(imported.info).toMatchObject({ r: 2, alpha: 8, scale: 4, targets: ['q_proj', 'v_proj'], layers: [0, 1], validatedAgainst: 'small' });
    // q: [16 in -> 16 out], v: [16 -> 8]; r 2 each side, 2 layers.
    expect(imported.info!.parameterCount).toBe(2 * (2 * 16 + 16 * 2 + 2 * 16 + 8 * 2));
    // Importing it again updates the same entry.
    expect((await value<AdapterRecord>('adapters.import', { path: good, base: 'small', name: 'other name' })).id).toBe(imported.id);

    const noConfig = join(root, 'adapters', 'no-config');
    cpSync(good, noConfig, { recursive: true });
    rmSync(join(noConfig, 'adapter_config.json'));
    expect(await failure('adapters.import', { path: noConfig, base: 'small' })).toEqual({
      code: 'invalid_input',
      message: `adapter_config.json: not found in ${noConfig} (a PEFT adapter folder has adapter_config.json and adapter_model.safetensors)`,
      details: { file: join(noConfig, 'adapter_config.json'), key: null },
    });
    const noWeights = join(root, 'adapters', 'no-weights');
    cpSync(good, noWeights, { recursive: true });
    rmSync(join(noWeights, 'adapter_model.safetensors'));
    expect((await failure('adapters.import', { path: noWeights, base: 'small' })).message).toBe(`adapter_model.safetensors: not found in ${noWeights}`);

    // Trained for a wider model: its shapes do not fit this base.
    const wide = parseGemma3Config(gemma3ConfigJson({ ...SHAPE, hiddenSize: 32 }, { vocabSize: 262_144, eosTokenIds: [1] }));
    const wrong = writeAdapter(join(root, 'adapters', 'wide'), wide, { r: 2, alpha: 8, targets: ['q_proj'], base: null });
    const error = await failure('adapters.import', { path: wrong, base: String(model.id) });
    expect(error.message).toBe('adapter_model.safetensors [base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight]: shape [2, 32] does not fit small: q_proj takes 16 inputs');
    expect(error.details).toEqual({ file: join(wrong, 'adapter_model.safetensors'), key: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' });
    // No base given and none recorded.
    expect((await failure('adapters.import', { path: good })).message).toMatch(/does not record its base model \(base_model_name_or_path\)/);
    expect((await failure('adapters.import', { path: good, base: 'google/gemma-9' })).message).toMatch(/^Base model "google\/gemma-9" is not a registered model/);
    expect(await value<AdapterRecord[]>('adapters.list')).toHaveLength(1);
  });

  it("lists runs' best adapters and imported ones under their base model, and flags a folder that moved", async () => {
    start();
    const model = await value<ModelSummary>('models.add', { path: modelDir });
    const config = loadGemma3Config(modelDir);
    const best = writeAdapter(join(root, 'runs', 'r8-best'), config, { r: 8, alpha: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], base: modelDir });
    // What training writes when a run ends: the run with its model folder, its best adapter under it.
    const store = backend!.store;
    const runId = createRun(store, { name: 'r8', kind: 'trained', status: 'completed', config: { modelPath: modelDir, lora: { r: 8, alpha: 16, dropout: 0.05, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] } } });
    store.db.prepare("INSERT INTO adapters (name, path, run_id, source, config, created_at) VALUES ('r8 (best)', ?, ?, 'trained', ?, ?)").run(best, runId, JSON.stringify({ r: 8, alpha: 16 }), nowIso());
    const peft = writeAdapter(join(root, 'adapters', 'peft'), config, { r: 4, alpha: 4, targets: ['o_proj'], base: modelDir });
    await value('adapters.import', { path: peft });

    const listed = await value<AdapterRecord[]>('adapters.list', { modelId: model.id });
    expect(listed.map((a) => [a.name, a.source, a.runName, a.modelId, a.info?.r, a.info?.alpha, a.info?.targets, a.problem])).toEqual([
      ['r8 (best)', 'trained', 'r8', model.id, 8, 16, ['q_proj', 'k_proj', 'v_proj', 'o_proj'], null],
      ['peft', 'imported', null, model.id, 4, 4, ['o_proj'], null],
    ]);
    expect(await failure('adapters.list', { modelId: 999 })).toMatchObject({ code: 'not_found' });

    renameSync(peft, `${peft}-moved`);
    const after = await value<AdapterRecord[]>('adapters.list');
    expect(after[1]).toMatchObject({ name: 'peft', info: null, problem: `the folder ${peft} is not there any more` });
  });
});

describe.skipIf(!haveFixtures)('the shared fixtures: the tiny Gemma 3 and the seed r4 adapter', () => {
  it('adds the tiny model (with the Gemma tokenizer beside it) and its adapter, described', async () => {
    start();
    const bare = await failure('models.add', { path: fixture('gemma3-tiny', 'model') });
    expect(bare.message).toMatch(/^tokenizer\.json: missing/);
    const dir = join(root, 'gemma3-tiny');
    cpSync(fixture('gemma3-tiny', 'model'), dir, { recursive: true });
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(gemmaTokenizerDir(), f), join(dir, f));
    const model = await value<ModelSummary>('models.add', { path: dir, name: 'tiny fixture' });
    // vocab 384 x hidden 64 embedding, 7 layers of q 64x64, k/v 32x64, o 64x64, gate/up/down 160x64, 4 norms of 64, q/k norms of 16, the final norm.
    expect(model).toMatchObject({ name: 'tiny fixture', layers: 7, hiddenSize: 64, vocabSize: 384, dtype: 'F32', parameters: 384 * 64 + 7 * (4096 + 2048 * 2 + 4096 + 10240 * 3 + 256 + 32) + 64 });

    const adapter = await value<AdapterRecord>('adapters.import', { path: fixture('gemma3-tiny', 'adapter'), base: 'tiny fixture' });
    expect(adapter).toMatchObject({ modelId: model.id, baseModel: 'tiny fixture', problem: null });
    expect(adapter.info).toMatchObject({ r: 4, alpha: 16, scale: 4, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], tensorCount: 7 * 4 * 2, validatedAgainst: 'tiny fixture' });
    // The seed's 26-layer adapter does not fit this 7-layer model: refused, naming the key.
    expect((await failure('adapters.import', { path: fixture('seed-run', 'adapter-r4'), base: String(model.id) })).message).toMatch(/^adapter_model\.safetensors \[base_model\.model\.model\.layers\.\d+\.self_attn\.\w+\.lora_[AB]\.weight\]: /);
  });

  it("imports the seed's r4 adapter against google/gemma-3-1b-it's shapes, and lists it beside the seed's imported run", async () => {
    start();
    const adapter = await value<AdapterRecord>('adapters.import', { path: fixture('seed-run', 'adapter-r4') });
    expect(adapter).toMatchObject({ name: 'adapter-r4', source: 'imported', modelId: null, runId: null, baseModel: 'google/gemma-3-1b-it', problem: null });
    // r 4 on q/k/v/o of 26 layers: q 1152->1024, k/v 1152->256, o 1024->1152.
    expect(adapter.info).toMatchObject({ r: 4, alpha: 16, dropout: 0.05, layers: Array.from({ length: 26 }, (_, i) => i), parameterCount: 26 * 4 * (1152 + 1024 + 2 * (1152 + 256) + 1024 + 1152), tensorCount: 208, validatedAgainst: 'google/gemma-3-1b-it' });
    expect(adapter.info!.parameterCount).toBe(745_472);
    await value('runs.import', { path: fixture('seed-run', 'trainer-state', 'r4.json'), adapterPath: fixture('seed-run', 'adapter-r4') });
    const listed = await value<AdapterRecord[]>('adapters.list');
    expect(listed.map((a) => [a.source, a.runName, a.baseModel, a.info?.parameterCount])).toEqual([
      ['imported', null, 'google/gemma-3-1b-it', 745_472],
      ['imported', 'r4', 'google/gemma-3-1b-it', 745_472],
    ]);
  });
});

describe('sqlora model presets|token, adapter import|list', () => {
  it('prints the presets, the token source, and imports then lists an adapter in the same store', async () => {
    const dataDir = mkdtempSync(join(root, 'cli-'));
    const adapterDir = writeAdapter(join(root, 'cli-adapter'), loadGemma3Config(modelDir), { r: 2, alpha: 4, targets: ['v_proj'], base: modelDir });
    const out: string[] = [];
    const spies = [vi.spyOn(console, 'log'), vi.spyOn(console, 'error')].map((s) => s.mockImplementation((...a: unknown[]) => void out.push(a.join(' '))));
    const savedToken = process.env.HF_TOKEN;
    try {
      expect(await main(['model', 'presets', '--data-dir', dataDir])).toBe(0);
      expect(out.join('\n')).toMatch(/^google\/gemma-3-1b-it {2}Gemma 3 1B instruction-tuned \(the seed's model\)\n {5}1000M parameters, about 2\.00 GB to download\n {5}LoRA training needs [\d.]+ GB with float32 weights: .*too big for wasm \([\d.]+ GB of 3\.51 GB\)/);
      expect(out.join('\n')).toMatch(/google\/gemma-3-270m-it .*\n {5}268M parameters, about 0\.54 GB to download, in your Hugging Face cache\n/);
      out.length = 0;
      process.env.HF_TOKEN = 'hf_cli_env_token_value';
      expect(await main(['model', 'token', '--data-dir', dataDir])).toBe(0);
      expect(out).toEqual(['Hugging Face token from HF_TOKEN.']);
      out.length = 0;
      expect(await main(['model', 'add', modelDir, '--data-dir', dataDir])).toBe(0);
      out.length = 0;
      expect(await main(['adapter', 'import', adapterDir, '--data-dir', dataDir])).toBe(0);
      expect(out.join('\n')).toMatch(/^Imported adapter 1 \(cli-adapter\) for small \(model 1\)\nLoRA adapter .*cli-adapter\n {2}rank r 2, alpha 4 \(scale 2\), dropout 0\.05\n {2}targets v_proj on 2 layers \(0-1\)/);
      out.length = 0;
      expect(await main(['adapter', 'list', '--data-dir', dataDir])).toBe(0);
      expect(out.join('\n')).toBe(`small\n    1  cli-adapter  (imported) r 2, alpha 4, v_proj\n       ${adapterDir}`);
    } finally {
      for (const s of spies) s.mockRestore();
      if (savedToken === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = savedToken;
    }
  });
});
