/**
 * SRTCP's reports in the stream figures (media/srtcp-reports.ts): real RTCP compound packets (SR with a
 * report block and SDES CNAME, then a BYE) of both ends of a call, protected by libsrtp2 (the SRTP
 * library of Asterisk, FreeSWITCH, rtpengine, Chrome) with each sender's a=crypto key, give the same
 * sender and receiver figures (SRs, CNAME, BYE, loss, jitter, round trip) as the same packets sent
 * plain — for the 80-bit suite, the _32 suite (its SRTCP tag is 80 bits) and AES-GCM. Without a key
 * (or with the wrong one) they stay encrypted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { mediaJson, type MediaJson, type RtcpFlowJson } from '../../../src/sip-core/media/media-json';
import { MAX_KEPT, parseRtcp, RtcpFlowState } from '../../../src/sip-core/media/rtcp';
import { RtpTracker, type RtcpFlowRecord } from '../../../src/sip-core/media/rtp-streams';
import { decryptSrtcpFlows, type SrtcpStreamKeys } from '../../../src/sip-core/media/srtcp-reports';
import { parseSdesCrypto, SrtpSession, type SdesCrypto } from '../../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../../src/sip-core/media/srtp-crypto.node.js';
import type { StreamSrtpKeys } from '../../../src/sip-core/media/srtp-keys';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { ipFrame, pcapOf, testIp } from '../../helpers/frames';
import { compound, rb, rtcpOf, srtcpCallPcap } from '../../helpers/srtcp-capture';
import { REPO } from '../capture/tshark-compare';
import { libsrtp, libsrtpRun } from './libsrtp';

function media(pcap: Uint8Array): MediaJson {
  const r = ingestBytes(pcap, 'srtcp.pcap');
  analyzeTrace(r.trace);
  return mediaJson(r.trace)!;
}

/** One plain SR + SDES compound. */
const clean = compound(0x1111, 3_900_000_000, 0, 0x2222, rb(0, 0, 100, 0, 0, 0), false);

const keyOf = (c: SdesCrypto): Uint8Array => {
  const k = c.keys[0]!;
  return new Uint8Array([...k.key, ...k.salt]);
};

const SUITES: [string, string, string][] = [
  [
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
    'AES_CM_128_HMAC_SHA1_80 inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0',
  ],
  [
    'AES_CM_128_HMAC_SHA1_32',
    'AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk',
    'AES_CM_128_HMAC_SHA1_32 inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0',
  ],
  [
    'AEAD_AES_128_GCM',
    'AEAD_AES_128_GCM inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3Bxcg==',
    'AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYg==',
  ],
];

describe('the SRTCP datagrams a flow keeps', () => {
  it('at most MAX_KEPT per flow and the tracker’s budget in all, the rest counted; clean RTCP is not kept', () => {
    // An SR whose reports are ciphertext, E|index and a 10-octet tag (as rtcp-quality's).
    const enc = (i: number): Uint8Array =>
      new Uint8Array([
        ...compound(0x1111, 1, 1, 0x2222, rb(0, 0, 0, 0, 0, 0), false).subarray(0, 52),
        0x80,
        0,
        0,
        i & 0xff,
        ...new Array<number>(10).fill(0xee),
      ]);
    const f = new RtcpFlowState();
    for (let i = 0; i < MAX_KEPT + 5; i++) f.add(parseRtcp(enc(i), 0, 66), i, i + 1, undefined);
    f.add(parseRtcp(clean, 0, clean.length), 0, 0, undefined);
    const r = f.record();
    expect(r.kept).toHaveLength(MAX_KEPT);
    expect(r.keptDropped).toBe(5);
    expect(r.kept![3]).toMatchObject({ us: 3, frame: 4, malformed: false });
    expect(r.kept![3]!.bytes).toEqual(enc(3));
    // Two flows sharing 200 octets: three datagrams of 66 kept, the next ones dropped on either flow.
    const budget = { left: 200 };
    const a = new RtcpFlowState(budget);
    const b = new RtcpFlowState(budget);
    for (let i = 0; i < 3; i++) a.add(parseRtcp(enc(i), 0, 66), i, i + 1, undefined);
    b.add(parseRtcp(enc(9), 0, 66), 9, 10, undefined);
    expect([a.record().kept?.length, b.record().keptDropped]).toEqual([3, 1]);
    // A plain flow keeps nothing (no `kept` in its record).
    const p = new RtcpFlowState();
    p.add(parseRtcp(clean, 0, clean.length), 0, 1, undefined);
    expect(p.record()).not.toHaveProperty('kept');
  });

  it('a live capture gives an evicted flow’s kept octets back to the tracker’s budget', () => {
    const enc = (i: number): Uint8Array =>
      new Uint8Array([
        ...compound(0x1111, 1, 1, 0x2222, rb(0, 0, 0, 0, 0, 0), false).subarray(0, 52),
        0x80,
        0,
        0,
        i & 0xff,
        ...new Array<number>(10).fill(0xee),
      ]);
    // 4 streams, evicting, 200 octets for all the flows' SRTCP: flow A keeps three datagrams of 66.
    const t = new RtpTracker(4, true, 200);
    let frame = 1;
    const send = (sport: number, b: Uint8Array, us: number): void => {
      t.datagram(1, sport, 2, 5001, b, 0, b.length, us, frame++);
    };
    for (let i = 0; i < 3; i++) send(4001, enc(i), 1 + i);
    // Four RTP streams fill the table; a fifth evicts the quarter idle longest, flow A with it.
    const rtpOf = (ssrc: number): Uint8Array => {
      const b = new Uint8Array(172);
      b.set([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, ssrc]);
      return b;
    };
    for (let i = 0; i < 5; i++) send(6000, rtpOf(i + 1), 10 + i);
    expect(t.evicted).toBeGreaterThanOrEqual(2);
    // A new call's flow keeps its SRTCP again (before: the 198 octets were never given back).
    send(4003, enc(7), 20);
    const flows = t.snapshot(['', 'a', 'b']).rtcp;
    expect(flows.map((f) => [f.srcPort, f.reports.kept?.length, f.reports.keptDropped])).toEqual([
      [4003, 1, 0],
    ]);
  });
});

