import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from './safetensors';

/**
 * A model folder's tokenizer and chat template, loaded offline with
 * @huggingface/tokenizers and @huggingface/jinja (the pieces transformers.js uses
 * underneath, without its ONNX runtime). Loading Gemma's 33 MB tokenizer takes
 * ~2 s, so each folder is loaded once per process.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export class ChatTokenizer {
  private template: Template | null;

  private constructor(
    readonly dir: string,
    private readonly tokenizer: Tokenizer,
    private readonly config: Record<string, unknown>,
  ) {
    const source = config.chat_template;
    this.template = typeof source === 'string' ? new Template(source) : null;
  }

  private static cache = new Map<string, ChatTokenizer>();

  static load(dir: string): ChatTokenizer {
    const cached = ChatTokenizer.cache.get(dir);
    if (cached) return cached;
    const tokenizerPath = join(dir, 'tokenizer.json');
    const configPath = join(dir, 'tokenizer_config.json');
    for (const path of [tokenizerPath, configPath]) {
      if (!existsSync(path)) throw new ModelFileError(path, null, `not found in ${dir} (the tokenizer and its chat template come from the model folder)`);
    }
    const parse = (path: string) => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new ModelFileError(path, null, `is not valid JSON (${(error as Error).message})`);
      }
    };
    const config = parse(configPath);
    const tokenizer = new ChatTokenizer(dir, new Tokenizer(parse(tokenizerPath), config), config);
    ChatTokenizer.cache.set(dir, tokenizer);
    return tokenizer;
  }

  /** Token ids of text as it is: no <bos> added (the chat template writes its own). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Text of token ids. A model whose embedding is larger than its vocabulary (padded,
   * as Gemma's is) can emit ids the tokenizer has no entry for: they are dropped.
   */
  decode(ids: number[], skipSpecialTokens = true): string {
    const known = ids.filter((id) => this.tokenizer.id_to_token(id) !== undefined);
    return known.length ? this.tokenizer.decode(known, { skip_special_tokens: skipSpecialTokens }) : '';
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  private special(name: string): string {
    const v = this.config[name];
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
    return '';
  }

  /** The chat template rendered to text (it begins with <bos> for Gemma); jinja's built-in raise_exception reports template errors. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.template) throw new ModelFileError(join(this.dir, 'tokenizer_config.json'), 'chat_template', 'missing: this model has no chat template');
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.special('bos_token'),
      eos_token: this.special('eos_token'),
    });
  }

  /** The token that ends a model turn (`<end_of_turn>` for Gemma), used as the generation stop. */
  endOfTurnId(): number | undefined {
    return this.tokenId('<end_of_turn>') ?? this.tokenId(this.special('eos_token'));
  }
}
