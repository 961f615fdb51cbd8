/**
 * The DTLS-SRTP handshake reader on hand-made records (RFC 6347 framing, RFC 5764 use_srtp): whole
 * and fragmented hellos, retransmissions, DTLS 1.3 and NULL profiles said, the keys split by sender,
 * RTP/STUN/DTLS on one port (RFC 7983), damaged datagrams never throwing. The keys themselves are
 * checked against openssl's exporter in test/interop/dtls-srtp-openssl.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TlsKeyLog, toHex } from '../../../src/sip-core/capture/tls/keylog';
import { nodeTlsCrypto } from '../../../src/sip-core/capture/tls/crypto.node';
import {
  DtlsTracker,
  dtlsSenderKey,
  dtlsStreamKeys,
  type DtlsKeySource,
} from '../../../src/sip-core/media/dtls-srtp';
import { RtpTracker } from '../../../src/sip-core/media/rtp-streams';
import {
  parseSdesCrypto,
  SrtpRekeyedSessions,
  SrtpSession,
  type SdesCrypto,
} from '../../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../../src/sip-core/media/srtp-crypto.node.js';
import { clientHello, fragment, record, serverHello, u16 } from '../../helpers/dtls-records';

const A = 1;
const B = 2;
const NAMES = ['', '10.0.0.1', '10.0.0.2'];

function keySource(log: TlsKeyLog | null): DtlsKeySource {
  return { master: (r) => log?.get(r)?.master ?? null, hasKeys: log !== null, crypto: nodeTlsCrypto };
}

/** The tracker fed datagrams `[from, bytes]` in order (A:5000 is the DTLS client, B:6000 the server). */
function feed(
  t: { datagram(...a: Parameters<DtlsTracker['datagram']>): unknown },
  dgrams: [number, number[]][],
): void {
  dgrams.forEach(([from, bytes], i) => {
    const b = Uint8Array.from(bytes);
    t.datagram(
      from,
      from === A ? 5000 : 6000,
      from === A ? B : A,
      from === A ? 6000 : 5000,
      b,
      0,
      b.length,
      (i + 1) * 1000,
      i + 1,
    );
  });
}

const CH = clientHello(0x10, [1, 7]);
const SH = serverHello(0x80, 1);
const master = '33'.repeat(48);
const clientRandomHex = toHex(Uint8Array.from(CH.slice(2, 34)));

function logWith(random: string): TlsKeyLog {
  const l = new TlsKeyLog();
  l.add(`CLIENT_RANDOM ${random} ${master}\n`);
  return l;
}

