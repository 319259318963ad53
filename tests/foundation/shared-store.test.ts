import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRun, getRun } from '../../src-main/runs';
import { createBackend } from '../../src-main/services';
import { spawnNodeEngine } from '../../src-main/engine/host';

/** The app and `sqlora` commands share one data folder: a second process must not declare the first one's run crashed. */
describe('one data folder, several processes', () => {
  it('leaves a running run alone while its process lives, and recovers it once that process is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqlora-shared-'));
    const first = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    const id = createRun(first.store, { name: 'long run', kind: 'trained', status: 'running', config: {}, datasetId: null, sweepId: null });

    // Another live process (here: a lock left by this test's parent, which is alive) has the folder open.
    writeFileSync(join(dataDir, `.open-by-${process.ppid}`), String(process.ppid));
    const second = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    expect(getRun(second.store, id).status).toBe('running');
    await second.close();
    await first.close();

    // Only a dead process's lock is left: the run was orphaned by a crash.
    rmSync(join(dataDir, `.open-by-${process.ppid}`));
    writeFileSync(join(dataDir, '.open-by-999999999'), '999999999');
    const third = createBackend({ dataDir, transport: 'http', spawnEngine: spawnNodeEngine });
    expect(getRun(third.store, id).status).toBe('interrupted');
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.open-by-'))).toEqual([`.open-by-${process.pid}`]);
    await third.close();
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.open-by-'))).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
