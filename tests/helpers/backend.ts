import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNodeEngine } from '../../src-main/engine/host';
import { type Backend, createBackend } from '../../src-main/services';

/** A real backend (store, jobs, engine process) on a throwaway data folder. */
export function tempBackend(transport: 'ipc' | 'http' = 'http'): Backend & { cleanup(): Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-test-'));
  const backend = createBackend({ dataDir, transport, spawnEngine: spawnNodeEngine });
  return Object.assign(backend, {
    async cleanup() {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
