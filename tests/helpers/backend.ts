import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Input, Method, Output } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
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

/** `call(method, input)` on a backend: the value, or an Error reading "code: message". */
export function apiCaller(backend: Backend) {
  return async <M extends Method>(method: M, input: Input<M>): Promise<Output<M>> => {
    const r = await dispatch(backend.handlers, method, input);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value as Output<M>;
  };
}
