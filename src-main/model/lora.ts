import * as tf from '@tensorflow/tfjs-core';
import { matMul } from './matmul';
import { addToFrozen, type FrozenMatrix, HalfMatrix } from './half';
import { existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Gemma3Config } from './config';
import { readJson } from './config';
import type { Gemma3Model, LayerLora, LoraPair } from './gemma3';
import { ModelFileError, SafetensorsFile, writeSafetensors } from './safetensors';
import { type Projection, projectionModule, projectionShape } from './weights';
import { seededRandom } from '../train/batching';

/**
 * LoRA adapters in PEFT's on-disk format: `adapter_config.json` +
 * `adapter_model.safetensors` with keys
 * `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight` (A is [r, in],
 * B is [out, r], scale alpha / r, or alpha / sqrt(r) with rsLoRA). Adapters written
 * here load in Python PEFT and the other way round.
 */

export const PROJECTIONS: Projection[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

export interface LoraSpec {
  r: number;
  alpha: number;
  dropout: number;
  targets: Projection[];
  layers: number[];
  useRslora: boolean;
}

export const loraScale = (spec: Pick<LoraSpec, 'r' | 'alpha' | 'useRslora'>): number => (spec.useRslora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r);

/** The fields of PEFT's adapter_config.json this engine reads; the rest are kept as they are. */
const PeftConfigFile = z
  .object({
    peft_type: z.literal('LORA', { error: 'peft_type must be "LORA"' }),
    r: z.number().int().positive(),
    lora_alpha: z.number().positive(),
    lora_dropout: z.number().min(0).lt(1).default(0),
    target_modules: z.union([z.array(z.string()), z.string()]),
    use_rslora: z.boolean().nullish(),
    use_dora: z.boolean().nullish(),
    rank_pattern: z.record(z.string(), z.unknown()).nullish(),
    alpha_pattern: z.record(z.string(), z.unknown()).nullish(),
    modules_to_save: z.array(z.string()).nullish(),
    base_model_name_or_path: z.string().nullish(),
    peft_version: z.string().nullish(),
    bias: z.string().nullish(),
  })
  .loose();

const KEY = /layers\.(\d+)\.(self_attn|mlp)\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\.lora_([AB])\.weight$/;

export const peftKey = (layer: number, p: Projection, ab: 'A' | 'B'): string => `base_model.model.model.layers.${layer}.${projectionModule(p)}.${p}.lora_${ab}.weight`;

export interface AdapterInfo {
  dir: string;
  r: number;
  alpha: number;
  dropout: number;
  scale: number;
  useRslora: boolean;
  targets: Projection[];
  layers: number[];
  parameterCount: number;
  tensorCount: number;
  baseModel: string | null;
  peftVersion: string | null;
  /** Shapes checked against this configuration (null when no base configuration was given). */
  validatedAgainst: string | null;
}

interface AdapterFiles {
  spec: LoraSpec;
  info: AdapterInfo;
  file: SafetensorsFile;
  /** PEFT key of each (layer, projection, A|B). */
  keys: Map<string, string>;
}

/**
 * Read and check an adapter folder. With a base configuration, every tensor's shape
 * is checked against it; without one, A/B shapes are checked against each other.
 */
function openAdapter(dir: string, config: Gemma3Config | null, configName: string | null): AdapterFiles {
  const configPath = join(dir, 'adapter_config.json');
  const weightsPath = join(dir, 'adapter_model.safetensors');
  if (!existsSync(configPath)) throw new ModelFileError(configPath, null, `not found in ${dir} (a PEFT adapter folder has adapter_config.json and adapter_model.safetensors)`);
  if (!existsSync(weightsPath)) {
    const bin = existsSync(join(dir, 'adapter_model.bin'));
    throw new ModelFileError(weightsPath, null, bin ? 'not found; only adapter_model.bin (pickle) is there - re-save the adapter with safe_serialization=True' : `not found in ${dir}`);
  }
  const parsed = PeftConfigFile.safeParse(readJson(configPath));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFileError(configPath, issue.path.join('.') || null, issue.message);
  }
  const c = parsed.data;
  if (c.use_dora) throw new ModelFileError(configPath, 'use_dora', 'DoRA adapters are not supported');
  if (c.rank_pattern && Object.keys(c.rank_pattern).length) throw new ModelFileError(configPath, 'rank_pattern', 'per-module ranks are not supported');
  if (c.alpha_pattern && Object.keys(c.alpha_pattern).length) throw new ModelFileError(configPath, 'alpha_pattern', 'per-module alphas are not supported');
  if (c.modules_to_save && c.modules_to_save.length) throw new ModelFileError(configPath, 'modules_to_save', `fully trained modules (${c.modules_to_save.join(', ')}) are not supported`);

  const file = new SafetensorsFile(weightsPath);
  try {
    const keys = new Map<string, string>();
    const layers = new Set<number>();
    const targets = new Set<Projection>();
    for (const key of file.keys()) {
      const m = KEY.exec(key);
      if (!m) throw new ModelFileError(weightsPath, key, 'is not a LoRA A/B weight of a Gemma 3 decoder layer');
      const layer = Number(m[1]);
      const p = m[3] as Projection;
      if (m[2] !== projectionModule(p)) throw new ModelFileError(weightsPath, key, `${p} belongs to ${projectionModule(p)}, not ${m[2]}`);
      if (config && layer >= config.numLayers) throw new ModelFileError(weightsPath, key, `layer ${layer} does not exist: ${configName} has ${config.numLayers} layers`);
      keys.set(`${layer}.${p}.${m[4]}`, key);
      layers.add(layer);
      targets.add(p);
    }
    if (keys.size === 0) throw new ModelFileError(weightsPath, null, 'holds no LoRA weights');
    const declared = Array.isArray(c.target_modules) ? c.target_modules : null;
    if (declared) {
      for (const t of targets) if (!declared.includes(t)) throw new ModelFileError(weightsPath, t, `has weights for ${t}, which adapter_config.json's target_modules does not list`);
    }
    const sortedLayers = [...layers].sort((a, b) => a - b);
    const sortedTargets = PROJECTIONS.filter((p) => targets.has(p));
    let parameterCount = 0;
    for (const layer of sortedLayers) {
      for (const p of sortedTargets) {
        const a = keys.get(`${layer}.${p}.A`);
        const b = keys.get(`${layer}.${p}.B`);
        if (!a || !b) throw new ModelFileError(weightsPath, peftKey(layer, p, a ? 'B' : 'A'), 'missing tensor (every adapted layer needs both lora_A and lora_B)');
        const [ar, ain] = file.entry(a).shape;
        const [bout, br] = file.entry(b).shape;
        if (file.entry(a).shape.length !== 2 || ar !== c.r) throw new ModelFileError(weightsPath, a, `shape [${file.entry(a).shape.join(', ')}] should be [r=${c.r}, in]`);
        if (file.entry(b).shape.length !== 2 || br !== c.r) throw new ModelFileError(weightsPath, b, `shape [${file.entry(b).shape.join(', ')}] should be [out, r=${c.r}]`);
        if (config) {
          const [out, inp] = projectionShape(config, p);
          if (ain !== inp) throw new ModelFileError(weightsPath, a, `shape [${ar}, ${ain}] does not fit ${configName}: ${p} takes ${inp} inputs`);
          if (bout !== out) throw new ModelFileError(weightsPath, b, `shape [${bout}, ${br}] does not fit ${configName}: ${p} has ${out} outputs`);
        }
        parameterCount += ar * ain + bout * br;
      }
    }
    const spec: LoraSpec = { r: c.r, alpha: c.lora_alpha, dropout: c.lora_dropout, targets: sortedTargets, layers: sortedLayers, useRslora: c.use_rslora === true };
    return {
      spec,
      file,
      keys,
      info: {
        dir,
        r: spec.r,
        alpha: spec.alpha,
        dropout: spec.dropout,
        scale: loraScale(spec),
        useRslora: spec.useRslora,
        targets: sortedTargets,
        layers: sortedLayers,
        parameterCount,
        tensorCount: keys.size,
        baseModel: c.base_model_name_or_path ?? null,
        peftVersion: c.peft_version ?? null,
        validatedAgainst: configName,
      },
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Describe an adapter folder, checking it against a base configuration when one is given. */
export function describeAdapter(dir: string, base: { config: Gemma3Config; name: string } | null = null): AdapterInfo {
  const opened = openAdapter(dir, base?.config ?? null, base?.name ?? null);
  opened.file.close();
  return opened.info;
}

/** LoRA factors living on the active tfjs backend, kept transposed for plain 2-D matmuls. */
export class LoraAdapter {
  /** `${layer}.${projection}` -> factors. */
  readonly pairs = new Map<string, { aT: tf.Variable<tf.Rank.R2>; bT: tf.Variable<tf.Rank.R2> }>();
  private merged = false;
  /** float16 base weights set aside by `merge`: rounding W + delta and then subtracting delta would not give W back. */
  private readonly unmergedHalves = new Map<string, HalfMatrix>();

  private constructor(
    readonly config: Gemma3Config,
    readonly spec: LoraSpec,
  ) {}

  get scale(): number {
    return loraScale(this.spec);
  }

  /** A fresh adapter initialised as PEFT does: A Kaiming-uniform (a = sqrt 5), B zeros. */
  static create(config: Gemma3Config, spec: Omit<LoraSpec, 'layers' | 'useRslora'> & Partial<Pick<LoraSpec, 'layers' | 'useRslora'>>, seed: number): LoraAdapter {
    const full: LoraSpec = { layers: Array.from({ length: config.numLayers }, (_, i) => i), useRslora: false, ...spec };
    const adapter = new LoraAdapter(config, full);
    const random = seededRandom(seed);
    for (const layer of full.layers) {
      for (const p of full.targets) {
        const [out, inp] = projectionShape(config, p);
        // kaiming_uniform_(a=sqrt(5)) on an [r, in] weight: bound = 1 / sqrt(in).
        const bound = 1 / Math.sqrt(inp);
        const a = new Float32Array(inp * full.r);
        for (let i = 0; i < a.length; i++) a[i] = (random() * 2 - 1) * bound;
        adapter.pairs.set(`${layer}.${p}`, {
          aT: tf.variable(tf.tensor2d(a, [inp, full.r]), true),
          bT: tf.variable(tf.zeros([full.r, out]), true),
        });
      }
    }
    return adapter;
  }

  static load(dir: string, config: Gemma3Config, configName = 'the base model'): LoraAdapter {
    const opened = openAdapter(dir, config, configName);
    try {
      const adapter = new LoraAdapter(config, opened.spec);
      for (const layer of opened.spec.layers) {
        for (const p of opened.spec.targets) {
          const a = opened.file.readFloat32(opened.keys.get(`${layer}.${p}.A`)!);
          const b = opened.file.readFloat32(opened.keys.get(`${layer}.${p}.B`)!);
          adapter.pairs.set(`${layer}.${p}`, {
            aT: tf.variable(transpose2d(a.data, a.shape[0], a.shape[1]), true),
            bT: tf.variable(transpose2d(b.data, b.shape[0], b.shape[1]), true),
          });
        }
      }
      return adapter;
    } finally {
      opened.file.close();
    }
  }

  forLayer(layer: number): LayerLora | null {
    if (this.merged) return null;
    const out: LayerLora = {};
    let any = false;
    for (const p of this.spec.targets) {
      const pair = this.pairs.get(`${layer}.${p}`);
      if (pair) {
        out[p] = pair;
        any = true;
      }
    }
    return any ? out : null;
  }

  /** Trainable variables in a fixed order: per layer, per target, A then B. */
  variables(): tf.Variable[] {
    return [...this.pairs.values()].flatMap((p) => [p.aT, p.bT]);
  }

  /** PEFT key of each variable, in `variables()` order. */
  variableKeys(): string[] {
    return [...this.pairs.keys()].flatMap((k) => {
      const [layer, p] = k.split('.') as [string, Projection];
      return [peftKey(Number(layer), p, 'A'), peftKey(Number(layer), p, 'B')];
    });
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** PEFT-layout tensors ([r, in] and [out, r]) keyed as PEFT names them. */
  async peftTensors(): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    const keys = this.variableKeys();
    for (const [i, v] of this.variables().entries()) {
      const [rows, cols] = v.shape as [number, number];
      out[keys[i]] = { shape: [cols, rows], data: transposeData((await v.data()) as Float32Array, rows, cols) };
    }
    return out;
  }

  /** Write adapter_config.json + adapter_model.safetensors as PEFT does. */
  async save(dir: string, baseModel: string | null): Promise<void> {
    const tensors = await this.peftTensors();
    mkdirSync(dir, { recursive: true });
    writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
    const config = {
      base_model_name_or_path: baseModel,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      layers_pattern: null,
      layers_to_transform: this.spec.layers.length === this.config.numLayers ? null : this.spec.layers,
      lora_alpha: this.spec.alpha,
      lora_dropout: this.spec.dropout,
      modules_to_save: null,
      peft_type: 'LORA',
      r: this.spec.r,
      rank_pattern: {},
      alpha_pattern: {},
      revision: null,
      target_modules: this.spec.targets,
      task_type: 'CAUSAL_LM',
      use_dora: false,
      use_rslora: this.spec.useRslora,
    };
    const tmp = join(dir, `adapter_config.json.tmp-${process.pid}`);
    writeFileSync(tmp, JSON.stringify(config, null, 2));
    renameSync(tmp, join(dir, 'adapter_config.json'));
  }

  /** Copy values from another adapter of the same shape (resume, best-checkpoint restore). */
  assign(other: LoraAdapter): void {
    for (const [key, pair] of this.pairs) {
      const src = other.pairs.get(key);
      if (!src) throw new Error(`adapter has no ${key}`);
      pair.aT.assign(src.aT);
      pair.bT.assign(src.bT);
    }
  }

  /**
   * Fold B A * scale into the base weights (fast inference); `unmerge` takes it out
   * again: float32 weights by subtracting it, float16 ones by putting the originals back.
   */
  merge(model: Gemma3Model): void {
    if (this.merged) return;
    this.fold(model, 1, (key, old, delta) => {
      const merged = addToFrozen(old, delta);
      if (old instanceof HalfMatrix) this.unmergedHalves.set(key, old);
      else old.dispose();
      return merged;
    });
    this.merged = true;
  }

  unmerge(model: Gemma3Model): void {
    if (!this.merged) return;
    this.fold(model, -1, (key, merged, delta) => {
      const original = this.unmergedHalves.get(key);
      this.unmergedHalves.delete(key);
      const restored = original ?? addToFrozen(merged, delta);
      merged.dispose();
      return restored;
    });
    this.merged = false;
  }

  get isMerged(): boolean {
    return this.merged;
  }

  /** Replace each adapted weight by `update(key, weight, sign * B A * scale)`. */
  private fold(model: Gemma3Model, sign: 1 | -1, update: (key: string, weight: FrozenMatrix, delta: tf.Tensor2D) => FrozenMatrix): void {
    for (const [key, pair] of this.pairs) {
      const [layer, p] = key.split('.') as [string, Projection];
      const weights = model.layers[Number(layer)].proj;
      const delta = tf.tidy(() => tf.mul(matMul(pair.aT, pair.bT), sign * this.scale) as tf.Tensor2D);
      weights[p] = update(key, weights[p], delta);
      delta.dispose();
    }
  }

  dispose(): void {
    tf.dispose(this.variables());
    this.pairs.clear();
  }
}

/** Row-major [rows, cols] -> [cols, rows]. */
export function transposeData(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

const transpose2d = (data: Float32Array, rows: number, cols: number): tf.Tensor2D => tf.tensor2d(transposeData(data, rows, cols), [cols, rows]);

export type { LoraPair };
