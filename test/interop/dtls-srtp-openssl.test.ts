/**
 * DTLS-SRTP (RFC 5764) with real peers on loopback: `openssl s_server -dtls1_2 -use_srtp` and
 * `s_client -dtls1_2 -use_srtp` shake hands once per protection profile OpenSSL offers here (AES-CM
 * with HMAC-SHA1 80 and 32, AEAD AES-128-GCM and AES-256-GCM), each printing the keying material its
 * exporter gives (`-keymatexport EXTRACTOR-dtls_srtp`), while dumpcap captures `lo` and the client
 * writes its key log. sipscope's keys, derived from the capture and the key log, must equal what both
 * ends print. Then a whole call: the captured handshake on the media 5-tuple, a SIP offer/answer with
 * a=fingerprint and a=setup around it, SRTP both ways protected by libsrtp2 with the keys openssl
 * exported, DTLS records (the ends' close_notify) and STUN interleaved on the port (RFC 7983): the
 * decrypted audio equals the source sample for sample. Negative cases: no key log, a key log without
 * the handshake's secret, a wrong master secret, the ClientHello or the ServerHello missing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import { TlsKeyLog, toHex } from '../../src/sip-core/capture/tls/keylog';
import { setDefaultKeylog } from '../../src/sip-core/capture/tls/keylog-file.node';
import { ingestCaptureFile, ingestSplitInThread, planSplit } from '../../src/sip-core/trace/ingest-file.node';
import { ULAW_TO_LINEAR, linearToUlaw } from '../../src/sip-core/media/g711';
import { ipFrame } from '../helpers/frames';
import { timedPcap } from '../helpers/rtp-capture';
import { rtpCli as cli } from '../helpers/srtp-capture';
import { libsrtp, libsrtpRun } from '../sip-core/media/libsrtp';
import { capturingLo, selfSignedCert, sleep } from './helpers/openssl-tls';

const openssl = requirePeer('openssl');
const dumpcap = requirePeer('dumpcap');

const BASE = 31600 + (process.pid % 40) * 16;

/** The profiles (OpenSSL's names) and the SRTP suite, key and salt lengths of each. */
const PROFILES = [
  {
    openssl: 'SRTP_AES128_CM_SHA1_80',
    name: 'SRTP_AES128_CM_HMAC_SHA1_80',
    suite: 'AES_CM_128_HMAC_SHA1_80',
    key: 16,
    salt: 14,
  },
  {
    openssl: 'SRTP_AES128_CM_SHA1_32',
    name: 'SRTP_AES128_CM_HMAC_SHA1_32',
    suite: 'AES_CM_128_HMAC_SHA1_32',
    key: 16,
    salt: 14,
  },
  {
    openssl: 'SRTP_AEAD_AES_128_GCM',
    name: 'SRTP_AEAD_AES_128_GCM',
    suite: 'AEAD_AES_128_GCM',
    key: 16,
    salt: 12,
  },
  {
    openssl: 'SRTP_AEAD_AES_256_GCM',
    name: 'SRTP_AEAD_AES_256_GCM',
    suite: 'AEAD_AES_256_GCM',
    key: 32,
    salt: 12,
  },
] as const;

const serverPort = (i: number): number => BASE + i;
const clientPort = (i: number): number => BASE + 8 + i;
const LO = 0x7f000001;

/** Waits for `text` in a child's output (false after `ms`). */
function waitFor(get: () => string, text: string, ms: number): Promise<boolean> {
  return new Promise((res) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (get().includes(text)) res(true);
      else if (Date.now() - t0 > ms) res(false);
      else setTimeout(tick, 50);
    };
    tick();
  });
}