describe('a live capture’s RTCP table full on its own', () => {
  it('forgets the quarter of the flows idle longest (their kept octets given back), not the new one', () => {
    const enc = new Uint8Array([
      ...compound(0x1111, 1, 1, 0x2222, rb(0, 0, 0, 0, 0, 0), false).subarray(0, 52),
      0x80,
      0,
      0,
      1,
      ...new Array<number>(10).fill(0xee),
    ]);
    // 4 entries, evicting, 4 × 66 octets for the SRTCP: four flows fill the table and the budget.
    const t = new RtpTracker(4, true, 4 * 66);
    for (let i = 0; i < 4; i++) t.datagram(1, 4001 + 2 * i, 2, 5001, enc, 0, enc.length, 10 + i, 1 + i);
    // A fifth flow: the one idle longest goes (before: the new flow was dropped for good).
    t.datagram(1, 4099, 2, 5001, enc, 0, enc.length, 20, 9);
    const flows = t.snapshot(['', 'a', 'b']).rtcp;
    expect(flows.map((f) => f.srcPort).sort()).toEqual([4003, 4005, 4007, 4099]);
    expect(flows.find((f) => f.srcPort === 4099)!.reports.kept).toHaveLength(1);
    expect(t.evicted).toBe(1);
    // Without `evict` (a file) the table stays as it is and the new flow is counted dropped.
    const file = new RtpTracker(4, false, 4 * 66);
    for (let i = 0; i < 5; i++) file.datagram(1, 4001 + 2 * i, 2, 5001, enc, 0, enc.length, 10 + i, 1 + i);
    expect(file.snapshot(['', 'a', 'b']).rtcp.map((f) => f.srcPort)).toEqual([4001, 4003, 4005, 4007]);
  });
});

