import { type Gemma3Config, parseGemma3Config } from './config';

/**
 * Configurations of published Gemma 3 text checkpoints (their config.json values),
 * so an adapter can be checked against its base model before the weights are
 * on disk. Keyed by Hub id without the "-it" suffix (instruction-tuned variants
 * share the shapes).
 */
const common = {
  model_type: 'gemma3_text',
  vocab_size: 262_144,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  head_dim: 256,
  query_pre_attn_scalar: 256,
  sliding_window: 512,
  sliding_window_pattern: 6,
  rope_theta: 1_000_000,
  rope_local_base_freq: 10_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 32_768,
  bos_token_id: 2,
  eos_token_id: [1, 106],
  pad_token_id: 0,
};

const KNOWN: Record<string, Record<string, unknown>> = {
  'google/gemma-3-270m': { ...common, hidden_size: 640, intermediate_size: 2048, num_hidden_layers: 18 },
  'google/gemma-3-1b': { ...common, hidden_size: 1152, intermediate_size: 6912, num_hidden_layers: 26 },
};

export const knownModelIds = (): string[] => Object.keys(KNOWN);

/** The configuration of a known Hub id (with or without "-it"), or null. */
export function knownConfig(id: string): Gemma3Config | null {
  const key = id.replace(/-it$/, '');
  const raw = KNOWN[key];
  return raw ? parseGemma3Config(raw, `${key} (built-in)`) : null;
}
