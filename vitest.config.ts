import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // better-sqlite3, wasm and child processes behave best in forked workers.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core CI: two workers keep the suite fast without starving the engine processes it spawns.
    maxWorkers: 2,
    // .ci/run reads the counts from a JSON report to print its closing line.
    reporters: process.env.SQLORA_TEST_REPORT ? ['default', ['json', { outputFile: process.env.SQLORA_TEST_REPORT }]] : ['default'],
  },
});