describe('SRTCP of many flows: time linear in the flows', () => {
  const KEY = 'AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
  const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  /** Flow i (pairs of opposite flows between two hosts), its sender's keyed stream (SSRC i + 1). */
  // (decryptSrtcpFlows reads only the keys: crypto and rekeys)
  const srtp = { crypto: KEY } as StreamSrtpKeys;
  const setup = (n: number, encrypt: boolean): { flows: RtcpFlowRecord[]; streams: SrtcpStreamKeys[] } => {
    const flows: RtcpFlowRecord[] = [];
    const streams: SrtcpStreamKeys[] = [];
    for (let i = 0; i < n; i++) {
      const pair = i >> 1;
      const a = `10.${(pair >> 8) & 255}.${pair & 255}.1`;
      const b = `10.${(pair >> 8) & 255}.${pair & 255}.2`;
      const [src, dst, sp, dp] = i & 1 ? [b, a, 50001, 40001] : [a, b, 40001, 50001];
      const sr = [0x81, 200, 0, 12, ...be32(i + 1), ...be32(3_900_000_000), ...new Array<number>(12).fill(0)];
      sr.push(...be32(i ^ 1), ...new Array<number>(20).fill(0));
      const bytes = encrypt
        ? new SrtpSession(parseSdesCrypto(KEY) as SdesCrypto, nodeSrtpCrypto).protectRtcp(Uint8Array.from(sr))
        : Uint8Array.from([...sr, 0x80, 0, 0, 1, ...new Array<number>(10).fill(0xee)]); // (an SRTCP trailer: kept)
      const st = new RtcpFlowState();
      st.add(parseRtcp(bytes, 0, bytes.length), i, i + 1, undefined);
      flows.push({
        src,
        srcPort: sp,
        dst,
        dstPort: dp,
        packets: 1,
        firstUs: i,
        lastUs: i,
        reports: st.record(),
      });
      // Without encryption: the keyed streams are other hosts' (no flow is decrypted).
      streams.push({
        src: encrypt ? src : `x${i}`,
        srcPort: sp - 1,
        dst,
        ssrc: i + 1,
        srtp,
      });
    }
    return { flows, streams };
  };

  it('each decrypted flow’s reverse found once (flows read a few times each, not once per datagram)', () => {
    const { flows, streams } = setup(400, true);
    let reads = 0;
    const counted = new Proxy(flows, {
      get(t, k, r) {
        if (typeof k === 'string' && /^\d+$/.test(k)) reads++;
        return Reflect.get(t, k, r) as unknown;
      },
    });
    const r = decryptSrtcpFlows(counted, streams, nodeSrtpCrypto);
    expect([...r.counts.values()].reduce((a, c) => a + c.decrypted, 0)).toBe(400);
    // (before: a findIndex over all the flows per decrypted datagram, 400 × 400 reads)
    expect(reads).toBeLessThan(400 * 8);
  });

  it('flows and keyed streams matched through a map (30,000 of each, no key fitting): in well under a second', () => {
    const { flows, streams } = setup(30_000, false);
    const t0 = performance.now();
    const r = decryptSrtcpFlows(flows, streams, nodeSrtpCrypto);
    const ms = performance.now() - t0;
    expect(flows.every((f) => f.reports.kept?.length === 1)).toBe(true);
    expect(r.counts.size).toBe(0);
    // (before: every flow filtered all the keyed streams, 900 million comparisons: 2-3 s; now ~30 ms)
    expect(ms).toBeLessThan(500);
  });
});

describe('plain RTCP cut by the capture’s snap length', () => {
  // An SR of 0x91223344 (28 octets, no report block) and SDES CNAME (36 octets), cut at 46 octets: the
  // octet 14 before the cut (the SDES chunk's SSRC, 0x91) has SRTCP's E flag set.
  const sr = [0x80, 200, 0, 6, 0x91, 0x22, 0x33, 0x44, ...new Array<number>(20).fill(7)];
  const cname = 'user@host.example.net.org';
  const sdes = [0x81, 202, 0, 8, 0x91, 0x22, 0x33, 0x44, 1, cname.length, ...Buffer.from(cname), 0];
  const whole = new Uint8Array([...sr, ...sdes]);

  it('parseRtcp: its SR read and the cut packet said, not taken for SRTCP', () => {
    expect(whole.length).toBe(64);
    const p = parseRtcp(whole, 0, 46, true);
    expect(p.encrypted).toBe(false);
    expect(p.error).toBe('packet 2 (type 202) says 36 octets, 18 left');
    expect(p.packets[0]).toMatchObject({ type: 200, ssrc: 0x91223344, sender: { packets: 0x07070707 } });
    // The same octets not cut by the capture: ciphertext read as a header (SRTCP).
    expect(parseRtcp(whole, 0, 46).encrypted).toBe(true);
  });

  it('a capture: the frame cut by its snap length is a malformed plain datagram', () => {
    const frame = ipFrame({
      src: testIp(1),
      dst: testIp(2),
      sp: 40001,
      dp: 50001,
      payload: Buffer.from(whole).toString('latin1'),
    });
    const flow = (snap?: number): RtcpFlowJson | undefined =>
      mediaJson(ingestBytes(pcapOf([{ bytes: frame, snap }]).bytes, 'cut.pcap').trace)?.rtcp[0];
    expect(flow(14 + 20 + 8 + 46)).toMatchObject({
      packets: 1,
      malformed: 1,
      error: { frame: 1, error: 'packet 2 (type 202) says 36 octets, 18 left' },
    });
    expect(flow(14 + 20 + 8 + 46)?.encrypted ?? 0).toBe(0);
    expect(flow()).toMatchObject({ packets: 1, malformed: 0 });
  });
});

