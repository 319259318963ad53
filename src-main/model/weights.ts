import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Gemma3Config } from './config';
import { readJson } from './config';
import { ModelFileError, SafetensorsFile } from './safetensors';

/**
 * The tensors of a Hugging Face model folder: one `model.safetensors`, or shards
 * listed in `model.safetensors.index.json`. Knows which names Gemma 3 needs and
 * checks each one's shape against the config before anything is loaded.
 */

export const ATTENTION_PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
export const MLP_PROJECTIONS = ['gate_proj', 'up_proj', 'down_proj'] as const;
export type Projection = (typeof ATTENTION_PROJECTIONS)[number] | (typeof MLP_PROJECTIONS)[number];
export const LAYER_NORMS = ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm'] as const;

/** [out, in] of a projection, as stored (PyTorch Linear layout). */
export function projectionShape(config: Gemma3Config, name: Projection): [number, number] {
  const { hiddenSize: h, numHeads, numKvHeads, headDim, intermediateSize: m } = config;
  switch (name) {
    case 'q_proj':
      return [numHeads * headDim, h];
    case 'k_proj':
    case 'v_proj':
      return [numKvHeads * headDim, h];
    case 'o_proj':
      return [h, numHeads * headDim];
    case 'gate_proj':
    case 'up_proj':
      return [m, h];
    case 'down_proj':
      return [h, m];
  }
}

export const projectionModule = (name: Projection): 'self_attn' | 'mlp' => ((ATTENTION_PROJECTIONS as readonly string[]).includes(name) ? 'self_attn' : 'mlp');

/** Names (without prefix) and shapes of every tensor a Gemma 3 text model needs. */
export function expectedTensors(config: Gemma3Config): Map<string, number[]> {
  const out = new Map<string, number[]>();
  out.set('embed_tokens.weight', [config.vocabSize, config.hiddenSize]);
  for (let i = 0; i < config.numLayers; i++) {
    for (const p of [...ATTENTION_PROJECTIONS, ...MLP_PROJECTIONS]) out.set(`layers.${i}.${projectionModule(p)}.${p}.weight`, projectionShape(config, p));
    for (const n of LAYER_NORMS) out.set(`layers.${i}.${n}.weight`, [config.hiddenSize]);
    out.set(`layers.${i}.self_attn.q_norm.weight`, [config.headDim]);
    out.set(`layers.${i}.self_attn.k_norm.weight`, [config.headDim]);
  }
  out.set('norm.weight', [config.hiddenSize]);
  return out;
}

/** Where the text decoder's tensors sit: Gemma3ForCausalLM, or the two multimodal layouts. */
const PREFIXES = ['model.', 'language_model.model.', 'model.language_model.'];
const LM_HEADS = ['lm_head.weight', 'language_model.lm_head.weight'];

export class ModelWeights {
  private files = new Map<string, SafetensorsFile>();
  /** Full tensor name -> file holding it. */
  private location = new Map<string, SafetensorsFile>();
  readonly prefix: string;
  readonly lmHeadKey: string | null;

  constructor(
    readonly dir: string,
    readonly config: Gemma3Config,
  ) {
    const index = join(dir, 'model.safetensors.index.json');
    const single = join(dir, 'model.safetensors');
    try {
      if (existsSync(index)) {
        const map = readJson(index).weight_map as Record<string, string> | undefined;
        if (!map || typeof map !== 'object') throw new ModelFileError(index, 'weight_map', 'missing');
        for (const [name, shard] of Object.entries(map)) {
          const path = join(dir, shard);
          if (!this.files.has(path)) {
            if (!existsSync(path)) throw new ModelFileError(index, name, `lists shard ${shard}, which is not in the folder`);
            this.files.set(path, new SafetensorsFile(path));
          }
          const file = this.files.get(path)!;
          if (!file.entries.has(name)) throw new ModelFileError(path, name, `listed in ${'model.safetensors.index.json'} but not in the shard`);
          this.location.set(name, file);
        }
      } else if (existsSync(single)) {
        const file = new SafetensorsFile(single);
        this.files.set(single, file);
        for (const name of file.keys()) this.location.set(name, file);
      } else {
        const found = readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
        throw new ModelFileError(
          join(dir, 'model.safetensors'),
          null,
          found.length ? `not found; the folder has ${found.join(', ')} but no model.safetensors.index.json to say how they fit together` : `not found in ${dir} (no *.safetensors weights)`,
        );
      }
      this.prefix = PREFIXES.find((p) => this.location.has(`${p}embed_tokens.weight`)) ?? '';
      if (!this.prefix) {
        const sample = [...this.location.keys()].slice(0, 3).join(', ');
        const vision = [...this.location.keys()].some((k) => k.includes('vision_tower'));
        throw new ModelFileError(
          this.anyFile(),
          'model.embed_tokens.weight',
          vision ? 'a multimodal Gemma 3 checkpoint without its text decoder weights' : `the text decoder's embedding is missing (found e.g. ${sample})`,
        );
      }
      this.lmHeadKey = LM_HEADS.find((k) => this.location.has(k)) ?? null;
      this.validate();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private anyFile(): string {
    return [...this.files.keys()][0] ?? join(this.dir, 'model.safetensors');
  }

  private validate(): void {
    for (const [name, shape] of expectedTensors(this.config)) {
      const key = this.prefix + name;
      const file = this.location.get(key);
      if (!file) throw new ModelFileError(this.anyFile(), key, 'missing tensor');
      const actual = file.entry(key).shape;
      if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
        throw new ModelFileError(file.path, key, `shape [${actual.join(', ')}] does not match config.json, which implies [${shape.join(', ')}]`);
      }
    }
    if (!this.config.tieWordEmbeddings && !this.lmHeadKey) throw new ModelFileError(this.anyFile(), 'lm_head.weight', 'missing, and tie_word_embeddings is false');
  }

  /** One tensor (name without prefix) as float32; with `rows`, only those rows of its first dimension. */
  read(name: string, rows?: { start: number; count: number }): { shape: number[]; data: Float32Array } {
    const key = name === 'lm_head.weight' ? this.lmHeadKey! : this.prefix + name;
    const file = this.location.get(key);
    if (!file) throw new ModelFileError(this.anyFile(), key, 'missing tensor');
    return file.readFloat32(key, rows);
  }

  /** Bytes the weights take as float32 (what a backend must hold). */
  float32Bytes(): number {
    let n = 0;
    for (const shape of expectedTensors(this.config).values()) n += shape.reduce((a, b) => a * b, 1);
    if (!this.config.tieWordEmbeddings) n += this.config.vocabSize * this.config.hiddenSize;
    return n * 4;
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}
