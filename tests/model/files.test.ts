import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { loadGemma3Config, parseGemma3Config } from '../../src-main/model/config';
import { Gemma3Model } from '../../src-main/model/gemma3';
import { knownConfig } from '../../src-main/model/known-models';
import { describeAdapter, LoraAdapter } from '../../src-main/model/lora';
import { assertFits, estimateMemory } from '../../src-main/model/memory';
import { SafetensorsFile, writeSafetensors } from '../../src-main/model/safetensors';
import { ModelWeights } from '../../src-main/model/weights';
import { fixture, haveFixtures } from '../helpers/fixtures';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = mkdtempSync(join(tmpdir(), 'sqlora-model-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the tiny fixture model that a test may damage. */
function modelCopy(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(fixture('gemma3-tiny', 'model', f), join(dir, f));
  return dir;
}

describe('safetensors', () => {
  it('reads F32, F16 and BF16 as float32 and writes files it reads back', () => {
    const path = join(tmp, 'dtypes.safetensors');
    const values = [1, -2.5, 0.15625, 65504];
    const f16 = Buffer.from(new Uint16Array([0x3c00, 0xc100, 0x3100, 0x7bff]).buffer);
    const bf16 = Buffer.from(new Uint16Array([0x3f80, 0xc020, 0x3e20, 0x477f]).buffer);
    const header = JSON.stringify({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [2, 2], data_offsets: [8, 16] } });
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(path, Buffer.concat([len, Buffer.from(header), f16, bf16]));
    const file = new SafetensorsFile(path);
    expect(Array.from(file.readFloat32('h').data)).toEqual(values);
    expect(Array.from(file.readFloat32('b').data)).toEqual([1, -2.5, 0.15625, 65280]);
    expect(file.entry('b').shape).toEqual([2, 2]);
    file.close();
    writeSafetensors(join(tmp, 'rt.safetensors'), { x: { shape: [2], data: new Float32Array([3, 4]) } });
    const back = new SafetensorsFile(join(tmp, 'rt.safetensors'));
    expect(Array.from(back.readFloat32('x').data)).toEqual([3, 4]);
    back.close();
  });

  it('names the file and the problem for a truncated file, a header that is not JSON, an unsupported dtype', () => {
    const bad = join(tmp, 'bad.safetensors');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(10n);
    writeFileSync(bad, Buffer.concat([len, Buffer.from('not json!!')]));
    expect(() => new SafetensorsFile(bad)).toThrow(/bad\.safetensors: header is not JSON/);
    const header = JSON.stringify({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } });
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(bad, Buffer.concat([len, Buffer.from(header), Buffer.alloc(8)]));
    expect(() => new SafetensorsFile(bad)).toThrow(/bad\.safetensors \[w\]: unsupported dtype "F64"/);
  });
});

describe.skipIf(!haveFixtures)('loading model folders', () => {
  it('reads both config styles to the same model', () => {
    const five = loadGemma3Config(fixture('gemma3-tiny', 'model'));
    const four = parseGemma3Config(JSON.parse(readFileSync(fixture('gemma3-tiny', 'model', 'config.transformers4.json'), 'utf8')));
    expect(five.layerTypes).toEqual(['sliding', 'sliding', 'sliding', 'sliding', 'sliding', 'full', 'sliding']);
    expect(four).toEqual(five);
    expect(five.rope).toEqual({ full: { theta: 1e6, linearFactor: 1 }, sliding: { theta: 1e4, linearFactor: 1 } });
  });

  it('accepts 4.x linear rope scaling on global layers only, and refuses other model types by name', () => {
    const raw = JSON.parse(readFileSync(fixture('gemma3-tiny', 'model', 'config.transformers4.json'), 'utf8'));
    const scaled = parseGemma3Config({ ...raw, rope_scaling: { rope_type: 'linear', factor: 8 } });
    expect(scaled.rope.full.linearFactor).toBe(8);
    expect(scaled.rope.sliding.linearFactor).toBe(1);
    expect(() => parseGemma3Config({ ...raw, model_type: 'llama' })).toThrow(/config\.json \[model_type\]: is "llama"; only Gemma 3 text models/);
    const { hidden_size: _drop, ...missing } = raw;
    expect(() => parseGemma3Config(missing)).toThrow(/config\.json \[hidden_size\]: missing/);
  });

  it('names a missing tensor, a wrong shape, and a truncated weights file', () => {
    const wrongShape = modelCopy('wrong-shape');
    const config = JSON.parse(readFileSync(join(wrongShape, 'config.json'), 'utf8'));
    writeFileSync(join(wrongShape, 'config.json'), JSON.stringify({ ...config, intermediate_size: 128 }));
    expect(() => new ModelWeights(wrongShape, loadGemma3Config(wrongShape))).toThrow(/model\.safetensors \[model\.layers\.0\.mlp\.gate_proj\.weight\]: shape \[160, 64\] does not match config\.json, which implies \[128, 64\]/);

    const moreLayers = modelCopy('more-layers');
    writeFileSync(join(moreLayers, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 8, layer_types: [...config.layer_types, 'sliding_attention'] }));
    expect(() => new ModelWeights(moreLayers, loadGemma3Config(moreLayers))).toThrow(/\[model\.layers\.7\.self_attn\.q_proj\.weight\]: missing tensor/);

    const truncated = modelCopy('truncated');
    truncateSync(join(truncated, 'model.safetensors'), 100_000);
    expect(() => new ModelWeights(truncated, loadGemma3Config(truncated))).toThrow(/model\.safetensors \[.+\]: data ends at byte \d+ but the file has 100000 bytes \(truncated\)/);
  });

  it('loads sharded weights through model.safetensors.index.json with the same logits', () => {
    const dir = join(tmp, 'sharded');
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture('gemma3-tiny', 'model', 'config.json'), join(dir, 'config.json'));
    const whole = new SafetensorsFile(fixture('gemma3-tiny', 'model', 'model.safetensors'));
    const keys = whole.keys();
    const shards = [keys.slice(0, 20), keys.slice(20)];
    const weightMap: Record<string, string> = {};
    shards.forEach((names, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(join(dir, file), Object.fromEntries(names.map((n) => [n, whole.readFloat32(n)])));
      for (const n of names) weightMap[n] = file;
    });
    whole.close();
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const a = Gemma3Model.load(dir);
    const b = Gemma3Model.load(fixture('gemma3-tiny', 'model'));
    const ids = [[2, 10, 20, 30, 40]];
    const la = a.logits(a.forward(ids, [[1, 1, 1, 1, 1]]).last).dataSync();
    const lb = b.logits(b.forward(ids, [[1, 1, 1, 1, 1]]).last).dataSync();
    expect(Array.from(la)).toEqual(Array.from(lb));
    a.dispose();
    b.dispose();
  });
});

