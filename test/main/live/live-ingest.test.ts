/**
 * Live ingest: the bounded live trace (ring, dropped counter, batched updates ≤10/s, save as
 * pcapng), the HEP collector (HEP3 over UDP and TCP, HEP2, compressed payload, IPv6, non-SIP HEP),
 * the UDP mirror, and interface capture through a real dumpcap on `lo`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { messageJson } from '../../../src/sip-core/trace/trace-json';
import {
  LiveTrace,
  RotatingPcapngWriter,
  startDumpcap,
  startHepListener,
  startUdpMirror,
  explainDumpcapError,
  type LiveSource,
  type LiveUpdate,
} from '../../../src/main/live';
import { requirePeer } from '../../helpers/peers';
import { hep2, hep3 } from './hep-encode';

const enc = new TextEncoder();
const tmp = mkdtempSync(join(tmpdir(), 'sipscope-live-'));

function sip(method: string, i: number, body = ''): string {
  return (
    `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-${i}\r\n` +
    `From: <sip:alice@a>;tag=a${i}\r\nTo: <sip:bob@b>\r\nCall-ID: call-${i}\r\nCSeq: ${i} ${method}\r\n` +
    `Max-Forwards: 70\r\nContent-Length: ${enc.encode(body).length}\r\n\r\n${body}`
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await sleep(10);
  }
}

const sources: LiveSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

describe('LiveTrace', () => {
  it('keeps a bounded window, counts what it drops and renumbers nothing', () => {
    const live = new LiveTrace({ name: 't', format: 'live-test', limit: 100 });
    for (let i = 0; i < 250; i++)
      live.add({
        buf: enc.encode(sip('OPTIONS', i)),
        timeUs: 1_700_000_000_000_000 + i,
        srcHost: '127.0.0.1',
        srcPort: 5060,
        dstHost: '::1',
        dstPort: 5070,
        transport: 'UDP',
      });
    const t = live.trace;
    expect(live.total).toBe(250);
    expect(t.count).toBeLessThanOrEqual(100);
    expect(t.count).toBeGreaterThanOrEqual(75);
    expect(live.dropped + t.count).toBe(250);
    expect(live.base).toBe(live.dropped);
    // The window holds the newest messages, in order, with their original frame numbers.
    expect(t.callId(t.count - 1)).toBe('call-249');
    expect(t.callId(0)).toBe(`call-${live.base}`);
    expect(t.frame(0)).toBe(live.base + 1);
    expect(t.dst(0)).toBe('[::1]:5070');
    expect(messageJson(t, 0).cseq).toBe(live.base);
    // The analysis layer follows the window, also after compactions.
    expect(t.analysis).not.toBeNull();
    expect(messageJson(t, t.count - 1).transaction).not.toBeNull();
    expect(t.analysis!.transactions()).toHaveLength(t.count);
  });

  it('batches updates: at most ~10 per second, none lost', async () => {
    const live = new LiveTrace({ name: 't', format: 'live-test', batchMs: 100 });
    const ups: LiveUpdate[] = [];
    live.onUpdate((u) => ups.push(u));
    const t0 = Date.now();
    let i = 0;
    while (Date.now() - t0 < 550) {
      live.add({
        buf: enc.encode(sip('OPTIONS', i++)),
        timeUs: i,
        srcHost: '127.0.0.1',
        srcPort: 1,
        dstHost: '127.0.0.2',
        dstPort: 2,
        transport: 'UDP',
      });
      await sleep(2);
    }
    live.close();
    expect(ups.reduce((s, u) => s + u.added, 0)).toBe(i);
    expect(ups.length).toBeLessThanOrEqual(8);
    expect(ups.length).toBeGreaterThanOrEqual(3);
    expect(ups[ups.length - 1]!.total).toBe(i);
  });

  it('saves the window as pcapng that our reader and tshark decode to the same messages (UDP, TCP, IPv6)', () => {
    const live = new LiveTrace({ name: 't', format: 'live-test' });
    const msgs = [
      { m: sip('INVITE', 1, 'v=0\r\n'), s: '127.0.0.1', d: '127.0.0.2', tr: 'UDP' as const },
      { m: sip('INVITE', 2), s: '127.0.0.1', d: '127.0.0.2', tr: 'TCP' as const },
      {
        m: 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP x;branch=z9hG4bK2\r\nCall-ID: call-2\r\nCSeq: 2 INVITE\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:b@b>;tag=2\r\nContent-Length: 0\r\n\r\n',
        s: '127.0.0.2',
        d: '127.0.0.1',
        tr: 'TCP' as const,
      },
      { m: sip('BYE', 3), s: '127.0.0.1', d: '127.0.0.2', tr: 'TCP' as const },
      { m: sip('OPTIONS', 4), s: '2001:db8::1', d: '::1', tr: 'UDP' as const },
    ];
    msgs.forEach((x, i) =>
      live.add({
        buf: enc.encode(x.m),
        timeUs: 1_700_000_000_123_456 + i * 1000,
        srcHost: x.s,
        srcPort: 5060 + i,
        dstHost: x.d,
        dstPort: 5080,
        transport: x.tr,
      }),
    );
    const file = join(tmp, 'save.pcapng');
    return live.save(file).then((n) => {
      expect(n).toBe(5);
      const r = ingestBytes(new Uint8Array(readFileSync(file)), 'save.pcapng');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.trace.count).toBe(5);
      for (let i = 0; i < 5; i++) {
        expect(new TextDecoder().decode(r.trace.raw(i))).toBe(msgs[i]!.m);
        expect(r.trace.transport(i)).toBe(msgs[i]!.tr);
        expect(r.trace.timeUs(i)).toBe(1_700_000_000_123_456 + i * 1000);
      }
      expect(r.trace.src(4)).toBe('[2001:db8::1]:5064');
      const tshark = requirePeer('tshark');
      if (!tshark) return;
      const out = execFileSync(
        tshark,
        [
          '-r',
          file,
          '-o',
          'ip.check_checksum:TRUE',
          '-o',
          'udp.check_checksum:TRUE',
          '-o',
          'tcp.check_checksum:TRUE',
          '-T',
          'fields',
          '-e',
          'frame.number',
          '-e',
          'sip.Call-ID',
          '-e',
          '_ws.expert.message',
          '-Y',
          'sip',
        ],
        { encoding: 'utf8' },
      );
      const lines = out.trim().split('\n');
      expect(lines.map((l) => l.split('\t')[1])).toEqual(['call-1', 'call-2', 'call-2', 'call-3', 'call-4']);
      expect(out).not.toMatch(/checksum|malformed/i);
    });
  });

  it('rotates the pcapng file by size, each part a complete capture', () => {
    const w = new RotatingPcapngWriter(join(tmp, 'rot.pcapng'), { maxBytes: 4096 });
    for (let i = 0; i < 40; i++)
      w.write({
        timeUs: 1e15 + i,
        srcHost: '127.0.0.1',
        srcPort: 1,
        dstHost: '127.0.0.2',
        dstPort: 2,
        transport: 'UDP',
        payload: enc.encode(sip('OPTIONS', i)),
      });
    w.close();
    expect(w.files.length).toBeGreaterThanOrEqual(3);
    expect(w.files[1]).toBe(join(tmp, 'rot.1.pcapng'));
    let total = 0;
    for (const f of w.files) {
      expect(statSync(f).size).toBeLessThanOrEqual(4096 + 1024);
      const r = ingestBytes(new Uint8Array(readFileSync(f)), f);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      total += r.trace.count;
    }
    expect(total).toBe(40);
  });
});

describe('HEP listener', () => {
  it('receives HEP3 over UDP and TCP, HEP2, compressed payloads and IPv6 addresses', async () => {
    const src = await startHepListener({ port: 0 });
    sources.push(src);
    expect(src.listening.join(' ')).toMatch(/HEP udp 127\.0\.0\.1:\d+ HEP tcp 127\.0\.0\.1:\d+/);
    const udpPort = Number(/udp 127\.0\.0\.1:(\d+)/.exec(src.listening.join(' '))![1]);
    const tcpPort = Number(/tcp 127\.0\.0\.1:(\d+)/.exec(src.listening.join(' '))![1]);
    const t = 1_700_000_000_654_321;
    const u = createSocket('udp4');
    const send = (b: Uint8Array): Promise<void> =>
      new Promise((r) => u.send(b, udpPort, '127.0.0.1', () => r()));
    await send(
      hep3({
        src: '10.0.0.1',
        dst: '10.0.0.2',
        srcPort: 5060,
        dstPort: 5062,
        timeUs: t,
        payload: sip('INVITE', 1),
        correlationId: 'corr-1',
      }),
    );
    await send(
      hep2({
        src: '10.0.0.3',
        dst: '10.0.0.4',
        srcPort: 5070,
        dstPort: 5072,
        timeUs: t + 1,
        payload: sip('OPTIONS', 2),
      }),
    );
    await send(
      hep3({
        src: '10.0.0.1',
        dst: '10.0.0.2',
        srcPort: 5060,
        dstPort: 5062,
        timeUs: t + 2,
        payload: sip('BYE', 3),
        compress: true,
      }),
    );
    await send(
      hep3({
        src: '2001:db8::5',
        dst: '2001:db8::6',
        srcPort: 5060,
        dstPort: 5060,
        timeUs: t + 3,
        ipProto: 6,
        payload: sip('REGISTER', 4),
      }),
    );
    await send(
      hep3({
        src: '10.0.0.1',
        dst: '10.0.0.2',
        srcPort: 1,
        dstPort: 2,
        timeUs: t,
        protoType: 100,
        payload: 'a log line',
      }),
    );
    await send(enc.encode('not hep at all'));
    u.close();
    // TCP: two packets in one write, one split in three writes.
    const s = connect({ host: '127.0.0.1', port: tcpPort });
    await new Promise<void>((r) => s.once('connect', () => r()));
    const a = hep3({
      src: '10.1.0.1',
      dst: '10.1.0.2',
      srcPort: 5060,
      dstPort: 5060,
      timeUs: t + 10,
      ipProto: 6,
      payload: sip('INVITE', 10),
    });
    const b = hep3({
      src: '10.1.0.2',
      dst: '10.1.0.1',
      srcPort: 5060,
      dstPort: 5060,
      timeUs: t + 11,
      ipProto: 6,
      payload: sip('ACK', 11),
    });
    const c = hep3({
      src: '10.1.0.1',
      dst: '10.1.0.2',
      srcPort: 5060,
      dstPort: 5060,
      timeUs: t + 12,
      ipProto: 6,
      payload: sip('BYE', 12),
    });
    const ab = new Uint8Array(a.length + b.length);
    ab.set(a);
    ab.set(b, a.length);
    s.write(ab);
    s.write(c.subarray(0, 3));
    await sleep(20);
    s.write(c.subarray(3, 40));
    await sleep(20);
    s.write(c.subarray(40));
    await until(() => src.live.total === 7, 'seven SIP messages');
    s.destroy();
    const tr = src.live.trace;
    const rows = Array.from({ length: tr.count }, (_, i) => tr.entry(i));
    expect(rows.map((r) => `${r.src}>${r.dst} ${r.transport} ${r.method}`)).toEqual([
      '10.0.0.1:5060>10.0.0.2:5062 UDP INVITE',
      '10.0.0.3:5070>10.0.0.4:5072 UDP OPTIONS',
      '10.0.0.1:5060>10.0.0.2:5062 UDP BYE',
      '[2001:db8::5]:5060>[2001:db8::6]:5060 TCP REGISTER',
      '10.1.0.1:5060>10.1.0.2:5060 TCP INVITE',
      '10.1.0.2:5060>10.1.0.1:5060 TCP ACK',
      '10.1.0.1:5060>10.1.0.2:5060 TCP BYE',
    ]);
    expect(rows.slice(0, 4).map((r) => r.timeUs)).toEqual([t, t + 1, t + 2, t + 3]);
    expect(tr.hepCorrelationId(0)).toBe('corr-1');
    expect(tr.reassembly(0)).toBe('hep');
    expect(src.stats).toMatchObject({ messages: 7, ignored: 1, malformed: 1 });
    expect(tr.source.undecoded).toMatchObject({ hepNonSip: 1, notHep: 1 });
  });

  it('says clearly when the port is taken', async () => {
    const a = await startHepListener({ port: 0, tcp: false });
    sources.push(a);
    const port = Number(/:(\d+)$/.exec(a.listening[0]!)![1]);
    await expect(startHepListener({ port, tcp: false })).rejects.toThrow(
      /HEP listener: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
  });
});

describe('UDP mirror', () => {
  it('records each mirrored datagram as one message from the mirror sender', async () => {
    const m = await startUdpMirror({ port: 0 });
    sources.push(m);
    const port = Number(/:(\d+)$/.exec(m.listening[0]!)![1]);
    const u = createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
    for (const b of [sip('INVITE', 1), '\r\n\r\n', sip('CANCEL', 2)])
      await new Promise<void>((r) => u.send(b, port, '127.0.0.1', () => r()));
    await until(() => m.live.total === 2, 'two mirrored messages');
    expect(m.live.trace.src(0)).toBe(`127.0.0.1:${u.address().port}`);
    expect(m.live.trace.dst(0)).toBe(`127.0.0.1:${port}`);
    expect(m.stats.ignored).toBe(1);
    u.close();
  });
});

describe('interface capture (dumpcap)', () => {
  it('explains the usual dumpcap failures', () => {
    expect(
      explainDumpcapError("You don't have permission to capture on that device", 'eth0', undefined),
    ).toMatch(/lacks permission.*wireshark-common/);
    expect(explainDumpcapError('dumpcap: There is no device named "x0".', 'x0', undefined)).toMatch(
      /no interface named "x0".*dumpcap -D/,
    );
  });

  it('captures SIP sent on lo through a real dumpcap, with tshark-like frame numbers', async () => {
    if (!requirePeer('dumpcap')) return;
    const u = createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const cap = await startDumpcap({ iface: 'lo', filter: `udp port ${port}` });
    sources.push(cap);
    await sleep(300);
    for (let i = 0; i < 20; i++)
      await new Promise<void>((r) => u.send(sip('OPTIONS', i), port, '127.0.0.1', () => r()));
    u.close();
    await until(() => cap.live.total === 20, 'twenty captured messages', 8000);
    const tr = cap.live.trace;
    expect(tr.entry(0)).toMatchObject({
      frame: 1,
      dst: `127.0.0.1:${port}`,
      transport: 'UDP',
      method: 'OPTIONS',
      callId: 'call-0',
    });
    expect(tr.frame(19)).toBe(20);
    await cap.stop();
    expect(await cap.done).toBe('stopped');
  });

  it('fails with a clear message for an unknown interface', async () => {
    if (!requirePeer('dumpcap')) return;
    await expect(startDumpcap({ iface: 'nosuch0' })).rejects.toThrow(/no interface named "nosuch0"/);
  });
});
