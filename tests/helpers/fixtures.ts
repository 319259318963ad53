import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The team's reference fixtures live in ../shared/fixtures beside the checkout (or
 * $SQLORA_FIXTURES). Tests that need them skip with a printed reason when absent.
 */
export const fixturesDir = resolve(process.env.SQLORA_FIXTURES ?? resolve(import.meta.dirname, '../../../shared/fixtures'));
export const haveFixtures = existsSync(resolve(fixturesDir, 'README.md'));

if (!haveFixtures) {
  console.warn(`[fixtures] ${fixturesDir} not found: tests that need the reference fixtures are skipped.`);
}

export const fixture = (...parts: string[]): string => resolve(fixturesDir, ...parts);
