/**
 * Trains a small byte-level BPE tokenizer and writes it in Hugging Face's
 * tokenizer.json format (loadable by @huggingface/tokenizers and by Python's
 * `tokenizers`/transformers), with Gemma's special tokens and chat template. The
 * default model uses it: a vocabulary of a few thousand keeps CPU training fast,
 * where Gemma's 262,144 entries would dominate every step.
 */

/** Gemma's special tokens, at Gemma's ids for the first three. */
export const SPECIAL_TOKENS = ['<pad>', '<eos>', '<bos>', '<unk>', '<start_of_turn>', '<end_of_turn>'] as const;

/** Gemma 3's chat template, reduced to text turns (system prompt folded into the first user turn, as Gemma does). */
export const GEMMA_CHAT_TEMPLATE =
  "{{ bos_token }}{%- if messages[0]['role'] == 'system' -%}{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}{%- set loop_messages = messages[1:] -%}{%- else -%}{%- set first_user_prefix = '' -%}{%- set loop_messages = messages -%}{%- endif -%}" +
  "{%- for message in loop_messages -%}{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif -%}" +
  "{%- if message['role'] == 'assistant' -%}{%- set role = 'model' -%}{%- else -%}{%- set role = message['role'] -%}{%- endif -%}" +
  "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}{{ message['content'] | trim }}{{ '<end_of_turn>\n' }}{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}";

/**
 * Pre-tokenisation: words with their leading space, single digits (as Gemma splits
 * numbers), runs of punctuation, whitespace. Applied as a Split before ByteLevel.
 */
export const PRETOKENIZE_PATTERN = " ?\\p{L}+| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** GPT-2's reversible map from bytes to printable characters. */
export function byteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return map;
}

export interface TrainedBpe {
  vocab: Map<string, number>;
  merges: [string, string][];
}

export function trainBpe(texts: string[], vocabSize: number): TrainedBpe {
  const chars = byteToChar();
  const encoder = new TextEncoder();
  const pattern = new RegExp(PRETOKENIZE_PATTERN, 'gu');
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(pattern)) {
      const word = Array.from(encoder.encode(m[0]), (b) => chars[b]).join('');
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const vocab = new Map<string, number>();
  for (const t of SPECIAL_TOKENS) vocab.set(t, vocab.size);
  for (const c of chars) vocab.set(c, vocab.size);

  // Words as symbol lists; pair -> total count and the words it occurs in.
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([w, n]) => ({ symbols: Array.from(w), n }));
  const pairCount = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const key = (a: string, b: string) => `${a}\u0000${b}`;
  const addPairs = (i: number, sign: 1 | -1) => {
    const { symbols, n } = words[i];
    for (let j = 0; j + 1 < symbols.length; j++) {
      const k = key(symbols[j], symbols[j + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * n);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(i);
      }
    }
  };
  words.forEach((_, i) => addPairs(i, 1));

  const merges: [string, string][] = [];
  while (vocab.size < vocabSize) {
    let best: string | null = null;
    let bestCount = 1;
    // Highest count wins; ties go to the lexically smallest pair, so training is deterministic.
    for (const [k, c] of pairCount) if (c > bestCount || (c === bestCount && best !== null && c > 1 && k < best)) [best, bestCount] = [k, c];
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    const merged = a + b;
    merges.push([a, b]);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    for (const i of pairWords.get(best) ?? []) {
      addPairs(i, -1);
      const s = words[i].symbols;
      const out: string[] = [];
      for (let j = 0; j < s.length; j++) {
        if (j + 1 < s.length && s[j] === a && s[j + 1] === b) {
          out.push(merged);
          j++;
        } else out.push(s[j]);
      }
      words[i].symbols = out;
      addPairs(i, 1);
    }
    pairCount.delete(best);
    pairWords.delete(best);
  }
  return { vocab, merges };
}

/** tokenizer.json + tokenizer_config.json contents for a trained BPE. */
export function tokenizerFiles(bpe: TrainedBpe): { tokenizer: object; config: object } {
  const added = SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: PRETOKENIZE_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<bos>': { id: '<bos>', ids: [2], tokens: ['<bos>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(bpe.vocab),
      merges: bpe.merges.map(([a, b]) => [a, b]),
    },
  };
  const config = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<bos>',
    eos_token: '<end_of_turn>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    padding_side: 'left',
    clean_up_tokenization_spaces: false,
    model_max_length: 2048,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: GEMMA_CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(added.map((t) => [String(t.id), { ...t, id: undefined }])),
  };
  return { tokenizer, config };
}