describe('SRTCP with UNENCRYPTED_SRTCP (authenticated, reports in the clear)', () => {
  it('reads the reports as the plain ones; the tag after them is not a malformed packet', () => {
    const key = (k: string): string => `${k} UNENCRYPTED_SRTCP`;
    const CALLER = key('AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz');
    const CALLEE = key('AES_CM_128_HMAC_SHA1_80 inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0');
    const protect = (k: string, packets: readonly Uint8Array[]): Uint8Array[] => {
      const s = new SrtpSession(parseSdesCrypto(k) as SdesCrypto, nodeSrtpCrypto);
      return packets.map((p) => s.protectRtcp(p));
    };
    const plain = rtcpOf();
    const reference = media(srtcpCallPcap('RTP/AVP', null, null, plain.caller, plain.callee));
    const m = media(
      srtcpCallPcap('RTP/SAVP', CALLER, CALLEE, protect(CALLER, plain.caller), protect(CALLEE, plain.callee)),
    );
    expect(m.streams.map((s) => s.rtcp)).toEqual(reference.streams.map((s) => s.rtcp));
    expect(m.rtcp.map((f) => [f.srtcp, f.malformed, f.encrypted, f.error])).toEqual([
      [{ decrypted: 3, failed: 0 }, 0, 0, null],
      [{ decrypted: 3, failed: 0 }, 0, 0, null],
    ]);
  });
});

describe.skipIf(!libsrtp())('SRTCP reports decrypted with the SDP keys (libsrtp2 protects)', () => {
  const plain = rtcpOf();
  const reference = media(srtcpCallPcap('RTP/AVP', null, null, plain.caller, plain.callee));

  it('the plain reference has both ends’ reports and a round trip', () => {
    const [fwd, rev] = reference.streams;
    expect(fwd!.rtcp?.sender?.srs).toBe(3);
    expect(fwd!.rtcp?.sender?.cname).toBe('u1111@10.9.0.1');
    expect(fwd!.rtcp?.sender?.bye).not.toBeNull();
    expect(fwd!.rtcp?.receiver?.reports).toBe(3);
    expect(fwd!.rtcp?.receiver?.rttMs?.count).toBe(3);
    expect(rev!.rtcp?.receiver?.last.cumulativeLost).toBe(2);
  });

  it('`sipscope analyze` (its own process: the CLI gives the analysis its SRTP primitives) prints the reports', () => {
    const [suite, callerKey, calleeKey] = SUITES[0]!;
    const ck = parseSdesCrypto(callerKey) as SdesCrypto;
    const ek = parseSdesCrypto(calleeKey) as SdesCrypto;
    const caller = libsrtpRun('p', 'rtcp', suite, keyOf(ck), null, plain.caller) as Uint8Array[];
    const callee = libsrtpRun('p', 'rtcp', suite, keyOf(ek), null, plain.callee) as Uint8Array[];
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-srtcp-'));
    try {
      const file = join(dir, 'srtcp.pcap');
      writeFileSync(file, srtcpCallPcap('RTP/SAVP', callerKey, calleeKey, caller, callee));
      const r = spawnSync(process.execPath, [join(REPO, 'bin/sipscope.js'), 'analyze', file], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      // The trace JSON's media block: the reports as the plain packets give them.
      const json = JSON.parse(r.stdout) as { media: MediaJson };
      expect(json.media.streams.map((x) => x.rtcp)).toEqual(reference.streams.map((x) => x.rtcp));
      expect(json.media.streams[0]!.rtcp?.receiver?.rttMs?.count).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  for (const [suite, callerKey, calleeKey] of SUITES)
    it(`${suite}: the figures equal the plain packets'; the wrong key leaves them encrypted`, () => {
      const ck = parseSdesCrypto(callerKey) as SdesCrypto;
      const ek = parseSdesCrypto(calleeKey) as SdesCrypto;
      const caller = libsrtpRun('p', 'rtcp', suite, keyOf(ck), null, plain.caller);
      const callee = libsrtpRun('p', 'rtcp', suite, keyOf(ek), null, plain.callee);
      expect(caller.every((p) => p instanceof Uint8Array)).toBe(true);
      const m = media(
        srtcpCallPcap('RTP/SAVP', callerKey, calleeKey, caller as Uint8Array[], callee as Uint8Array[]),
      );
      expect(m.streams.map((s) => s.rtcp)).toEqual(reference.streams.map((s) => s.rtcp));
      expect(m.rtcp.map((f) => [f.srtcp, f.malformed, f.encrypted])).toEqual([
        [{ decrypted: 3, failed: 0 }, 0, 3],
        [{ decrypted: 3, failed: 0 }, 0, 3],
      ]);
      // The callee's key given for both directions: the caller's SRTCP fails, its SRs are not read.
      const wrong = media(
        srtcpCallPcap('RTP/SAVP', calleeKey, calleeKey, caller as Uint8Array[], callee as Uint8Array[]),
      );
      expect(wrong.streams[0]!.rtcp?.sender?.srs ?? 0).toBe(0);
      expect(wrong.rtcp[0]!.srtcp).toEqual({ decrypted: 0, failed: 3 });
    });
});
