/**
 * Real UDP/TCP transports on loopback (RFC 3261 §18): datagrams, stream framing by Content-Length
 * (§18.3), responses on the connection the request came in on (§18.2.2), IPv4 and IPv6.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import type { Transport, TransportAddress } from '../../../src/sip-core/stack/transport';
import {
  openTcpTransport,
  openTransport,
  openUdpTransport,
  type RealTransport,
  type WireEvent,
} from '../../../src/main/live/transport';

const enc = new TextEncoder();
const dec = new TextDecoder();

function request(method: string, via: string, body = '', extra = ''): string {
  return (
    `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: ${via};branch=z9hG4bK${Math.random().toString(36).slice(2)}\r\n` +
    `From: <sip:alice@a>;tag=1\r\nTo: <sip:bob@b>\r\nCall-ID: c-${method}\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n${extra}` +
    `Content-Length: ${enc.encode(body).length}\r\n\r\n${body}`
  );
}

interface Got {
  text: string;
  source: TransportAddress;
}

function collect(t: Transport): { got: Got[]; errors: string[]; next: (n?: number) => Promise<Got[]> } {
  const got: Got[] = [];
  const errors: string[] = [];
  const waiters: { n: number; res: (g: Got[]) => void }[] = [];
  t.setListener({
    onMessage: (bytes, source) => {
      got.push({ text: dec.decode(bytes), source });
      for (const w of waiters.splice(0)) {
        if (got.length >= w.n) w.res(got);
        else waiters.push(w);
      }
    },
    onTransportError: (_d, e) => errors.push(e),
  });
  return {
    got,
    errors,
    next: (n = got.length + 1) =>
      new Promise<Got[]>((res, rej) => {
        if (got.length >= n) return res(got);
        const timer = setTimeout(
          () => rej(new Error(`timeout waiting for ${n} messages, got ${got.length}`)),
          5000,
        );
        waiters.push({
          n,
          res: (g) => {
            clearTimeout(timer);
            res(g);
          },
        });
      }),
  };
}

const open: RealTransport[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function pair(
  kind: 'UDP' | 'TCP',
  host: string,
  tapA?: (e: WireEvent) => void,
): Promise<[RealTransport, RealTransport]> {
  const a = await openTransport(kind, { host, tap: tapA });
  const b = await openTransport(kind, { host });
  open.push(a, b);
  return [a, b];
}

describe('UDP transport', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`delivers one datagram per message with the real source address (${host})`, async () => {
      const taps: WireEvent[] = [];
      const [a, b] = await pair('UDP', host, (e) => taps.push({ ...e, bytes: e.bytes.slice() }));
      expect(a.reliable).toBe(false);
      expect(a.local.port).toBeGreaterThan(0);
      expect(a.local.host).toBe(host);
      const rb = collect(b);
      const ra = collect(a);
      const msg = request(
        'OPTIONS',
        `SIP/2.0/UDP ${host.includes(':') ? `[${host}]` : host}:${a.local.port}`,
      );
      expect(a.send(enc.encode(msg), b.local)).toEqual({ ok: true });
      const [g] = await rb.next(1);
      expect(g!.text).toBe(msg);
      expect(g!.source).toEqual({ host, port: a.local.port, transport: 'UDP' });
      // reply to the source
      b.send(enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), g!.source);
      const [r] = await ra.next(1);
      expect(r!.text.startsWith('SIP/2.0 200 OK')).toBe(true);
      expect(taps.map((t) => t.direction)).toEqual(['sent', 'received']);
      expect(taps[0]!.remote).toEqual(b.local);
      expect(taps[1]!.remote.port).toBe(b.local.port);
      expect(taps[1]!.timeUs).toBeGreaterThanOrEqual(taps[0]!.timeUs);
      expect(Math.abs(taps[0]!.timeUs / 1000 - Date.now())).toBeLessThan(5000);
    });
  }

  it('ignores CRLF keep-alives and non-SIP datagrams, and refuses the other address family', async () => {
    const u = await openUdpTransport();
    open.push(u);
    const r = collect(u);
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.send('\r\n\r\n', u.local.port, '127.0.0.1', () => res()));
    await new Promise<void>((res) => s.send('hello', u.local.port, '127.0.0.1', () => res()));
    const m = request('OPTIONS', 'SIP/2.0/UDP 127.0.0.1:9');
    await new Promise<void>((res) => s.send('\r\n' + m, u.local.port, '127.0.0.1', () => res()));
    await r.next(1);
    s.close();
    expect(r.got).toHaveLength(1);
    expect(r.got[0]!.text).toBe(m);
    expect(u.stats.ignored).toBe(2);
    const bad = u.send(enc.encode(m), { host: '::1', port: 5060, transport: 'UDP' });
    expect(bad.ok).toBe(false);
  });

  it('fails to bind an address in use with a clear message', async () => {
    const u = await openUdpTransport();
    open.push(u);
    await expect(openUdpTransport({ port: u.local.port })).rejects.toThrow(
      /cannot bind UDP 127\.0\.0\.1:\d+/,
    );
  });
});

describe('TCP transport', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`reuses one connection for a request and its response (${host})`, async () => {
      const [a, b] = await pair('TCP', host);
      expect(a.reliable).toBe(true);
      const ra = collect(a);
      const rb = collect(b);
      const msg = request(
        'INVITE',
        `SIP/2.0/TCP ${host.includes(':') ? `[${host}]` : host}:${a.local.port}`,
        'v=0\r\n',
      );
      a.send(enc.encode(msg), b.local);
      const [g] = await rb.next(1);
      expect(g!.text).toBe(msg);
      expect(g!.source.host).toBe(host);
      expect(g!.source.transport).toBe('TCP');
      // The source port is the connection's ephemeral port, not a.local.port.
      expect(g!.source.port).not.toBe(a.local.port);
      b.send(enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), g!.source);
      await ra.next(1);
      // A second request from b to a's listening address: the Via alias makes b reuse the connection.
      b.send(enc.encode(request('BYE', `SIP/2.0/TCP x:${b.local.port}`)), a.local);
      await ra.next(2);
      expect((a as unknown as { connections: number }).connections).toBe(1);
      expect((b as unknown as { connections: number }).connections).toBe(1);
    });
  }

  it('frames messages out of the stream: several in one segment, one across many', async () => {
    const t = await openTcpTransport();
    open.push(t);
    const r = collect(t);
    const s = connect({ host: '127.0.0.1', port: t.local.port });
    sockets.push(s);
    await new Promise<void>((res) => s.once('connect', () => res()));
    const m1 = request('OPTIONS', 'SIP/2.0/TCP 127.0.0.1:1');
    const m2 = request(
      'MESSAGE',
      'SIP/2.0/TCP 127.0.0.1:1',
      'hello\r\n\r\nworld',
      'Content-Type: text/plain\r\n',
    );
    const m3 = request('INFO', 'SIP/2.0/TCP 127.0.0.1:1', 'x'.repeat(3000));
    s.write('\r\n\r\n' + m1 + m2);
    await r.next(2);
    const bytes = enc.encode(m3);
    for (let i = 0; i < bytes.length; i += 7) {
      s.write(bytes.subarray(i, i + 7));
      if (i % 700 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    await r.next(3);
    expect(r.got.map((g) => g.text)).toEqual([m1, m2, m3]);
    expect(t.stats.framingProblems).toBe(0);
  });

  it('reports a refused connection as a transport error', async () => {
    const t = await openTcpTransport();
    open.push(t);
    const r = collect(t);
    // A port with nothing listening: open and close a server to get one.
    const srv = createServer();
    const port = await new Promise<number>((res) =>
      srv.listen(0, '127.0.0.1', () => res((srv.address() as { port: number }).port)),
    );
    await new Promise<void>((res) => srv.close(() => res()));
    expect(
      t.send(enc.encode(request('OPTIONS', 'SIP/2.0/TCP 127.0.0.1:1')), {
        host: '127.0.0.1',
        port,
        transport: 'TCP',
      }).ok,
    ).toBe(true);
    for (let i = 0; i < 100 && r.errors.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(r.errors[0]).toMatch(/ECONNREFUSED/);
    expect(t.connections).toBe(0);
  });
});
