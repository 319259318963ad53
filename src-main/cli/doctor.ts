import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EventBus } from '../api/server';
import { EngineHost, spawnNodeEngine } from '../engine/host';
import { LATEST_VERSION, openStore } from '../store';
import { APP_VERSION } from '../services/version';
import type { BackendName } from '../api/contract';
import { defaultDataDir } from './paths';
import { type CommandSpec, UsageError } from './command';

const BACKENDS = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** Electron's version as installed, read without `require('electron')` (which would download its binary). */
function installedElectronVersion(): string | null {
  try {
    const path = createRequire(import.meta.url).resolve('electron/package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'Check this machine: versions, engine backends (and why one is chosen), GPU, store',
  usage: 'sqlora doctor [--json] [--backend auto|webgpu|tensorflow|wasm|cpu] [--data-dir DIR]',
  options: { json: { type: 'boolean' }, backend: { type: 'string' }, 'data-dir': { type: 'string' } },
  async run({ values }) {
    const backend = (values.backend as string | undefined) ?? 'auto';
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
    const dataDir = (values['data-dir'] as string | undefined) ?? defaultDataDir();
    const storePath = join(dataDir, 'store.db');

    let store: { path: string; schemaVersion: number | null; supported: number; error: string | null };
    try {
      const s = openStore(storePath);
      store = { path: storePath, schemaVersion: s.version(), supported: LATEST_VERSION, error: null };
      s.close();
    } catch (error) {
      store = { path: storePath, schemaVersion: null, supported: LATEST_VERSION, error: (error as Error).message };
    }

    const engine = new EngineHost(spawnNodeEngine, new EventBus(), () => backend as BackendName | 'auto');
    let engineReport: { backend: ReturnType<EngineHost['getStatus']>['backend']; matmulGflops: number | null; error: string | null };
    try {
      const bench = await engine.request('benchMatmul', { size: 512, repeats: 5 });
      engineReport = { backend: engine.getStatus().backend, matmulGflops: bench.gflops, error: null };
    } catch (error) {
      engineReport = { backend: engine.getStatus().backend, matmulGflops: null, error: (error as Error).message };
    } finally {
      engine.stop();
    }

    const report = {
      app: APP_VERSION,
      node: process.versions.node,
      electron: installedElectronVersion(),
      platform: `${process.platform}-${process.arch}`,
      engine: engineReport,
      store,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const b = engineReport.backend;
      const lines = [
        `SQLoRA Workbench ${report.app} on ${report.platform}`,
        `  Node ${report.node}, Electron ${report.electron ?? 'not installed'}`,
        `Engine backend: ${b ? `${b.chosen} - ${b.reason}` : 'none'}`,
        ...(b?.probes ?? []).map((p) => `  ${p.available ? 'yes' : 'no '} ${p.name.padEnd(10)} ${p.detail}`),
        `GPU adapter: ${b?.gpu ? `${b.gpu.vendor} ${b.gpu.architecture} ${b.gpu.description} (maxBufferSize ${b.gpu.maxBufferSize}, maxStorageBufferBindingSize ${b.gpu.maxStorageBufferBindingSize})` : 'none'}`,
        engineReport.matmulGflops !== null ? `Matmul 512³: ${engineReport.matmulGflops.toFixed(1)} GFLOP/s` : `Engine error: ${engineReport.error}`,
        `Store: ${store.path} (schema ${store.schemaVersion ?? '?'} of ${store.supported})${store.error ? ` - ${store.error}` : ''}`,
      ];
      console.log(lines.join('\n'));
    }
    return engineReport.error || store.error ? 1 : 0;
  },
};