describe('DTLS-SRTP handshakes', () => {
  it('reads the hellos: client, randoms, profile, frames; keys with the secret, why not without', () => {
    const t = new DtlsTracker();
    feed(t, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
    ]);
    let [h] = t.snapshot(NAMES, null);
    expect(h).toMatchObject({
      client: '10.0.0.1',
      clientPort: 5000,
      server: '10.0.0.2',
      serverPort: 6000,
      clientHelloFrame: 1,
      serverHelloFrame: 2,
      version: 0xfefd,
      cipherSuite: 0xc02b,
      profile: 1,
      offered: [1, 7],
      clientRandom: clientRandomHex,
      keys: null,
      problem: 'no-keylog',
    });
    expect(t.snapshot(NAMES, keySource(logWith('44'.repeat(32))))[0]!.problem).toBe('no-secret');
    [h] = t.snapshot(NAMES, keySource(logWith(clientRandomHex)));
    expect(h!.problem).toBeNull();
    // SRTP_AES128_CM_HMAC_SHA1_80: 2 × (16 + 14) octets, the client's key and salt for what it sends.
    expect(h!.keys).toHaveLength(60);
    const c = dtlsSenderKey(h!, '10.0.0.1', 5000)!;
    const s = dtlsSenderKey(h!, '10.0.0.2', 6000)!;
    expect(toHex(c.key)).toBe(toHex(h!.keys!.subarray(0, 16)));
    expect(toHex(s.key)).toBe(toHex(h!.keys!.subarray(16, 32)));
    expect(toHex(c.salt)).toBe(toHex(h!.keys!.subarray(32, 46)));
    expect(toHex(s.salt)).toBe(toHex(h!.keys!.subarray(46, 60)));
  });

  it('reassembles a fragmented ClientHello (fragments out of order, over two datagrams); a retransmission is one handshake', () => {
    const whole = new DtlsTracker();
    feed(whole, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
    ]);
    const frag = new DtlsTracker();
    feed(frag, [
      [A, [...record(fragment(1, 0, CH, 40, 30)), ...record(fragment(1, 0, CH, 0, 45))]],
      [A, record(fragment(1, 0, CH, 60))],
      // The ClientHello again (same random), as after a HelloVerifyRequest with its cookie.
      [A, record(fragment(1, 1, clientHello(0x10, [1, 7], [9, 9, 9])))],
      [B, record(fragment(2, 1, SH))],
      [B, record(fragment(2, 1, SH))],
    ]);
    const log = keySource(logWith(clientRandomHex));
    const [w] = whole.snapshot(NAMES, log);
    const f = frag.snapshot(NAMES, log);
    expect(f).toHaveLength(1);
    expect(f[0]!.clientHelloFrame).toBe(1);
    expect(toHex(f[0]!.keys!)).toBe(toHex(w!.keys!));
    // Another ClientHello random on the same ports: a second handshake.
    feed(frag, [[A, record(fragment(1, 0, clientHello(0x55, [1])))]]);
    expect(frag.snapshot(NAMES, log).map((h) => h.problem)).toEqual([null, 'no-server-hello']);
  });

  it('DTLS 1.3, no use_srtp, a NULL profile, a long MKI, a missed ClientHello: said', () => {
    const cases: [number[], string][] = [
      [serverHello(0x80, 1, { dtls13: true }), 'dtls13'],
      [serverHello(0x80, null), 'no-srtp'],
      [serverHello(0x80, 5), 'profile'],
      [serverHello(0x80, 1, { mki: [1, 2, 3, 4, 5] }), 'mki'],
      [serverHello(0x80, 1, { suite: 0xfefe }), 'suite'],
    ];
    for (const [sh, problem] of cases) {
      const t = new DtlsTracker();
      feed(t, [
        [A, record(fragment(1, 0, CH))],
        [B, record(fragment(2, 0, sh))],
      ]);
      expect(t.snapshot(NAMES, keySource(logWith(clientRandomHex)))[0]!.problem).toBe(problem);
    }
    const t = new DtlsTracker();
    feed(t, [[B, record(fragment(2, 0, SH))]]);
    const [h] = t.snapshot(NAMES, keySource(logWith(clientRandomHex)));
    expect(h!.problem).toBe('no-client-hello');
    const ends = { src: '10.0.0.2', srcPort: 6000, dst: '10.0.0.1', dstPort: 5000, firstUs: 5000 };
    expect(dtlsStreamKeys(ends, [h!], true)!.problem).toBe(
      'the capture missed the DTLS ClientHello (the ServerHello is frame 1): its client random names the key log’s master secret',
    );
    // An unknown DTLS 1.2 suite: said, not keyed with a guessed PRF hash.
    const tu = new DtlsTracker();
    feed(tu, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, serverHello(0x80, 1, { suite: 0xfefe })))],
    ]);
    expect(dtlsStreamKeys(ends, tu.snapshot(NAMES, keySource(logWith(clientRandomHex))), true)!.problem).toBe(
      'the DTLS cipher suite 0xfefe is unknown to sipscope (its PRF hash) (frame 2)',
    );
    const t13 = new DtlsTracker();
    feed(t13, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, serverHello(0x80, 1, { dtls13: true })))],
    ]);
    const k = dtlsStreamKeys(ends, t13.snapshot(NAMES, null), true)!;
    expect(k.problem).toBe('DTLS 1.3: not supported (the ServerHello is frame 2)');
    expect(k.dtls).toMatchObject({
      version: 'DTLS 1.3',
      profile: 'SRTP_AES128_CM_HMAC_SHA1_80',
      client: '10.0.0.1:5000',
    });
  });

  it('snapshots again: the PRF not run again for a handshake whose inputs did not change', () => {
    let hmacs = 0;
    const counting = {
      ...nodeTlsCrypto,
      hmac: (...a: Parameters<typeof nodeTlsCrypto.hmac>) => (hmacs++, nodeTlsCrypto.hmac(...a)),
    };
    const log = logWith(clientRandomHex);
    const src: DtlsKeySource = { master: (r) => log.get(r)?.master ?? null, hasKeys: true, crypto: counting };
    const t = new DtlsTracker();
    feed(t, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
    ]);
    const first = t.snapshot(NAMES, src)[0]!.keys!;
    const once = hmacs;
    expect(once).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(toHex(t.snapshot(NAMES, src)[0]!.keys!)).toBe(toHex(first));
    expect(hmacs).toBe(once);
    // Another key log (another master secret for the same random): derived again.
    const other = logWith(clientRandomHex.replace(/^../, '00'));
    other.add(`CLIENT_RANDOM ${clientRandomHex} ${'55'.repeat(48)}\n`);
    const k2 = t.snapshot(NAMES, { ...src, master: (r) => other.get(r)?.master ?? null })[0]!.keys!;
    expect(hmacs).toBeGreaterThan(once);
    expect(toHex(k2)).not.toBe(toHex(first));
  });

  it("a stream's keys: its sender's direction, the handshake on its own ports only; an MKI carried", () => {
    const t = new DtlsTracker();
    feed(t, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, serverHello(0x80, 7, { mki: [0, 5] })))],
    ]);
    const hs = t.snapshot(NAMES, keySource(logWith(clientRandomHex)));
    const fromServer = { src: '10.0.0.2', srcPort: 6000, dst: '10.0.0.1', dstPort: 5000, firstUs: 9000 };
    const k = dtlsStreamKeys(fromServer, hs, false)!;
    expect(k).toMatchObject({ keying: 'dtls', suite: 'AEAD_AES_128_GCM', keyFrame: 2, problem: null });
    expect(k.dtls).toEqual({
      version: 'DTLS 1.2',
      profile: 'SRTP_AEAD_AES_128_GCM',
      client: '10.0.0.1:5000',
      clientHelloFrame: 1,
      serverHelloFrame: 2,
    });
    const c = parseSdesCrypto(k.crypto!) as SdesCrypto;
    const own = dtlsSenderKey(hs[0]!, '10.0.0.2', 6000)!;
    expect(toHex(c.keys[0]!.key)).toBe(toHex(own.key));
    expect(toHex(c.keys[0]!.salt)).toBe(toHex(own.salt));
    expect(c.mkiLen).toBe(2);
    expect(c.keys[0]!.mki).toBe(5);
    // Other ports: not this handshake's stream (null unless the SDP says DTLS).
    const other = { ...fromServer, dstPort: 5002 };
    expect(dtlsStreamKeys(other, hs, false)).toBeNull();
    expect(dtlsStreamKeys(other, hs, true)!.problem).toMatch(/no DTLS handshake on this stream’s ports/);
  });

  it('a DTLS restart on the same ports: a stream running across it has the later handshake’s keys as re-keys', () => {
    const CH2 = clientHello(0x20, [1, 7]);
    const t = new DtlsTracker();
    feed(t, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
      [A, record(fragment(1, 0, CH2))],
      [B, record(fragment(2, 0, serverHello(0x90, 1)))],
    ]);
    const log = new TlsKeyLog();
    log.add(`CLIENT_RANDOM ${clientRandomHex} ${master}\n`);
    log.add(`CLIENT_RANDOM ${toHex(Uint8Array.from(CH2.slice(2, 34)))} ${'44'.repeat(48)}\n`);
    const hs = t.snapshot(NAMES, keySource(log));
    expect(hs.map((h) => h.problem)).toEqual([null, null]);
    const fromClient = { src: '10.0.0.1', srcPort: 5000, dst: '10.0.0.2', dstPort: 6000 };
    // Started between the two handshakes: the first's key, then the second's (frame 4).
    const across = dtlsStreamKeys({ ...fromClient, firstUs: 2500 }, hs, true)!;
    const after = dtlsStreamKeys({ ...fromClient, firstUs: 5000 }, hs, true)!;
    expect(across).toMatchObject({ keyFrame: 2, problem: null });
    expect(after).toMatchObject({ keyFrame: 4, problem: null });
    expect(after).not.toHaveProperty('rekeys');
    expect(across.rekeys).toEqual([{ crypto: after.crypto, frame: 4 }]);
    expect(across.crypto).not.toBe(after.crypto);
    // Its packets after the restart (protected with the second key) authenticate through the re-key.
    const session = (c: string): SrtpSession =>
      new SrtpSession(parseSdesCrypto(c) as SdesCrypto, nodeSrtpCrypto);
    const rtp = Uint8Array.from([
      0x80,
      0,
      0,
      9,
      0,
      0,
      0,
      160,
      0,
      0,
      0x12,
      0x34,
      ...new Array<number>(160).fill(0x55),
    ]);
    const sent = session(after.crypto!).protectRtp(rtp);
    const one = new SrtpRekeyedSessions([session(across.crypto!)]);
    const both = new SrtpRekeyedSessions([across.crypto!, after.crypto!].map(session));
    expect(one.unprotectRtp(sent, 0, sent.length).status).not.toBe('ok');
    const r = both.unprotectRtp(sent, 0, sent.length);
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.packet).toEqual(rtp);
  });

  it('RTP, STUN and DTLS on one port (RFC 7983): the RTP stream counted whole, the handshake read', () => {
    const t = new RtpTracker();
    const rtp = (seq: number): number[] => [
      0x80,
      0,
      ...u16(seq),
      0,
      0,
      0,
      seq,
      0,
      0,
      0x12,
      0x34,
      ...Array(160).fill(0xff),
    ];
    const stun = [0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...Array(12).fill(7)];
    const all: [number, number[]][] = [
      [A, stun],
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
    ];
    for (let s = 0; s < 50; s++) {
      all.push([A, rtp(s)]);
      if (s % 10 === 3) all.push([B, stun]);
      if (s === 25) all.push([B, record([1, 2, 3, 4], 21, 1)]); // an encrypted alert (epoch 1)
    }
    feed(t, all);
    t.dtlsKeys = keySource(logWith(clientRandomHex));
    const m = t.snapshot(NAMES);
    expect(m.streams).toHaveLength(1);
    expect(m.streams[0]).toMatchObject({ packets: 50, lost: 0, ssrc: 0x1234 });
    expect(m.malformed).toBe(0);
    expect(m.dtls).toHaveLength(1);
    expect(m.dtls![0]!.problem).toBeNull();
  });

  it('never throws on damaged datagrams (cut, flipped, lengths past the end)', () => {
    const good = [record(fragment(1, 0, CH)), record(fragment(2, 0, SH)), record(fragment(1, 0, CH, 10, 20))];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const t = new DtlsTracker();
    for (let k = 0; k < 3000; k++) {
      const b = [...good[rnd(good.length)]!];
      const cut = rnd(3) === 0 ? b.slice(0, 13 + rnd(b.length - 13)) : b;
      for (let f = rnd(4); f > 0; f--) cut[rnd(cut.length)] = rnd(256);
      cut[0] = 22;
      cut[1] = 0xfe;
      feed(t, [[rnd(2) ? A : B, cut]]);
    }
    expect(() => t.snapshot(NAMES, keySource(logWith(clientRandomHex)))).not.toThrow();
  });

  it('crafted fragments (thousands per datagram, empty or one octet, pending on many flows): bounded time; a real handshake still reassembles', () => {
    const u24 = (v: number): number[] => [v >> 16, (v >> 8) & 0xff, v & 0xff];
    /** One epoch-0 record of `n` ClientHello fragment headers: length 16000, message_seq 0, distinct offsets. */
    const crafted = (n: number, flen: 0 | 1): number[] => {
      const out: number[] = [];
      for (let i = 0; i < n; i++)
        out.push(1, ...u24(16000), ...u16(0), ...u24(i * 2), ...u24(flen), ...(flen ? [7] : []));
      return record(out);
    };
    const t = new DtlsTracker();
    const empty = crafted(5400, 0);
    const ones = crafted(4980, 1);
    expect(empty.length).toBeGreaterThan(64_000);
    const t0 = performance.now();
    for (let k = 0; k < 10; k++) feed(t, [[A, empty]]);
    for (let k = 0; k < 10; k++) feed(t, [[A, ones]]);
    // 2,000 flows each with a 16,000-octet message pending (32 MB if nothing gave way).
    const one = Uint8Array.from(
      record(fragment(1, 0, [...CH, ...new Array<number>(16000 - CH.length).fill(0)], 0, 100)),
    );
    for (let port = 10000; port < 12000; port++) t.datagram(A, port, B, 6000, one, 0, one.length, 1, 1);
    const ms = performance.now() - t0;
    // (before: 139 ms per crafted datagram, 17.6 s for ten; now a few ms in all)
    expect(ms).toBeLessThan(1000);
    expect(t.snapshot(NAMES, keySource(null))).toHaveLength(0);
    // A fragmented handshake after all that: read exactly as a whole one.
    feed(t, [
      [A, [...record(fragment(1, 0, CH, 40, 30)), ...record(fragment(1, 0, CH, 0, 45))]],
      [A, record(fragment(1, 0, CH, 45, 0))],
      [A, record(fragment(1, 0, CH, 60))],
      [B, [...record(fragment(2, 0, SH, 0, 1)), ...record(fragment(2, 0, SH, 1))]],
    ]);
    const whole = new DtlsTracker();
    feed(whole, [
      [A, record(fragment(1, 0, CH))],
      [B, record(fragment(2, 0, SH))],
    ]);
    const log = keySource(logWith(clientRandomHex));
    const [h] = t.snapshot(NAMES, log);
    expect(h).toMatchObject({ clientHelloFrame: 1, serverHelloFrame: 4, problem: null });
    expect(toHex(h!.keys!)).toBe(toHex(whole.snapshot(NAMES, log)[0]!.keys!));
  });
});
