/**
 * Fuzz and floods on the lab's real sockets (loopback only): damaged SIP messages (the RFC 4475
 * torture messages mutated by test/helpers/mutate.ts, seeded) as UDP datagrams and on one TCP
 * stream never stop the transport; 100 MB without a line end, a header section that never ends and
 * a body cut short keep the connection's buffer bounded (the backlog limit), and a well-formed
 * message on a new connection is still delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { mutate, Rng } from '../../helpers/mutate';
import { openTcpTransport, openUdpTransport, type RealTransport } from '../../../src/main/live/transport';

const enc = new TextEncoder();
const FIX = resolve(__dirname, '../../fixtures/rfc4475');
const torture = readdirSync(FIX)
  .filter((f) => f.endsWith('.dat'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(`${FIX}/${f}`)));

const OPTIONS = (tag: string): string =>
  `OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK${tag}\r\nFrom: <sip:a@a>;tag=1\r\n` +
  `To: <sip:b@b>\r\nCall-ID: ${tag}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

const open: RealTransport[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Messages the transport delivered (as text), and a wait for the one whose Call-ID is `tag`. */
function listen(t: RealTransport): {
  count: () => number;
  until: (tag: string, ms?: number) => Promise<void>;
} {
  let n = 0;
  const seen = new Set<string>();
  const waits = new Map<string, () => void>();
  t.setListener({
    onMessage: (bytes) => {
      n++;
      const m = /Call-ID: (\S+)/.exec(new TextDecoder('latin1').decode(bytes));
      if (m) {
        seen.add(m[1]!);
        waits.get(m[1]!)?.();
      }
    },
    onTransportError: () => {},
  });
  return {
    count: () => n,
    until: (tag, ms = 10_000) =>
      new Promise<void>((res, rej) => {
        if (seen.has(tag)) return res();
        const timer = setTimeout(() => rej(new Error(`${tag} not delivered within ${ms} ms`)), ms);
        waits.set(tag, () => {
          clearTimeout(timer);
          res();
        });
      }),
  };
}

async function tcpClient(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  sockets.push(s);
  s.on('error', () => {});
  await new Promise<void>((res) => s.once('connect', () => res()));
  return s;
}

/** Writes `total` bytes of `fill` in 64 KiB pieces, waiting for drain (bounded: stops when the peer closes). */
async function flood(s: Socket, total: number, fill: number): Promise<number> {
  const piece = new Uint8Array(64 * 1024).fill(fill);
  let sent = 0;
  while (sent < total && !s.destroyed) {
    if (!s.write(piece)) await new Promise<void>((res) => (s.once('drain', res), s.once('close', res)));
    sent += piece.length;
  }
  return sent;
}

describe('the lab transports under damaged input', () => {
  it('UDP: 400 mutated torture messages as datagrams, then a good one is delivered (seed 0xD6A0)', async () => {
    const t = await openUdpTransport({ host: '127.0.0.1' });
    open.push(t);
    const l = listen(t);
    const s = createSocket('udp4');
    try {
      for (let i = 0; i < 400; i++) {
        const m = mutate(torture[i % torture.length]!, 0xd6a0 + i, { maxBytes: 60_000 });
        await new Promise<void>((res) =>
          s.send(m.bytes.subarray(0, 60_000), t.local.port, '127.0.0.1', () => res()),
        );
      }
      s.send(enc.encode(OPTIONS('udp-after')), t.local.port, '127.0.0.1');
      await l.until('udp-after');
      expect(l.count()).toBeGreaterThan(1);
    } finally {
      s.close();
    }
  });

  it('TCP: 400 mutated torture messages on one stream, then a good one on a new connection is delivered (seed 0xD6A1)', async () => {
    const t = await openTcpTransport({ host: '127.0.0.1' });
    open.push(t);
    const l = listen(t);
    const s = await tcpClient(t.local.port);
    const r = new Rng(0xd6a1);
    for (let i = 0; i < 400; i++) {
      const m = mutate(torture[r.next(torture.length)]!, 0xd6a1 + i);
      if (!s.write(m.bytes)) await new Promise<void>((res) => (s.once('drain', res), s.once('close', res)));
    }
    const s2 = await tcpClient(t.local.port);
    s2.write(OPTIONS('tcp-after'));
    await l.until('tcp-after');
  });

  it.each([
    ['100 MB without a line end', 0x61, ''],
    ['a start line, then 40 MB of one header that never ends', 0x61, 'OPTIONS sip:x SIP/2.0\r\nX-Long: '],
    [
      'a body promised 16 MB long, then 40 MB of CRLFs and nothing else',
      0x0a,
      'MESSAGE sip:x SIP/2.0\r\nContent-Length: 16000000\r\n\r\n',
    ],
  ])(
    'TCP: %s — the buffer stays bounded, a good message on a new connection is delivered',
    async (_what, fill, head) => {
      const t = await openTcpTransport({ host: '127.0.0.1' });
      open.push(t);
      const l = listen(t);
      const s = await tcpClient(t.local.port);
      s.write(head);
      const t0 = performance.now();
      const total = head ? 40 << 20 : 100 << 20;
      const sent = await flood(s, total, fill);
      // All of it read (not refused): skipped as junk as it came, or framed (the 16 MB body).
      expect(sent).toBe(total);
      expect(t.stats.junkBytes + t.stats.received).toBeGreaterThan(0);
      const s2 = await tcpClient(t.local.port);
      s2.write(OPTIONS('after-flood'));
      await l.until('after-flood', 20_000);
      expect(performance.now() - t0).toBeLessThan(30_000);
      expect(process.memoryUsage().rss).toBeLessThan(1.5 * 1024 ** 3);
    },
    60_000,
  );
});
