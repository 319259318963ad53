import { IPC_CALL, IPC_EVENT } from './ipc-transport';
import { dispatch, type EventBus, type Handlers } from './server';

/**
 * The first transport: the contract over Electron IPC. This file has no `electron`
 * import - the glue passes in `ipcMain` - so the same code is exercised by tests
 * over IPC-shaped channels. The renderer side is ipc-transport.ts.
 */

export { IPC_CALL, IPC_EVENT };

export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}
export interface EventTarget {
  send(channel: string, payload: unknown): void;
  isDestroyed?(): boolean;
}
/** Main-process side: answer calls and forward every bus event to the windows. */
export function serveOverIpc(ipcMain: IpcMainLike, handlers: Handlers, bus: EventBus, targets: () => EventTarget[]): () => void {
  ipcMain.handle(IPC_CALL, async (_event, message) => {
    const { method, input } = (message ?? {}) as { method?: unknown; input?: unknown };
    return dispatch(handlers, typeof method === 'string' ? method : '', input);
  });
  const unsubscribe = bus.subscribe((event, payload) => {
    for (const target of targets()) if (!target.isDestroyed?.()) target.send(IPC_EVENT, { event, payload });
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
  };
}
