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
  truncated: boolean;
}

/**
 * Prompt and response tokenised separately, so the labels mask exactly the prompt
 * (-100) and train on the response and its <end_of_turn>. Too long: the response is
 * cut at maxLength; null when the prompt alone leaves no room for an answer.
 */
export function formatExample(tokenizer: ChatTokenizer, example: SqlExample, options: { maxLength: number; includeExplanation: boolean }): FormattedExample | null {
  const prompt = promptIds(tokenizer, example.prompt, example.context);
  const end = tokenizer.endOfTurnId();
  const response = [...tokenizer.encode(responseText(example, options.includeExplanation)), ...(end === undefined ? [] : [end])];
  if (prompt.length + 8 > options.maxLength) return null;
  const room = options.maxLength - prompt.length;
  const kept = response.slice(0, room);
  return {
    inputIds: [...prompt, ...kept],
    labels: [...prompt.map(() => -100), ...kept],
    promptLength: prompt.length,
    truncated: kept.length < response.length,
  };
}
