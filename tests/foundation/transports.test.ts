import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiClient } from '../../src-main/api/client';
import { ApiError, type Job } from '../../src-main/api/contract';
import { startHttpServer, type RunningHttpServer } from '../../src-main/api/http';
import { createHttpTransport } from '../../src-main/api/http-transport';
import { serveOverIpc } from '../../src-main/api/ipc';
import { createIpcTransport } from '../../src-main/api/ipc-transport';
import { tempBackend } from '../helpers/backend';

/**
 * Electron's IPC in miniature: ipcMain.handle / ipcRenderer.invoke and
 * webContents.send / ipcRenderer.on, with every message structured-cloned as
 * Electron does, so nothing that would not survive the real channel passes here.
 */
function ipcPair() {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipcMain = {
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => void handlers.set(channel, fn),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
  const ipcRenderer = {
    async invoke(channel: string, ...args: unknown[]) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler({}, ...args.map((a) => structuredClone(a))));
    },
    on(channel: string, listener: (event: unknown, payload: unknown) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const webContents = {
    send: (channel: string, payload: unknown) => listeners.get(channel)?.forEach((l) => l({}, structuredClone(payload))),
  };
  return { ipcMain, ipcRenderer, webContents };
}

const waitFor = async (predicate: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** The same checks run over both transports. */
async function roundTrip(client: ApiClient, backend: ReturnType<typeof tempBackend>) {
  const settings = await client.call('settings.set', { theme: 'light' });
  expect(settings).toEqual({ theme: 'light', backend: 'auto' });
  expect(await client.call('settings.get', {})).toEqual(settings);

  const error = await client.call('jobs.get', { id: 'missing' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ code: 'not_found', message: 'No job with id missing.' });
  const invalid = await client.call('jobs.get', { id: 5 } as never).catch((e: unknown) => e);
  expect(invalid).toMatchObject({ code: 'invalid_input' });

  const events: Job[] = [];
  const off = client.on('job.updated', (job) => events.push(job));
  const job = backend.jobs.start('import', 'Import over the wire', async (ctx) => {
    ctx.progress(0.25, 'a quarter');
    return { rows: 7 };
  });
  await backend.jobs.wait(job.id);
  await waitFor(() => events.some((e) => e.status === 'completed'));
  off();
  expect(events.find((e) => e.status === 'completed')).toMatchObject({ id: job.id, result: { rows: 7 }, progress: 1 });
  expect((await client.call('jobs.list', {}))[0]).toMatchObject({ id: job.id, status: 'completed' });
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

describe('IPC transport', () => {
  it('round-trips calls, errors and events over IPC-shaped channels', async () => {
    const backend = tempBackend('ipc');
    cleanups.push(() => backend.cleanup());
    const { ipcMain, ipcRenderer, webContents } = ipcPair();
    cleanups.push(serveOverIpc(ipcMain, backend.handlers, backend.bus, () => [webContents]));
    const client = createApiClient(createIpcTransport(ipcRenderer));
    expect(await client.call('app.info', {})).toMatchObject({ transport: 'ipc' });
    await roundTrip(client, backend);
  });
});

describe('HTTP + WebSocket transport', () => {
  async function serve() {
    const backend = tempBackend('http');
    const server: RunningHttpServer = await startHttpServer({
      handlers: backend.handlers,
      bus: backend.bus,
      uploadDir: join(backend.dataDir, 'uploads'),
      staticDir: null,
    });
    cleanups.push(() => backend.cleanup(), () => server.close());
    return { backend, server };
  }

  it('round-trips calls, errors and events over real HTTP and WebSocket', async () => {
    const { backend, server } = await serve();
    const transport = createHttpTransport(server.url, server.token, WebSocket as unknown as typeof globalThis.WebSocket);
    cleanups.push(() => transport.close());
    await transport.ready;
    const client = createApiClient(transport);
    expect(await client.call('app.info', {})).toMatchObject({ transport: 'http' });
    await roundTrip(client, backend);
  });

  it('answers 401 to API calls, uploads and event sockets without the right token', async () => {
    const { server } = await serve();
    const call = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

    expect((await call({ authorization: `Bearer ${server.token}` })).status).toBe(200);
    const tampered = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    for (const headers of [{}, { authorization: `Bearer ${tampered}` }, { authorization: server.token }] as Record<string, string>[]) {
      const response = await call(headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: 'Missing or wrong API token.' } });
    }
    expect((await fetch(`${server.url}/upload?name=x.csv`, { method: 'POST', body: 'a,b' })).status).toBe(401);

    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events?token=${tampered}`);
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('open', () => resolve('open'));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe('401');
  });

  it('stores an uploaded file under the data folder and returns its path', async () => {
    const { backend, server } = await serve();
    const source = join(backend.dataDir, 'source.csv');
    writeFileSync(source, 'sql_prompt,sql\n"How many?","SELECT 1"\n');
    const response = await fetch(`${server.url}/upload?name=../../evil name.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: createReadStream(source) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    const { path } = (await response.json()) as { path: string };
    expect(path.startsWith(join(backend.dataDir, 'uploads'))).toBe(true);
    expect(path.endsWith('evil name.csv')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(source, 'utf8'));
  });
});
