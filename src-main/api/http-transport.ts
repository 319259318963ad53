import type { RawTransport } from './client';

/**
 * Client side of the HTTP + WebSocket transport. Works in the browser (the renderer
 * under `sqlora serve`) and in Node >= 20 (tests), both of which have fetch and
 * WebSocket... except Node 20, whose WebSocket is behind a flag - pass one in.
 */
export function createHttpTransport(
  baseUrl: string,
  token: string,
  WebSocketImpl: typeof WebSocket = globalThis.WebSocket,
): RawTransport & { close(): void; ready: Promise<void> } {
  const listeners = new Set<(envelope: unknown) => void>();
  let socket: WebSocket | null = null;
  let closed = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));

  const connect = () => {
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/events?token=${encodeURIComponent(token)}`;
    socket = new WebSocketImpl(wsUrl);
    socket.onopen = () => markReady();
    socket.onmessage = (message: MessageEvent) => {
      let envelope: unknown;
      try {
        envelope = JSON.parse(String(message.data));
      } catch {
        return;
      }
      for (const listener of listeners) listener(envelope);
    };
    // Reconnect after a backend restart; events missed meanwhile are re-read by the views.
    socket.onclose = () => {
      if (!closed) setTimeout(connect, 1000);
    };
  };
  connect();

  return {
    ready,
    async call(method, input) {
      const response = await fetch(`${baseUrl}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input ?? {}),
      });
      return response.json();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
