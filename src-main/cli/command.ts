import type { ParseArgsConfig } from 'node:util';

/** One `sqlora` subcommand: its options (node:util parseArgs) and what it does. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Resolves to the exit code. */
  run(args: { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] }): Promise<number>;
}

/** Wrong arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `value` as a whole number of at least `min`, or null when it is not one (flags and environment variables alike). */
export function wholeNumberAtLeast(value: unknown, min: number): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n >= min ? n : null;
}
