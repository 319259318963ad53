import { spawnNodeEngine } from '../engine/host';
import { type Backend, createBackend } from '../services';
import { defaultDataDir } from './paths';

/** Run a CLI command against the same backend the app uses (store, jobs, engine process). */
export async function withBackend<T>(dataDir: string | undefined, fn: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = createBackend({ dataDir: dataDir ?? defaultDataDir(), transport: 'http', spawnEngine: spawnNodeEngine });
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
