/**
 * Fuzz the live HEP listener on loopback (test/helpers/mutate.ts, seeded): mutated HEP3/HEP2 packets
 * (plain and compressed payloads) as UDP datagrams and on one TCP stream, and compressed payloads
 * that would inflate to 8 MiB each: the listener counts what it cannot read, keeps its memory, and
 * still takes a good packet afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mutate, Rng } from '../../helpers/mutate';
import { startHepListener, type LiveSource } from '../../../src/main/live';
import { hep2, hep3, type HepFields } from './hep-encode';

const sources: LiveSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop();
});

const sip = (tag: string): string =>
  `OPTIONS sip:b@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${tag}\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\n` +
  `Call-ID: ${tag}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
const fields = (tag: string, more: Partial<HepFields> = {}): HepFields => ({
  src: '10.0.0.1',
  dst: '10.0.0.2',
  srcPort: 5060,
  dstPort: 5060,
  timeUs: 1_700_000_000_000_000,
  payload: sip(tag),
  ...more,
});

async function until(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fuzz: the live HEP listener', () => {
  it('600 mutated HEP packets over UDP and TCP, and ten 8 MiB inflation bombs: a good packet after them is read, memory kept (seed 0x4E9F)', async () => {
    const src = await startHepListener({ port: 0 });
    sources.push(src);
    const udpPort = Number(/udp 127\.0\.0\.1:(\d+)/.exec(src.listening.join(' '))![1]);
    const tcpPort = Number(/tcp 127\.0\.0\.1:(\d+)/.exec(src.listening.join(' '))![1]);
    const seeds = [
      hep3(fields('a')),
      hep3(fields('b', { compress: true, correlationId: 'c' })),
      hep3(fields('c', { src: '2001:db8::1', dst: '2001:db8::2', ipProto: 6 })),
      hep2(fields('d')),
    ];
    const u = createSocket('udp4');
    const send = (b: Uint8Array): Promise<void> =>
      new Promise((r) => u.send(b.subarray(0, 65_000), udpPort, '127.0.0.1', () => r()));
    const rss0 = process.memoryUsage().rss;
    try {
      const r = new Rng(0x4e9f);
      for (let i = 0; i < 300; i++) await send(mutate(r.pick(seeds), 0x4e9f + i).bytes);
      const bomb = hep3(fields('bomb', { compress: true, payload: sip('bomb') + 'a'.repeat(8 << 20) }));
      for (let i = 0; i < 10; i++) await send(bomb);
      // TCP: the mutants on one stream (the listener may end it at a packet that is not HEP3).
      const s = connect({ host: '127.0.0.1', port: tcpPort });
      s.on('error', () => {});
      await new Promise<void>((res) => s.once('connect', () => res()));
      for (let i = 0; i < 300 && !s.destroyed; i++) s.write(mutate(r.pick(seeds), 0x4ea0 + i).bytes);
      s.destroy();
      await send(hep3(fields('after')));
      await until(
        () =>
          Array.from({ length: src.live.trace.count }, (_, i) => src.live.trace.entry(i).callId).includes(
            'after',
          ),
        'the good packet after the fuzz',
      );
      expect(src.stats.malformed).toBeGreaterThan(0);
      // The bombs were not inflated (each would have been an 8 MiB message kept in the trace).
      const ids = Array.from({ length: src.live.trace.count }, (_, i) => src.live.trace.entry(i).callId);
      expect(ids).not.toContain('bomb');
      // The ten bombs and the mutants whose compressed chunk was damaged.
      expect(src.live.trace.source.undecoded['hep-inflate-failed']).toBeGreaterThanOrEqual(10);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(400 * 1024 * 1024);
    } finally {
      u.close();
    }
  }, 60_000);
});
