import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlora } from '../helpers/cli';


describe('sqlora CLI', () => {
  it('doctor --json reports versions, the chosen backend with its reason, and the store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-doctor-'));
    const { code, stdout } = await sqlora(['doctor', '--json', '--data-dir', dataDir]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.node).toBe(process.versions.node);
    expect(report.electron).toMatch(/^45\./);
    // auto picks the first usable backend, passing over a software WebGPU adapter (wasm on a GPU-less CI box, with or without lavapipe)
    const { probes, gpu } = report.engine.backend;
    const firstUsable = probes.find((p: { name: string; available: boolean }) => p.available && !(p.name === 'webgpu' && gpu?.software)).name;
    expect(report.engine.backend.chosen).toBe(firstUsable);
    if (gpu?.software) expect(probes[0].detail).toContain('a software renderer on the CPU, slower than wasm');
    expect(report.engine.backend.reason).toMatch(/first available in the order webgpu > tensorflow > wasm > cpu/);
    expect(report.engine.backend.probes.map((p: { name: string }) => p.name)).toEqual(['webgpu', 'tensorflow', 'wasm', 'cpu']);
    expect(report.engine.matmulGflops).toBeGreaterThan(0);
    expect(report.store).toMatchObject({ path: join(dataDir, 'store.db'), schemaVersion: 2, error: null });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects unknown commands and bad options with usage, exit 2', async () => {
    expect(await sqlora(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await sqlora(['doctor', '--backend', 'tpu'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--backend must be one of') });
    expect(await sqlora(['serve', '--port', 'abc'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--port must be an integer') });
  });
});