describe.skipIf(!haveFixtures)('PEFT adapters', () => {
  it('an adapter saved by the engine has PEFT keys, shapes and config fields, and reloads to identical logits', async () => {
    const dir = fixture('gemma3-tiny', 'model');
    const model = Gemma3Model.load(dir);
    const adapter = LoraAdapter.create(model.config, { r: 8, alpha: 16, dropout: 0.05, targets: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'] }, 7);
    // B starts at zero (PEFT init): give it values so the adapter changes the logits.
    for (const v of adapter.variables()) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 3));
    const out = join(tmp, 'saved-adapter');
    await adapter.save(out, 'tiny');
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'], task_type: 'CAUSAL_LM', bias: 'none', use_rslora: false, use_dora: false, base_model_name_or_path: 'tiny' });
    const file = new SafetensorsFile(join(out, 'adapter_model.safetensors'));
    expect(file.entry('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape).toEqual([8, 64]);
    expect(file.entry('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight').shape).toEqual([64, 8]);
    expect(file.entry('base_model.model.model.layers.6.mlp.down_proj.lora_A.weight').shape).toEqual([8, 160]);
    expect(file.keys()).toHaveLength(7 * 4 * 2);
    file.close();

    const reloaded = LoraAdapter.load(out, model.config);
    const run = (a: LoraAdapter) => {
      const f = model.forward([[2, 5, 9, 200, 33, 7]], [[1, 1, 1, 1, 1, 1]], (i) => a.forLayer(i), { scale: a.scale, dropout: 0, dropoutSeed: 0 });
      return Array.from(model.logits(f.last).dataSync());
    };
    const base = Array.from(model.logits(model.forward([[2, 5, 9, 200, 33, 7]], [[1, 1, 1, 1, 1, 1]]).last).dataSync());
    expect(run(reloaded)).toEqual(run(adapter));
    expect(run(adapter)).not.toEqual(base);
    model.dispose();
  });

  it("describes the seed's real adapter and validates it against Gemma-3-1b: 745,472 parameters", () => {
    const info = describeAdapter(fixture('seed-run', 'adapter-r4'), { config: knownConfig('google/gemma-3-1b-it')!, name: 'google/gemma-3-1b-it' });
    expect(info).toMatchObject({ r: 4, alpha: 16, scale: 4, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], parameterCount: 745_472, tensorCount: 208, baseModel: 'google/gemma-3-1b-it' });
    expect(info.layers).toEqual(Array.from({ length: 26 }, (_, i) => i));
  });

  it('says which key and shape is wrong when an adapter does not fit the base model', () => {
    expect(() => LoraAdapter.load(fixture('seed-run', 'adapter-r4'), loadGemma3Config(fixture('gemma3-tiny', 'model')), 'gemma3-tiny')).toThrow(
      /adapter_model\.safetensors \[base_model\.model\.model\.layers\.\d+\.self_attn\.\w_proj\.lora_A\.weight\]: (shape \[4, 1152\] does not fit gemma3-tiny: \w_proj takes 64 inputs|layer \d+ does not exist)/,
    );
    const broken = join(tmp, 'broken-adapter');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 16, target_modules: ['q_proj'] }));
    expect(() => describeAdapter(broken)).toThrow(/adapter_model\.safetensors: not found/);
  });
});

describe('memory guard', () => {
  it('refuses Gemma-3-1b training on wasm with how much it needs and which backend can do it', () => {
    const config = knownConfig('google/gemma-3-1b-it')!;
    const estimate = estimateMemory(config, { batchSize: 1, sequenceLength: 512, lora: { r: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] } });
    expect(estimate.weightsBytes).toBeGreaterThan(3.9e9);
    expect(() => assertFits('wasm', estimate, 'Training r=16 on gemma-3-1b-it')).toThrow(/Training r=16 on gemma-3-1b-it needs about \d+\.\d+ GB .*more than the wasm backend can hold.*webgpu/);
    expect(() => assertFits('webgpu', estimate, 'x')).not.toThrow();
    const small = estimateMemory(knownConfig('google/gemma-3-270m')!, { batchSize: 1, sequenceLength: 512, lora: { r: 8, targets: ['q_proj', 'v_proj'] } });
    expect(() => assertFits('wasm', small, 'x')).not.toThrow();
  });
});
