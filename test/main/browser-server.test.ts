/**
 * Browser mode's server for real: static files with CSP, the API over a WebSocket, uploads, and the
 * Host/Origin checks that keep other web pages and DNS rebinding out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server';
import { createHost } from '../../src/main/service/create-host';
import type { ServiceHost } from '../../src/main/service/host';
import type { WsServerFrame } from '../../src/shared/api';

let server: BrowserServer;
let host: ServiceHost;
let webRoot: string;

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'sipscope-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>t</title>');
  host = createHost({ mode: 'browser', recentFile: null, resolveUpload: (t) => server.resolveUpload(t) });
  server = await startBrowserServer({ host, webRoot, port: 0 });
});
afterAll(async () => {
  await host.dispose();
  await server.close();
});

function http(
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: o.method ?? 'GET', headers: o.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

function connect(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function invoke(ws: WebSocket, id: number, channel: string, req: unknown): Promise<WsServerFrame> {
  return new Promise((resolve) => {
    const onMsg = (data: WebSocket.RawData): void => {
      const f = JSON.parse(String(data)) as WsServerFrame;
      if (f.type === 'result' && f.id === id) {
        ws.off('message', onMsg);
        resolve(f);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ type: 'invoke', id, channel, req }));
  });
}

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 and prints a loopback URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves the renderer with a strict CSP and refuses paths outside it', async () => {
    const r = await http('/');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(String(r.headers['content-security-policy'])).toContain("object-src 'none'");
    expect((await http('/../../etc/passwd')).status).not.toBe(200);
    expect((await http('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404); // WHATWG URL resolves it inside the root
    expect((await http('/..%2f..%2f..%2fetc%2fpasswd')).status).toBe(403);
    expect((await http('/missing.js')).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await http('/', { headers: { host: 'evil.example:80' } })).status).toBe(403);
  });

  it('answers API calls over the WebSocket in envelopes', async () => {
    const ws = await connect();
    const info = await invoke(ws, 1, 'app:info', null);
    expect(info).toMatchObject({
      type: 'result',
      id: 1,
      envelope: { ok: true, result: { name: 'sipscope', mode: 'browser' } },
    });
    const bad = await invoke(ws, 2, 'capture:openPath', { path: 7 });
    expect(bad).toMatchObject({ envelope: { ok: false, error: { code: 'bad-request' } } });
    const unknown = await invoke(ws, 3, 'shell:exec', { cmd: 'rm' });
    expect(unknown).toMatchObject({ envelope: { ok: false, error: { code: 'unknown-channel' } } });
    const missing = await invoke(ws, 4, 'capture:openPath', { path: '/nonexistent/file.pcap' });
    expect(missing).toMatchObject({ envelope: { ok: false, error: { code: 'unreadable' } } });
    ws.close();
  });

  it('refuses WebSocket connections and uploads from another origin', async () => {
    await expect(connect({ origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const up = await http('/api/upload', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: Buffer.from('x'),
    });
    expect(up.status).toBe(403);
  });

  it('accepts a same-origin upload and opens it by token', async () => {
    const body = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n');
    const up = await http('/api/upload', {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${server.port}`, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(up.status).toBe(200);
    const { token, bytes } = JSON.parse(up.body) as { token: string; bytes: number };
    expect(bytes).toBe(body.length);
    expect(server.resolveUpload(token)).toMatch(/sipscope-upload-/);
    const ws = await connect();
    const bogus = await invoke(ws, 1, 'capture:openUpload', { token: 'nope', name: 'x' });
    expect(bogus).toMatchObject({ envelope: { ok: false, error: { code: 'not-found' } } });
    ws.close();
  });
});
