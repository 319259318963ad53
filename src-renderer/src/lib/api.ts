import { createApiClient, type ApiClient, type RawTransport } from '@api/client';
import { createHttpTransport } from '@api/http-transport';

/**
 * The renderer's one API client. In the Electron window the preload exposes the IPC
 * transport as `window.sqlora`; in a browser (under `sqlora serve`) we talk HTTP +
 * WebSocket to the page's own origin with the token from the URL fragment.
 */
declare global {
  interface Window {
    sqlora?: RawTransport;
    sqloraNative?: {
      pathForFile(file: File): string;
      onMenu(listener: (target: string) => void): void;
      openFiles(options: { title: string; filters?: { name: string; extensions: string[] }[]; directory?: boolean }): Promise<string[]>;
    };
  }
}

const TOKEN_KEY = 'sqlora-token';

function browserToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    // Keep the token out of the address bar (and screenshots, and history).
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export const transportKind: 'ipc' | 'http' = window.sqlora ? 'ipc' : 'http';

const httpToken = transportKind === 'http' ? browserToken() : '';

export const api: ApiClient = createApiClient(window.sqlora ?? createHttpTransport(location.origin, httpToken));

/**
 * A dropped or picked file as a path the backend can read: the real path in the
 * desktop app, an upload to the server in a browser.
 */
export async function fileToPath(file: File): Promise<string> {
  if (window.sqloraNative) return window.sqloraNative.pathForFile(file);
  const response = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${httpToken}` },
    body: file,
  });
  if (!response.ok) throw new Error(`Upload of ${file.name} failed (${response.status}).`);
  return ((await response.json()) as { path: string }).path;
}
