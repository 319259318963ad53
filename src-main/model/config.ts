import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from './safetensors';

/**
 * A Gemma 3 text model's configuration, normalised from either key style:
 * transformers 4.x (`rope_theta`, `rope_local_base_freq`, `sliding_window_pattern`,
 * `rope_scaling`) or 5.x (`layer_types`, `rope_parameters`).
 */
export type LayerType = 'sliding' | 'full';

export interface RopeSettings {
  theta: number;
  /** Linear position scaling (gemma-3-4b+ global layers use factor 8); 1 means none. */
  linearFactor: number;
}

export interface Gemma3Config {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  queryPreAttnScalar: number;
  slidingWindow: number;
  rmsNormEps: number;
  layerTypes: LayerType[];
  rope: Record<LayerType, RopeSettings>;
  attnLogitSoftcapping: number | null;
  finalLogitSoftcapping: number | null;
  tieWordEmbeddings: boolean;
  bosTokenId: number;
  eosTokenIds: number[];
  padTokenId: number;
  maxPositionEmbeddings: number;
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelFileError(path, null, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Json;
  } catch (error) {
    throw new ModelFileError(path, null, `is not valid JSON (${(error as Error).message})`);
  }
}

/** The text part of a config: a Gemma3ForConditionalGeneration config nests it under `text_config`. */
export function textConfigOf(raw: Json, file: string): Json {
  const type = raw.model_type;
  if (type === 'gemma3_text') return raw;
  if (type === 'gemma3') {
    const text = raw.text_config;
    if (typeof text !== 'object' || text === null) throw new ModelFileError(file, 'text_config', 'a gemma3 (multimodal) config without a text_config');
    return { ...(text as Json), model_type: 'gemma3_text' };
  }
  throw new ModelFileError(file, 'model_type', `is ${JSON.stringify(type ?? null)}; only Gemma 3 text models (gemma3_text) are supported`);
}

export function parseGemma3Config(raw: Json, file = 'config.json'): Gemma3Config {
  const c = textConfigOf(raw, file);
  const num = (key: string, fallback?: number): number => {
    const v = c[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new ModelFileError(file, key, 'missing (needed to build the model)');
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFileError(file, key, `must be a number, found ${JSON.stringify(v)}`);
    return v;
  };
  const int = (key: string, fallback?: number): number => {
    const v = num(key, fallback);
    if (!Number.isInteger(v) || v <= 0) throw new ModelFileError(file, key, `must be a positive whole number, found ${v}`);
    return v;
  };
  const optionalNum = (key: string): number | null => (c[key] === undefined || c[key] === null ? null : num(key));

  const numLayers = int('num_hidden_layers');
  const numHeads = int('num_attention_heads');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) throw new ModelFileError(file, 'num_key_value_heads', `${numKvHeads} does not divide num_attention_heads ${numHeads}`);
  const headDim = int('head_dim', 256);

  let layerTypes: LayerType[];
  if (Array.isArray(c.layer_types)) {
    if (c.layer_types.length !== numLayers) throw new ModelFileError(file, 'layer_types', `lists ${c.layer_types.length} layers but num_hidden_layers is ${numLayers}`);
    layerTypes = c.layer_types.map((t, i) => {
      if (t === 'sliding_attention') return 'sliding';
      if (t === 'full_attention') return 'full';
      throw new ModelFileError(file, `layer_types[${i}]`, `unknown layer type ${JSON.stringify(t)}`);
    });
  } else {
    // transformers 4.x: every n-th layer (1-based) is global.
    const pattern = int('sliding_window_pattern', 6);
    layerTypes = Array.from({ length: numLayers }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding'));
  }

  const rope = parseRope(c, file);
  const eos = c.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.map(Number) : eos === undefined || eos === null ? [1] : [Number(eos)];
  return {
    vocabSize: int('vocab_size'),
    hiddenSize: int('hidden_size'),
    intermediateSize: int('intermediate_size'),
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    queryPreAttnScalar: num('query_pre_attn_scalar', headDim),
    slidingWindow: int('sliding_window', 4096),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    layerTypes,
    rope,
    attnLogitSoftcapping: optionalNum('attn_logit_softcapping'),
    finalLogitSoftcapping: optionalNum('final_logit_softcapping'),
    tieWordEmbeddings: c.tie_word_embeddings !== false,
    bosTokenId: num('bos_token_id', 2),
    eosTokenIds,
    padTokenId: num('pad_token_id', 0),
    maxPositionEmbeddings: int('max_position_embeddings', 131072),
  };
}

function parseRope(c: Json, file: string): Record<LayerType, RopeSettings> {
  const scaling = (value: unknown, key: string): number => {
    if (value === undefined || value === null) return 1;
    const s = value as Json;
    const type = s.rope_type ?? s.type ?? 'default';
    if (type === 'default') return 1;
    if (type === 'linear' && typeof s.factor === 'number' && s.factor > 0) return s.factor;
    throw new ModelFileError(file, key, `rope scaling ${JSON.stringify(value)} is not supported (only linear)`);
  };
  const params = c.rope_parameters as Json | undefined;
  if (params && typeof params === 'object' && ('full_attention' in params || 'sliding_attention' in params)) {
    const one = (name: string, fallbackTheta: number): RopeSettings => {
      const p = (params[name] ?? {}) as Json;
      const theta = typeof p.rope_theta === 'number' ? p.rope_theta : fallbackTheta;
      return { theta, linearFactor: scaling(p, `rope_parameters.${name}`) };
    };
    return { full: one('full_attention', 1_000_000), sliding: one('sliding_attention', 10_000) };
  }
  const theta = typeof c.rope_theta === 'number' ? c.rope_theta : 1_000_000;
  const local = typeof c.rope_local_base_freq === 'number' ? c.rope_local_base_freq : 10_000;
  // In 4.x, rope_scaling applies to the global layers only; local layers use plain rope.
  return { full: { theta, linearFactor: scaling(c.rope_scaling, 'rope_scaling') }, sliding: { theta: local, linearFactor: 1 } };
}

export function loadGemma3Config(modelDir: string): Gemma3Config {
  const file = join(modelDir, 'config.json');
  if (!existsSync(file)) throw new ModelFileError(file, null, `not found in ${modelDir} (a Hugging Face model folder has config.json, *.safetensors, tokenizer.json)`);
  return parseGemma3Config(readJson(file), file);
}

export { readJson };