/** One DTLS 1.2 handshake with `profile`: the keying material each end printed (hex, upper case). */
async function dtlsExchange(
  dir: string,
  i: number,
  cert: string,
  key: string,
  keylog: string,
): Promise<{ server: string; client: string }> {
  const p = PROFILES[i]!;
  const len = String(2 * (p.key + p.salt));
  const exp = ['-use_srtp', p.openssl, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', len];
  let so = '';
  let co = '';
  const server = spawn(
    openssl!,
    [
      's_server',
      '-dtls1_2',
      '-accept',
      `127.0.0.1:${serverPort(i)}`,
      '-cert',
      cert,
      '-key',
      key,
      '-naccept',
      '1',
      ...exp,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  server.stdout.on('data', (b: Buffer) => void (so += b.toString('latin1')));
  const kill = setTimeout(() => server.kill('SIGKILL'), 20_000);
  try {
    await sleep(400);
    const client = spawn(
      openssl!,
      [
        's_client',
        '-dtls1_2',
        '-connect',
        `127.0.0.1:${serverPort(i)}`,
        '-bind',
        `127.0.0.1:${clientPort(i)}`,
        '-keylogfile',
        keylog,
        ...exp,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    client.stdout.on('data', (b: Buffer) => void (co += b.toString('latin1')));
    const killc = setTimeout(() => client.kill('SIGKILL'), 15_000);
    try {
      expect(await waitFor(() => co, 'Keying material: ', 10_000)).toBe(true);
      expect(await waitFor(() => so, 'Keying material: ', 10_000)).toBe(true);
      await sleep(300);
    } finally {
      clearTimeout(killc);
      const gone = new Promise((r) => client.once('exit', r));
      client.stdin.end();
      await Promise.race([gone, sleep(2000)]);
      client.kill('SIGTERM');
    }
  } finally {
    clearTimeout(kill);
    const gone = new Promise((r) => server.once('exit', r));
    server.stdin.end();
    await Promise.race([gone, sleep(1000)]);
    server.kill('SIGTERM');
  }
  void dir;
  const km = (t: string): string => /Keying material: ([0-9A-F]+)/.exec(t)?.[1] ?? '';
  expect(so).toContain(`SRTP Extension negotiated, profile=${p.openssl}`);
  return { server: km(so), client: km(co) };
}

/** A classic pcap's records (dumpcap -P): capture time (µs) and frame bytes. */
function pcapRecords(b: Buffer): { us: number; bytes: Uint8Array }[] {
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: { us: number; bytes: Uint8Array }[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const len = b.readUInt32LE(p + 8);
    out.push({
      us: b.readUInt32LE(p) * 1e6 + b.readUInt32LE(p + 4),
      bytes: new Uint8Array(b.subarray(p + 16, p + 16 + len)),
    });
    p += 16 + len;
  }
  return out;
}

/** A frame's UDP ports and payload (Ethernet, IPv4). */
function udpOf(f: Uint8Array): { sp: number; dp: number; payload: Uint8Array } {
  const ip = 14;
  const l4 = ip + (f[ip]! & 0x0f) * 4;
  return {
    sp: (f[l4]! << 8) | f[l4 + 1]!,
    dp: (f[l4 + 2]! << 8) | f[l4 + 3]!,
    payload: f.subarray(l4 + 8),
  };
}

/** The handshake message type of a DTLS datagram's first record (1 ClientHello, 2 ServerHello...), else -1. */
const handshakeType = (payload: Uint8Array): number =>
  payload[0] === 22 && payload[3] === 0 && payload[4] === 0 ? payload[13]! : -1;

const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe.skipIf(!openssl || !dumpcap)('DTLS-SRTP: openssl DTLS 1.2 peers captured on lo', () => {
  let dir = '';
  let pcap = '';
  let keylog = '';
  const printed: { server: string; client: string }[] = [];
  let frames: { us: number; bytes: Uint8Array }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipscope-dtls-srtp-'));
    const { key, cert } = selfSignedCert(openssl!, dir, 'c', [
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
    ]);
    pcap = join(dir, 'dtls.pcap');
    keylog = join(dir, 'keys.log');
    await capturingLo(
      dumpcap!,
      `udp portrange ${BASE}-${BASE + 15}`,
      pcap,
      120_000,
      async () => {
        for (let i = 0; i < PROFILES.length; i++) printed.push(await dtlsExchange(dir, i, cert, key, keylog));
      },
      ['-P'],
    );
    frames = pcapRecords(readFileSync(pcap));
  }, 150_000);

  afterAll(() => {
    setDefaultKeylog(null);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const log = (): TlsKeyLog => {
    const k = new TlsKeyLog();
    k.add(readFileSync(keylog, 'utf8'));
    return k;
  };

  it('derives the keying material both openssl ends export, for each profile', async () => {
    const r = await ingestCaptureFile(pcap, { keylog: log() });
    const hs = r.trace.media?.dtls ?? [];
    expect(hs).toHaveLength(PROFILES.length);
    PROFILES.forEach((p, i) => {
      const h = hs.find((x) => x.serverPort === serverPort(i))!;
      expect(h.clientPort).toBe(clientPort(i));
      expect(h.version).toBe(0xfefd);
      expect(h.offered).toEqual([h.profile]);
      expect(h.problem).toBeNull();
      expect(h.clientHelloFrame).toBeGreaterThan(0);
      expect(h.serverHelloFrame).toBeGreaterThan(h.clientHelloFrame);
      expect(printed[i]!.client).toMatch(/^[0-9A-F]+$/);
      expect(printed[i]!.client).toHaveLength(4 * (p.key + p.salt));
      expect(printed[i]!.server).toBe(printed[i]!.client);
      expect(toHex(h.keys!).toUpperCase()).toBe(printed[i]!.client);
    });
  });

  it('split in two parts (the handshakes after the cut): the tail hands them to the head, same keys', async () => {
    const one = await ingestCaptureFile(pcap, { keylog: log() });
    // Cut at the first ClientHello's record: every handshake is in the tail's part.
    const at = planSplit(pcap, { minBytes: 0, near: 25 })!;
    expect(at).toBeGreaterThan(24);
    const two = await ingestSplitInThread(pcap, at, { keylog: log() });
    expect(two.merged).toBe(true);
    const strip = (x: typeof one.trace.media): unknown =>
      x?.dtls?.map((h) => ({ ...h, keys: toHex(h.keys!) }));
    expect(strip(two.trace.media)).toEqual(strip(one.trace.media));
    expect(two.trace.media?.dtls).toHaveLength(PROFILES.length);
  });

  it('says why there are no keys: no key log, a key log without the secret', async () => {
    let r = await ingestCaptureFile(pcap, { keylog: null });
    expect(r.trace.media?.dtls?.map((h) => h.problem)).toEqual(Array(PROFILES.length).fill('no-keylog'));
    // The capture's notices (the app's Decrypt TLS… offered for them), none once the key log is given.
    const notices = r.diagnostics.filter((d) => d.code === 'dtls-srtp-encrypted');
    expect(notices).toHaveLength(PROFILES.length);
    expect(notices[0]!.message).toMatch(
      new RegExp(
        `^DTLS-SRTP 127\\.0\\.0\\.1:${clientPort(0)} → 127\\.0\\.0\\.1:${serverPort(0)} \\(ServerHello frame \\d+\\): its media is SRTP keyed by the handshake, no key log given: a key log of one of its ends \\(SSLKEYLOGFILE\\) decrypts it$`,
      ),
    );
    expect(
      (await ingestCaptureFile(pcap, { keylog: log() })).diagnostics.filter(
        (d) => d.code === 'dtls-srtp-encrypted',
      ),
    ).toEqual([]);
    const other = new TlsKeyLog();
    other.add(`CLIENT_RANDOM ${'11'.repeat(32)} ${'22'.repeat(48)}\n`);
    r = await ingestCaptureFile(pcap, { keylog: other });
    expect(r.trace.media?.dtls?.map((h) => h.problem)).toEqual(Array(PROFILES.length).fill('no-secret'));
  });

  /**
   * A call whose media 5-tuple is profile `i`'s handshake: the caller (offerer, a=setup:actpass, the
   * DTLS server) at the server's port, the callee (a=setup:active, the DTLS client) at the client's.
   * `drop`: handshake message types left out of the capture.
   */
  function callPcap(
    i: number,
    n: number,
    drop: number[] | 'all' = [],
  ): { file: string; source: Int16Array; forward: Uint8Array[]; reverse: Uint8Array[] } {
    const p = PROFILES[i]!;
    const km = unhex(printed[i]!.client);
    const k = p.key;
    const s = p.salt;
    const clientKey = new Uint8Array([...km.subarray(0, k), ...km.subarray(2 * k, 2 * k + s)]);
    const serverKey = new Uint8Array([...km.subarray(k, 2 * k), ...km.subarray(2 * k + s, 2 * k + 2 * s)]);
    // A 440 Hz tone, µ-law, 20 ms packets: caller → callee and callee → caller (another SSRC).
    const tone = Int16Array.from({ length: n * 160 }, (_, j) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * j) / 8000)),
    );
    const payload = Uint8Array.from(tone, (v) => linearToUlaw(v));
    const plain = (ssrc: number): Uint8Array[] =>
      Array.from({ length: n }, (_, j) => {
        const b = new Uint8Array(172);
        const v = new DataView(b.buffer);
        b[0] = 0x80;
        v.setUint16(2, 1000 + j);
        v.setUint32(4, j * 160);
        v.setUint32(8, ssrc);
        b.set(payload.subarray(j * 160, j * 160 + 160), 12);
        return b;
      });
    // The caller is the DTLS server: it sends with the server's write key (RFC 5764 §4.2).
    const forward = libsrtpRun('p', 'rtp', p.suite, serverKey, null, plain(0x1234)) as Uint8Array[];
    const reverse = libsrtpRun('p', 'rtp', p.suite, clientKey, null, plain(0x5678)) as Uint8Array[];
    for (const x of [...forward, ...reverse]) expect(typeof x).not.toBe('string');
    const sp = serverPort(i);
    const cp = clientPort(i);
    const out: { us: number; bytes: Uint8Array }[] = [];
    const udp = (us: number, from: number, to: number, data: Uint8Array | string): void =>
      void out.push({
        us,
        bytes: ipFrame({
          src: LO,
          dst: LO,
          sp: from,
          dp: to,
          payload: typeof data === 'string' ? data : Buffer.from(data).toString('latin1'),
        }),
      });
    const sdp = (port: number, setup: string): string =>
      `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
      `m=audio ${port} UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n` +
      `a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:7F:4B:3C:3B:55:0D:3F:D3:AC:FE:9B\r\n` +
      `a=setup:${setup}\r\na=sendrecv\r\n`;
    const msg = (start: string, cseq: string, toTag: boolean, body = ''): string =>
      `${start}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-d-${cseq.replace(' ', '')}\r\n` +
      `From: <sip:a@example.com>;tag=a1\r\nTo: <sip:b@example.com>${toTag ? ';tag=b1' : ''}\r\n` +
      `Call-ID: dtls-srtp-${i}\r\nCSeq: ${cseq}\r\nContact: <sip:a@127.0.0.1>\r\nMax-Forwards: 70\r\n` +
      (body ? 'Content-Type: application/sdp\r\n' : '') +
      `Content-Length: ${body.length}\r\n\r\n${body}`;
    udp(0, 5060, 5062, msg('INVITE sip:b@example.com SIP/2.0', '1 INVITE', false, sdp(sp, 'actpass')));
    udp(100_000, 5062, 5060, msg('SIP/2.0 200 OK', '1 INVITE', true, sdp(cp, 'active')));
    udp(110_000, 5060, 5062, msg('ACK sip:b@example.com SIP/2.0', '1 ACK', true));
    // The captured DTLS datagrams of this exchange, from 120 ms on at their own pace: the handshake
    // before the media, the ends' close_notify among it.
    const mine = frames.filter((f) => {
      const u = udpOf(f.bytes);
      return (u.sp === sp && u.dp === cp) || (u.sp === cp && u.dp === sp);
    });
    const t0 = mine[0]!.us;
    // The ends' close_notify (sent when their input ended, after the handshake) lands among the media.
    expect(mine.filter((f) => f.us - t0 > 60_000).length).toBeGreaterThan(0);
    for (const f of mine) {
      if (drop === 'all' || drop.includes(handshakeType(udpOf(f.bytes).payload))) continue;
      const rel = f.us - t0;
      const mid = 200_000 + 20_000 * Math.floor(n / 2) + 7_000 + (rel % 1000);
      out.push({ us: rel <= 60_000 ? 120_000 + rel : mid, bytes: f.bytes });
    }
    // STUN binding requests (RFC 5389: first octet 0) on the same 5-tuple, every 10th packet.
    const stun = (tid: number): Uint8Array => {
      const b = new Uint8Array(20);
      const v = new DataView(b.buffer);
      v.setUint16(0, 0x0001);
      v.setUint32(4, 0x2112a442);
      v.setUint32(16, tid);
      return b;
    };
    for (let j = 0; j < n; j++) {
      udp(200_000 + j * 20_000, sp, cp, forward[j]!);
      udp(205_000 + j * 20_000, cp, sp, reverse[j]!);
      if (j % 10 === 5) {
        udp(210_000 + j * 20_000, cp, sp, stun(j));
        udp(211_000 + j * 20_000, sp, cp, stun(j + 1));
      }
    }
    udp(200_000 + n * 20_000 + 50_000, 5060, 5062, msg('BYE sip:b@example.com SIP/2.0', '2 BYE', true));
    const file = join(dir, `call-${i}-${drop === 'all' ? 'none' : drop.join('-') || 'all'}.pcap`);
    writeFileSync(file, timedPcap(out));
    const source = Int16Array.from(payload, (c) => ULAW_TO_LINEAR[c]!);
    return { file, source, forward, reverse };
  }

  const pcmOf = (wav: Buffer): Int16Array => new Int16Array(new Uint8Array(wav.subarray(44)).buffer);

  it.skipIf(!libsrtp())(
    'a call: SRTP both ways (libsrtp2, the exported keys) decrypted with the key log, equal to the source',
    async () => {
      const n = 100;
      for (const i of [0, 1, 2, 3]) {
        const p = PROFILES[i]!;
        const { file, source } = callPcap(i, n);
        setDefaultKeylog({ text: readFileSync(keylog, 'utf8'), log: log() });
        const list = await cli(file, {});
        expect(list.err).toBe('');
        const lines = list.out.split('\n');
        // Two SRTP streams of the call, the DTLS records and STUN not counted as RTP.
        expect(lines.filter((l) => /^\d\tC1\tSRTP /.test(l))).toHaveLength(2);
        expect(list.out).toMatch(
          new RegExp(
            `SRTP 127\\.0\\.0\\.1:${serverPort(i)} → 127\\.0\\.0\\.1:${clientPort(i)} .* ${n} pkts, lost 0 `,
          ),
        );
        const dtlsLine = lines.filter((l) => l.includes('DTLS-SRTP'));
        expect(dtlsLine).toHaveLength(2);
        for (const l of dtlsLine)
          expect(l).toMatch(
            new RegExp(
              `^\\t\\tDTLS-SRTP, ${p.name}, keys from the DTLS handshake \\(frame \\d+\\) and the key log$`,
            ),
          );
        for (const stream of ['0', '1']) {
          const out = join(dir, `call-${i}-${stream}.wav`);
          const r = await cli(file, { stream, wav: out });
          expect(r.err).toBe('');
          expect(r.out).toMatch(
            new RegExp(
              `SRTP ${p.suite} \\(keys from the DTLS handshake in frame \\d+\\): ${n} decrypted$`,
              'm',
            ),
          );
          expect(r.out).toContain(`${n} packets played, 0 lost`);
          const got = pcmOf(readFileSync(out));
          expect(got.length).toBe(source.length);
          expect(Buffer.from(got.buffer).equals(Buffer.from(source.buffer))).toBe(true);
        }
        // The stereo call too.
        const both = await cli(file, { call: 'C1', wav: join(dir, `call-${i}.wav`) });
        expect(both.out.match(/ 100 decrypted/g)).toHaveLength(2);
      }
    },
    120_000,
  );

  it.skipIf(!libsrtp())(
    'says why not: no key log, no secret, a wrong secret, a handshake the capture missed',
    async () => {
      const n = 20;
      const { file } = callPcap(0, n);
      setDefaultKeylog(null);
      let r = await cli(file, {});
      expect(r.out).toContain('\t\tDTLS-SRTP: keyed by the DTLS handshake (frame ');
      expect(r.out).toContain(
        'give the key log of one of its ends (SSLKEYLOGFILE; --keylog FILE, or Decrypt TLS… in the app)',
      );
      r = await cli(file, { stream: '0', wav: join(dir, 'n.wav') });
      expect(r.code).toBe(2);
      expect(r.err).toContain('give the key log of one of its ends');
      // A key log of other connections.
      const other = `CLIENT_RANDOM ${'11'.repeat(32)} ${'22'.repeat(48)}\n`;
      setDefaultKeylog({
        text: other,
        log: (() => {
          const k = new TlsKeyLog();
          k.add(other);
          return k;
        })(),
      });
      r = await cli(file, {});
      expect(r.out).toMatch(
        /DTLS-SRTP: the key log has no master secret for the DTLS handshake \(frame \d+\) \(CLIENT_RANDOM [0-9a-f]{16}…\)/,
      );
      // The right client random with a wrong master secret: every packet fails authentication.
      const wrongText = readFileSync(keylog, 'utf8').replace(
        /^(CLIENT_RANDOM [0-9a-f]{64} )([0-9a-f])/gim,
        (_, a: string, c: string) => a + (c === '0' ? '1' : '0'),
      );
      const wrong = new TlsKeyLog();
      wrong.add(wrongText);
      setDefaultKeylog({ text: wrongText, log: wrong });
      r = await cli(file, { stream: '0', wav: join(dir, 'w.wav') });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /no packet decrypted \(20 failed authentication .*\) with the key of the DTLS handshake in frame \d+/,
      );
      // The ClientHello missed (both copies), then the ServerHello.
      setDefaultKeylog({ text: readFileSync(keylog, 'utf8'), log: log() });
      r = await cli(callPcap(0, n, [1]).file, {});
      expect(r.out).toMatch(
        /DTLS-SRTP: the capture missed the DTLS ClientHello \(the ServerHello is frame \d+\)/,
      );
      r = await cli(callPcap(0, n, [2]).file, {});
      expect(r.out).toMatch(
        /DTLS-SRTP: the capture missed the DTLS ServerHello \(the ClientHello is frame \d+\)/,
      );
      // No handshake at all.
      r = await cli(callPcap(0, n, 'all').file, {});
      expect(r.out).toContain(
        'DTLS-SRTP: keyed by DTLS (a=fingerprint), but the capture holds no DTLS handshake on this stream’s ports',
      );
      setDefaultKeylog(null);
    },
    60_000,
  );
});
