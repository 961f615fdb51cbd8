/**
 * Browser mode: serves the built renderer over HTTP and the service API over a WebSocket (`/ws`),
 * so the same app runs in any browser when Electron is not available.
 *
 * Security: binds to 127.0.0.1 unless told otherwise; rejects requests whose Host header is not this
 * server (DNS rebinding) and WebSocket/upload requests whose Origin is another site (CSRF from pages
 * the user visits); sends a strict CSP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, type WsClientFrame, type WsServerFrame } from '../../shared/api';
import type { ServiceHost } from '../service/host';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const MAX_UPLOAD = 8 * 1024 ** 3;

export interface BrowserServerOptions {
  host: ServiceHost;
  /** Folder with the built renderer (index.html + assets). */
  webRoot: string;
  bindHost?: string;
  port?: number;
}

export interface BrowserServer {
  url: string;
  port: number;
  /** Adds an upload directly (used for files named on the command line is not needed; kept for tests). */
  close(): Promise<void>;
  resolveUpload(token: string): string | null;
}

/** Starts the browser-mode server; resolves once it listens. */
export async function startBrowserServer(o: BrowserServerOptions): Promise<BrowserServer> {
  const bindHost = o.bindHost ?? '127.0.0.1';
  const webRoot = resolve(o.webRoot);
  const uploadDir = await mkdtemp(join(tmpdir(), 'sipscope-upload-'));
  const uploads = new Map<string, string>();
  let port = 0;

  const allowedHosts = (): Set<string> =>
    new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostForUrl(bindHost)}:${port}`]);
  const hostOk = (req: IncomingMessage): boolean => {
    if (bindHost === '0.0.0.0' || bindHost === '::') return true; // the user chose to serve every interface
    return allowedHosts().has((req.headers.host ?? '').toLowerCase());
  };
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser page (CLI tools, tests)
    try {
      return new URL(origin).host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${String(err)}`);
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) return send(res, 403, 'text/plain', 'forbidden host');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST only');
      if (!originOk(req)) return send(res, 403, 'text/plain', 'forbidden origin');
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > MAX_UPLOAD)
        return send(res, 413, 'text/plain', 'too large');
      const token = randomUUID();
      const file = join(uploadDir, token);
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_UPLOAD) req.destroy(new Error('upload too large'));
      });
      await pipeline(req, createWriteStream(file));
      uploads.set(token, file);
      return send(res, 200, 'application/json', JSON.stringify({ token, bytes: received }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed');
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(webRoot, rel));
    if (!file.startsWith(webRoot + sep)) return send(res, 403, 'text/plain', 'forbidden path');
    let size: number;
    try {
      const s = await stat(file);
      if (!s.isFile()) return send(res, 404, 'text/plain', 'not found');
      size = s.size;
    } catch {
      return send(res, 404, 'text/plain', 'not found');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(file), res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/ws' || !hostOk(req) || !originOk(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = o.host.onEvent((event, payload) => {
      sendFrame(ws, { type: 'event', event, payload });
    });
    ws.on('close', unsubscribe);
    // A frame past maxPayload, bad UTF-8, a bad opcode: ws closes the connection (1009, 1007, 1002)
    // and emits 'error'; unheard, that error ended the whole server (an uncaught exception).
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let frame: WsClientFrame;
      try {
        frame = JSON.parse(String(data)) as WsClientFrame;
      } catch {
        return ws.close(1007, 'invalid JSON');
      }
      if (frame?.type !== 'invoke' || !Number.isSafeInteger(frame.id)) return ws.close(1008, 'invalid frame');
      o.host.invoke(frame.channel as never, frame.req).then(
        (result) => sendFrame(ws, { type: 'result', id: frame.id, envelope: { ok: true, result } }),
        (err: unknown) => {
          const e =
            err instanceof ApiError
              ? err
              : new ApiError('internal', err instanceof Error ? err.message : String(err));
          sendFrame(ws, { type: 'result', id: frame.id, envelope: { ok: false, error: e.toData() } });
        },
      );
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port ?? 0, bindHost, () => res());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${hostForUrl(bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost)}:${port}/`,
    port,
    resolveUpload: (token) => uploads.get(token) ?? null,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      await rm(uploadDir, { recursive: true, force: true });
    },
  };
}

function hostForUrl(h: string): string {
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendFrame(ws: WebSocket, frame: WsServerFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}
