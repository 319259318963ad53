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
 * start. The bundles must parse, the built engine must do real work, and the main
 * bundle must start - under Node with a stand-in for Electron's API (this box cannot
 * download Electron), its engine a real process from the built engine.js.
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

  it('start the app: the main bundle opens the store, answers the API over IPC, runs the engine through the utilityProcess glue, and loads the renderer and preload', () => {
    const standIn = resolve(import.meta.dirname, '../helpers/electron-stand-in');
    const userData = mkdtempSync(join(tmpdir(), 'sqlora-app-'));
    try {
      const stdout = execFileSync(process.execPath, ['--import', join(standIn, 'register.mjs'), join(standIn, 'drive.mjs'), join(out, 'index.js')], {
        env: { ...process.env, SQLORA_STAND_IN_USER_DATA: userData },
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 90_000,
      }).toString();
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(report.info).toMatchObject({ ok: true, value: { transport: 'ipc', dataDir: userData, store: { schemaVersion: 2 } } });
      expect(report.matmul).toMatchObject({ ok: true, value: { gflops: expect.any(Number) } });
      expect(report).toMatchObject({ loaded: join(out, '../renderer/index.html'), loadedExists: true, preloadExists: true });
      expect(report.menu).toContain('File');
    } finally {
      rmSync(userData, { recursive: true, force: true });
    }
  }, 120_000);
});
