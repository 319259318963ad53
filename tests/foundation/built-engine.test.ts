import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/server';
import { spawnNodeEngine } from '../../src-main/engine/host';
import { createBackend } from '../../src-main/services';

/**
 * The app runs the bundles electron-vite builds (`npm test` builds them first), not the
 * TypeScript the other tests import. electron-vite adds a top-level `require` shim to
 * an ESM bundle that uses require, and a module of ours declaring its own `require`
 * made out/main/engine.js a SyntaxError: in the app every engine request failed at
 * start. The bundles must parse, and the built engine must do real work.
 */
const out = resolve(import.meta.dirname, '../../out/main');
const built = existsSync(join(out, 'engine.js'));
if (!built) console.warn(`[built-engine] ${out}/engine.js not found (npm test builds it; vitest alone does not): the bundle tests are skipped.`);

describe.skipIf(!built)("the app's built main-process bundles", () => {
  it('parse as JavaScript', () => {
    for (const file of [join(out, 'index.js'), join(out, 'engine.js'), join(out, '../preload/index.cjs')]) {
      expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' }), file).not.toThrow();
    }
  });

  it('run the engine: it starts, measures a matmul and writes SQL with the embedded model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-built-'));
    const backend = createBackend({ dataDir, transport: 'http', spawnEngine: () => spawnNodeEngine(join(out, 'engine.js')) });
    try {
      const matmul = await dispatch(backend.handlers, 'engine.benchMatmul', { size: 64, repeats: 2 });
      expect(matmul).toMatchObject({ ok: true, value: { gflops: expect.any(Number) } });
      const generated = await dispatch(backend.handlers, 'generate.sql', {
        modelPath: resolve(import.meta.dirname, '../../resources/models/sqlora-tiny-gemma3'),
        question: 'How many users are there?',
        context: 'CREATE TABLE users (id INT, name TEXT);',
        maxNewTokens: 8,
      });
      expect(generated).toMatchObject({ ok: true, value: { tokens: expect.any(Number), finish: expect.stringMatching(/stop|length/) } });
      expect((generated as { value: { tokens: number } }).value.tokens).toBeGreaterThan(0);
    } finally {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
