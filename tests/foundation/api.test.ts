import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/contract';
import { dispatch, type Handlers } from '../../src-main/api/server';
import { tempBackend } from '../helpers/backend';

describe('API dispatch validates both directions', () => {
  it('rejects input that does not match the contract, naming the field', async () => {
    const backend = tempBackend();
    const result = await dispatch(backend.handlers, 'engine.benchMatmul', { size: 'big', repeats: 1 });
    expect(result).toEqual({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/engine\.benchMatmul: size: .*number/) } });
    const extra = await dispatch(backend.handlers, 'settings.set', { theme: 'dark', colour: 'red' });
    expect(extra.ok).toBe(false);
    await backend.cleanup();
  });

  it('answers unknown methods with unknown_method', async () => {
    const backend = tempBackend();
    const result = await dispatch(backend.handlers, 'no.such', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_method', message: 'Unknown API method "no.such".' } });
    await backend.cleanup();
  });

  it('refuses to pass on a handler response that breaks the contract', async () => {
    const handlers = { 'jobs.list': async () => [{ id: 1 }] } as unknown as Handlers;
    const result = await dispatch(handlers, 'jobs.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringContaining('jobs.list returned an invalid response') } });
  });

  it('carries ApiError codes and details through', async () => {
    const handlers = {
      'jobs.get': async () => {
        throw new ApiError('not_found', 'No job with id x.', { id: 'x' });
      },
    } as unknown as Handlers;
    expect(await dispatch(handlers, 'jobs.get', { id: 'x' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No job with id x.', details: { id: 'x' } },
    });
  });

  it('persists settings and reports app info from the real store', async () => {
    const backend = tempBackend();
    const set = await dispatch(backend.handlers, 'settings.set', { theme: 'dark' });
    expect(set).toEqual({ ok: true, value: { theme: 'dark', backend: 'auto' } });
    expect(backend.store.getSetting('settings')).toEqual({ theme: 'dark', backend: 'auto' });
    const info = await dispatch(backend.handlers, 'app.info', {});
    expect(info).toMatchObject({ ok: true, value: { name: 'SQLoRA Workbench', transport: 'http', store: { schemaVersion: 2 } } });
    await backend.cleanup();
  });
});
