import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallResult } from './contract';
import { dispatch, type EventBus, type Handlers } from './server';

/**
 * The second transport: the same contract over HTTP + WebSocket on 127.0.0.1, for
 * `sqlora serve` (a browser drives the real renderer against the real backend).
 *   POST /api/<method>   body: JSON input            header: Authorization: Bearer <token>
 *   POST /upload?name=F  body: file bytes -> { path } (a browser has no file paths to give)
 *   GET  /events?token=  WebSocket; every backend event as {event, payload}
 *   GET  /*              the built renderer (static, no data in it)
 * A random token is minted per start; any API, upload or event request without it gets 401.
 */
export interface HttpServerOptions {
  handlers: Handlers;
  bus: EventBus;
  port?: number;
  token?: string;
  /** The built renderer (out/renderer); null serves the API alone. */
  staticDir?: string | null;
  /** Where uploaded files land. */
  uploadDir: string;
  /** Largest API request body, bytes. */
  maxBodyBytes?: number;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  token: string;
  /** The URL to open in a browser: the token travels in the fragment, which is never sent to servers or logs. */
  openUrl: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

// Mirrors the Electron window's policy; 'unsafe-inline' styles are needed by Svelte transitions and Monaco.
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self' ws://127.0.0.1:*; worker-src 'self' blob:; object-src 'none'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

function tokenMatches(expected: Buffer, given: string | null | undefined): boolean {
  if (!given) return false;
  const candidate = Buffer.from(given);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`Request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const staticRoot = options.staticDir ? resolve(options.staticDir) : null;
  const unauthorized: CallResult = { ok: false, error: { code: 'unauthorized', message: 'Missing or wrong API token.' } };

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Use POST.' } });
    let input: unknown;
    try {
      const body = await readBody(req, maxBody);
      input = body.length ? JSON.parse(body) : {};
    } catch (error) {
      return sendJson(res, 400, { ok: false, error: { code: 'invalid_input', message: `Unreadable request body: ${(error as Error).message}` } });
    }
    const result = await dispatch(options.handlers, method, input);
    sendJson(res, result.ok ? 200 : result.error.code === 'unknown_method' ? 404 : 200, result);
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = basename(url.searchParams.get('name') ?? 'upload.bin').replace(/[^\w.\- ]/g, '_') || 'upload.bin';
    const dir = join(options.uploadDir, randomBytes(6).toString('hex'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    await pipeline(req, createWriteStream(path));
    sendJson(res, 200, { path });
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (!staticRoot) return sendJson(res, 404, { error: 'No renderer is served by this server.' });
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    let file = resolve(staticRoot, relative || 'index.html');
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return sendJson(res, 403, { error: 'Forbidden' });
    let stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      // Client-side routes fall back to the app shell.
      file = join(staticRoot, 'index.html');
      stat = statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) return sendJson(res, 404, { error: 'Renderer not built: run `npm run build`.' });
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/api/');
    if ((isApi || url.pathname === '/upload') && !tokenMatches(expected, bearer(req))) {
      return sendJson(res, 401, unauthorized);
    }
    const work = isApi
      ? handleApi(req, res, url.pathname.slice('/api/'.length))
      : url.pathname === '/upload' && req.method === 'POST'
        ? handleUpload(req, res, url)
        : Promise.resolve(handleStatic(req, res, url.pathname));
    work.catch((error: Error) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'failed', message: error.message } });
      else res.destroy(error);
    });
  });

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/events' || !tokenMatches(expected, url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribe = options.bus.subscribe((event, payload) => {
    const message = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    token,
    openUrl: `${url}/#token=${token}`,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
