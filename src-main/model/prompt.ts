import type { EncodedExample } from '../train/trainer';
import type { ChatTokenizer } from './tokenizer';

/**
 * The seed's prompt (DESIGN.md), formatted through the model's chat template.
 * One decision differs from the seed on purpose: the seed trained without <bos>
 * but evaluated with the template's <bos>; here both training and inference use the
 * template with its <bos>, so the model is trained on exactly what it is asked.
 */

export interface SqlExample {
  prompt: string;
  context: string;
  sql: string;
  explanation: string | null;
}

export const userMessage = (prompt: string, context: string): string =>
  `Generate the SQL query for the following request based on the provided context.\n\nRequest: ${prompt}\n\nDatabase Context:\n${context}`;

/** The target the model learns: `SQL: ...` (and the explanation when asked), ended the template's way. */
export const responseText = (example: SqlExample, includeExplanation: boolean): string =>
  `SQL: ${example.sql}${includeExplanation && example.explanation ? `\nExplanation: ${example.explanation}` : ''}`;

/** Prompt tokens for inference: the user turn and the opening of the model turn. */
export function promptIds(tokenizer: ChatTokenizer, prompt: string, context: string): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: userMessage(prompt, context) }], true));
}

export interface FormattedExample extends EncodedExample {
  promptLength: number;
  /** The schema context was shortened so the whole SQL fits. */
  truncated: boolean;
}

/**
 * Prompt and response tokenised separately, so the labels mask exactly the prompt
 * (-100) and train on the response and its <end_of_turn>. When the example is longer
 * than maxLength the schema context is cut (from its end, by tokens) - never the SQL;
 * null when even an empty context leaves no room for the response.
 */
export function formatExample(tokenizer: ChatTokenizer, example: SqlExample, options: { maxLength: number; includeExplanation: boolean }): FormattedExample | null {
  const end = tokenizer.endOfTurnId();
  const response = [...tokenizer.encode(responseText(example, options.includeExplanation)), ...(end === undefined ? [] : [end])];
  const build = (context: string, truncated: boolean): FormattedExample => {
    const prompt = promptIds(tokenizer, example.prompt, context);
    return { inputIds: [...prompt, ...response], labels: [...prompt.map(() => -100), ...response], promptLength: prompt.length, truncated };
  };
  const whole = build(example.context, false);
  if (whole.inputIds.length <= options.maxLength) return whole;
  if (build('', true).inputIds.length > options.maxLength) return null;
  // Cut the context's tokens to what is left; decoding and re-encoding can shift a
  // token at the cut, so shrink until it fits.
  const contextIds = tokenizer.encode(example.context);
  let keep = Math.max(0, contextIds.length - (whole.inputIds.length - options.maxLength));
  for (;;) {
    const candidate = build(tokenizer.decode(contextIds.slice(0, keep)), true);
    if (candidate.inputIds.length <= options.maxLength || keep === 0) return candidate;
    keep -= Math.max(1, candidate.inputIds.length - options.maxLength);
    keep = Math.max(0, keep);
  }
}
