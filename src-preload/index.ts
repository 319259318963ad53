import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createIpcTransport } from '../src-main/api/ipc-transport';

/**
 * The preload exposes exactly two things to the sandboxed renderer:
 *  - `window.sqlora`: the raw transport of the typed API (the renderer wraps it in
 *    createApiClient, which validates every response and event);
 *  - `window.sqloraNative`: what only a desktop window can do (file paths of dropped
 *    files, native open dialogs, commands from the native menu).
 */
const transport = createIpcTransport(ipcRenderer);

contextBridge.exposeInMainWorld('sqlora', {
  call: (method: string, input: unknown) => transport.call(method, input),
  subscribe: (listener: (envelope: unknown) => void) => transport.subscribe(listener),
});

contextBridge.exposeInMainWorld('sqloraNative', {
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  /** Menu commands from the main process: a screen name, 'datasets:open' or 'guide'. */
  onMenu: (listener: (target: string) => void) => void ipcRenderer.on('sqlora:navigate', (_event, target: string) => listener(target)),
  openFiles: (options: { title: string; filters?: { name: string; extensions: string[] }[]; directory?: boolean }) =>
    ipcRenderer.invoke('sqlora:open-files', options) as Promise<string[]>,
});
