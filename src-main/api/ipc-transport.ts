import type { RawTransport } from './client';

/** Renderer side of the IPC transport (used by the preload). Kept free of the server code so the preload stays small. */
export const IPC_CALL = 'sqlora:call';
export const IPC_EVENT = 'sqlora:event';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** The raw transport that contextBridge exposes as `window.sqlora`. */
export function createIpcTransport(ipcRenderer: IpcRendererLike): RawTransport {
  return {
    call: (method, input) => ipcRenderer.invoke(IPC_CALL, { method, input }),
    subscribe(listener) {
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(IPC_EVENT, wrapped);
      return () => void ipcRenderer.removeListener(IPC_EVENT, wrapped);
    },
  };
}
