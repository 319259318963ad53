import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';

describe('engine process', () => {
  it('runs requests in a separate process on the chosen backend', async () => {
    const backend = tempBackend();
    const result = await dispatch(backend.handlers, 'engine.benchMatmul', { size: 64, repeats: 2 });
    expect(result).toMatchObject({ ok: true, value: { gflops: expect.any(Number) } });
    const status = backend.engine.getStatus();
    expect(status).toMatchObject({ state: 'ready', backend: { chosen: (result as { value: { backend: string } }).value.backend } });
    expect(status.pid).not.toBe(process.pid);
    await backend.cleanup();
  });

  it('cancels a request whose caller gave up while the engine was starting', async () => {
    const backend = tempBackend();
    const controller = new AbortController();
    const request = backend.engine.request('benchMatmul', { size: 2048, repeats: 200 }, { signal: controller.signal });
    controller.abort();
    await expect(request).rejects.toMatchObject({ code: 'cancelled', message: 'benchMatmul was cancelled before it started.' });
    await backend.cleanup();
  });

  it('turns a killed engine into an error for the request in flight and keeps the app alive', async () => {
    const backend = tempBackend();
    const statuses: EngineStatus[] = [];
    backend.bus.subscribe((event, payload) => event === 'engine.status' && statuses.push(payload as EngineStatus));
    // Long enough to be mid-request when the kill lands (seconds on wasm).
    const inFlight = dispatch(backend.handlers, 'engine.benchMatmul', { size: 2048, repeats: 200 });
    while (backend.engine.getStatus().state !== 'busy') await new Promise((r) => setTimeout(r, 20));
    const pid = backend.engine.getStatus().pid!;
    process.kill(pid, 'SIGKILL');

    const result = await inFlight;
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'engine_crashed', message: expect.stringContaining('was killed (SIGKILL) while running benchMatmul') },
    });
    expect(statuses.at(-1)).toMatchObject({ state: 'crashed', pid: null, lastError: expect.stringContaining('SIGKILL') });

    // The backend still answers, and the next engine request starts a fresh engine.
    expect(await dispatch(backend.handlers, 'app.info', {})).toMatchObject({ ok: true });
    const again = await dispatch(backend.handlers, 'engine.benchMatmul', { size: 32, repeats: 1 });
    expect(again).toMatchObject({ ok: true });
    expect(backend.engine.getStatus()).toMatchObject({ state: 'ready', lastError: null });
    expect(backend.engine.getStatus().pid).not.toBe(pid);
    await backend.cleanup();
  });
});
