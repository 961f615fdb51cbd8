/**
 * The analysis facts of a message (capture/ingest-pass.ts `messageFacts`, one walk over its header
 * lines in the pass's WebAssembly module) hold whenever they are given: for every message of every
 * fixture and public capture (pcap, pcapng, the generated benchmark capture) and for hand-made
 * messages at the edges the walk must refuse (folding, bare LF, lists, whitespace before a colon, two
 * Content-Length fields, a body shorter than its Content-Length...), the facts equal what the parser
 * and the analysis' message view read: the Via count, the SDP body and its offset, a Contact, loose
 * Record-Routes, the top Via sent-by host being the packet's source; and the Route / Record-Route
 * lines it found (`messageFactsRoutes`) give the route-set rule's `routeHashes` the answer its own
 * walk from the start line gives.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AF_CONTACT,
  AF_KNOWN,
  AF_RR_LOOSE,
  AF_SDP,
  AF_SENTBY_SRC,
  AF_VIA1,
  AF_VIA2,
  FACTS_REGION,
  forgetFactsRegion,
  ingestPassAvailable,
  messageFacts,
  messageFactsHlen,
  messageFactsRoutes,
  regionBodyHash,
  regionFacts,
} from '../../../src/sip-core/capture/ingest-pass';
import { sdpBodyHash, sdpHashOut } from '../../../src/sip-core/analysis/sdp-summary';
import { RK_FOUND, routeHashes, routeOut } from '../../../src/sip-core/analysis/route-set';
import { canonicalIpv4 } from '../../../src/sip-core/capture/address';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import { parseMessage } from '../../../src/sip-core/message';
import { AnalysisMessage } from '../../../src/sip-core/analysis/message-view';
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from './tshark-compare';

const tmp = mkdtempSync(join(tmpdir(), 'ingest-facts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const enc = new TextEncoder();
const view = new AnalysisMessage();

/** Checks the facts of `raw` (from IPv4 `src`, or -1) against the parser; returns them. */
function check(raw: Uint8Array, src: number, srcHost: string | null, what: string): number {
  const f = messageFacts(raw, 0, raw.length, src);
  if ((f & AF_KNOWN) === 0) {
    expect(f, what).toBe(0);
    return f;
  }
  checkRouteLines(raw, 0, raw.length, messageFactsRoutes(), what);
  const m = parseMessage(raw);
  if (f & AF_VIA1) expect(m.viaCount, what).toBe(1);
  if (f & AF_VIA2) expect(m.viaCount, what).toBe(2);
  const sdp = m.bodyLength > 0 && (m.contentType ?? '').toLowerCase().includes('sdp');
  expect((f & AF_SDP) !== 0, what).toBe(sdp);
  if (f & AF_SDP) {
    expect(messageFactsHlen(), what).toBe(m.bodyStart - m.start);
    expect(m.bodyStart + m.bodyLength, what).toBe(m.end);
  }
  expect((f & AF_CONTACT) !== 0, what).toBe(m.header('contact') !== null);
  view.read(raw, 0, raw.length, null);
  if (f & AF_RR_LOOSE) expect(view.recordRouteCount === 0 || view.recordRoutesLoose, what).toBe(true);
  if (f & AF_SENTBY_SRC) {
    expect(srcHost, what).not.toBeNull();
    expect(view.viaSentByHostIs(srcHost!), what).toBe(true);
  }
  view.release();
  return f;
}

/**
 * `routeHashes` of the message `buf[start,end)` from the facts' Route / Record-Route lines `lines`
 * answers as its walk from the start line: the same answer, the same hashes when found.
 */
function checkRouteLines(buf: Uint8Array, start: number, end: number, lines: number, what: string): void {
  expect(lines, what).toBeGreaterThanOrEqual(0);
  for (const record of [false, true]) {
    const want = routeHashes(buf, start, end, record);
    const wantOut = [routeOut[0], routeOut[1]];
    const got = routeHashes(buf, start, end, record, lines);
    expect(got, `${what} (${record ? 'Record-Route' : 'Route'})`).toBe(want);
    if (got === RK_FOUND) expect([routeOut[0], routeOut[1]], what).toEqual(wantOut);
  }
}

async function checkFile(path: string): Promise<{ n: number; known: number }> {
  const r = await ingestCaptureFile(path, { parse: false });
  const t = r.trace;
  let known = 0;
  for (let id = 0; id < t.count; id++) {
    const host = t.addresses[t.srcAddress(id)] ?? '';
    const v4 = canonicalIpv4(host);
    if (check(t.raw(id), v4, v4 >= 0 ? host : null, `${path} message ${id}`) & AF_KNOWN) known++;
  }
  const n = t.count;
  r.file.close();
  return { n, known };
}

const captures = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
        .map((f) => `${dir}/${f}`)
    : [];

describe.skipIf(!ingestPassAvailable())('messageFacts', () => {
  it('hold on every message of every capture fixture', async () => {
    let known = 0;
    for (const f of captures(FIXTURES)) known += (await checkFile(f)).known;
    expect(known).toBeGreaterThan(20);
  });

  it.skipIf(!havePublic)('hold on every message of every public capture', async () => {
    for (const f of captures(PUBLIC_CAPTURES)) await checkFile(f);
  });

  it("hold on the benchmark generator's capture, and are known for nearly every message", async () => {
    const { generate } = await import('../../../bench/tools/gen-sip-capture');
    const f = join(tmp, 'gen.pcap');
    generate(f, 9);
    const { n, known } = await checkFile(f);
    expect(known).toBeGreaterThan(0.99 * n);
  });

  const base = (head: string, body = ''): string =>
    `${head}Call-ID: a@b\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
  const sdp =
    'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
  const via1 = 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n';
  const via2 = via1 + 'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK2\r\n';
  const req = 'INVITE sip:b@c SIP/2.0\r\n';
  const src = canonicalIpv4('10.0.0.1');
  const cases: [string, string, number, number][] = [
    // [what, message, facts set, facts clear] (AF_KNOWN in "set" when known)
    [
      'one Via, SDP',
      req + via1 + 'Content-Type: application/sdp\r\n' + base('', sdp),
      AF_KNOWN | AF_VIA1 | AF_SDP | AF_SENTBY_SRC,
      AF_CONTACT,
    ],
    [
      'two Vias, Contact',
      req + via2 + 'Contact: <sip:a@10.0.0.1>\r\n' + base(''),
      AF_KNOWN | AF_VIA2 | AF_CONTACT,
      AF_SDP,
    ],
    [
      'compact forms',
      req +
        'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nm: <sip:a@x>\r\nc: application/SDP\r\n' +
        base('', sdp),
      AF_KNOWN | AF_VIA1 | AF_CONTACT | AF_SDP | AF_SENTBY_SRC,
      0,
    ],
    [
      'Via list',
      req + 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2\r\n' + base(''),
      0,
      AF_KNOWN,
    ],
    [
      'three Vias',
      req + via2 + 'Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3\r\n' + base(''),
      AF_KNOWN,
      AF_VIA1 | AF_VIA2,
    ],
    ['folded line', req + via1 + 'Subject: a\r\n b\r\n' + base(''), 0, AF_KNOWN],
    ['bare LF', req + via1 + 'Subject: a\n' + base(''), 0, AF_KNOWN],
    ['space before colon', req + 'Via : SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n' + base(''), 0, AF_KNOWN],
    ['Contact with a space', req + via1 + 'Contact : <sip:a@x>\r\n' + base(''), 0, AF_KNOWN],
    ['two Content-Length', req + via1 + 'Content-Length: 0\r\n' + base(''), 0, AF_KNOWN],
    [
      'body longer than Content-Length',
      req + via1 + 'Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\n' + sdp,
      0,
      AF_KNOWN,
    ],
    [
      'body shorter than Content-Length',
      req + via1 + 'Content-Type: application/sdp\r\nContent-Length: 999\r\n\r\n' + sdp,
      AF_KNOWN | AF_SDP,
      0,
    ],
    [
      'no Content-Length, SDP',
      req + via1 + 'Call-ID: a\r\nContent-Type: application/sdp\r\n\r\n' + sdp,
      AF_KNOWN | AF_SDP,
      0,
    ],
    ['empty SDP body', req + via1 + 'Content-Type: application/sdp\r\n' + base(''), AF_KNOWN, AF_SDP],
    ['other body', req + via1 + 'Content-Type: text/plain\r\n' + base('', 'hello'), AF_KNOWN, AF_SDP],
    [
      'loose Record-Route',
      req + via1 + 'Record-Route: <sip:p;lr>\r\nRecord-Route: <sip:q;lr=on>\r\n' + base(''),
      AF_KNOWN | AF_RR_LOOSE,
      0,
    ],
    [
      'strict Record-Route',
      req + via1 + 'Record-Route: <sip:p;lr>\r\nRecord-Route: <sip:q>\r\n' + base(''),
      AF_KNOWN,
      AF_RR_LOOSE,
    ],
    [
      'Record-Route list',
      req + via1 + 'Record-Route: <sip:p;lr>, <sip:q;lr>\r\n' + base(''),
      AF_KNOWN,
      AF_RR_LOOSE,
    ],
    ['Record-Route ;lrx', req + via1 + 'Record-Route: <sip:p;lrx>\r\n' + base(''), AF_KNOWN, AF_RR_LOOSE],
    [
      'sent-by elsewhere',
      req + 'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\n' + base(''),
      AF_KNOWN | AF_VIA1,
      AF_SENTBY_SRC,
    ],
    [
      'sent-by leading zero',
      req + 'Via: SIP/2.0/UDP 010.0.0.1:5060;branch=z9hG4bK1\r\n' + base(''),
      AF_KNOWN | AF_VIA1,
      AF_SENTBY_SRC,
    ],
    [
      'sent-by name',
      req + 'Via: SIP/2.0/UDP host.example:5060;branch=z9hG4bK1\r\n' + base(''),
      AF_KNOWN | AF_VIA1,
      AF_SENTBY_SRC,
    ],
    ['header section not closed', req + via1 + 'Call-ID: a\r\n', 0, AF_KNOWN],
    [
      'Route and Record-Route after other fields, any case',
      req + via1 + 'Routes: x\r\nROUTE: <sip:p;lr>, <sip:q;lr>\r\nrecord-route: <sip:r;lr>\r\n' + base(''),
      AF_KNOWN | AF_RR_LOOSE,
      0,
    ],
    [
      'Route with whitespace before the colon, Record-Route in two fields',
      'SIP/2.0 180 Ringing\r\n' +
        via1 +
        'Route \t: <sip:p;lr>\r\nRecord-Route: <sip:a;lr>\r\nRecord-Route: <sip:b;lr>, <sip:c;lr>\r\n' +
        base(''),
      AF_KNOWN | AF_VIA1,
      0,
    ],
    [
      'Record-Route with a CR for its hyphen (the route-set walk takes it)',
      'SIP/2.0 200 OK\r\n' +
        via1 +
        'Record\rRoute: <sip:p;lr>\r\nRoute-X: 1\r\nRoutE: <sip:z>\r\n' +
        base(''),
      AF_KNOWN | AF_VIA1,
      0,
    ],
    [
      'no Route, no Record-Route',
      'SIP/2.0 200 OK\r\n' + via2 + 'Roue: x\r\n' + base(''),
      AF_KNOWN | AF_VIA2,
      0,
    ],
    [
      'response',
      'SIP/2.0 200 OK\r\n' + via2 + 'Contact: <sip:b@y>\r\n' + base(''),
      AF_KNOWN | AF_VIA2 | AF_CONTACT,
      0,
    ],
  ];
  it.each(cases)('%s', (what, text, set, clear) => {
    const f = check(enc.encode(text), src, '10.0.0.1', what);
    expect(f & set, what).toBe(set);
    expect(f & clear, what).toBe(0);
  });

  it('not IPv4: no sent-by fact', () => {
    const f = check(enc.encode(req + via1 + base('')), -1, null, 'no IPv4 source');
    expect(f & (AF_KNOWN | AF_SENTBY_SRC)).toBe(AF_KNOWN);
  });

  // regionFacts reads each message where it lies in a region copied once: the octets after a message
  // are then the next message's (a copy of the message alone has other octets there), so these
  // regions put every hand-made case before every other one.
  it('regionFacts answers messageFacts for each message of a region (hand-made cases, any neighbour)', () => {
    const texts = cases.map((c) => c[1]);
    let compared = 0;
    for (let k = 0; k < texts.length; k++) {
      // case k, then each other case, then case k again at the region's end (no neighbour)
      const parts = [texts[k]!, ...texts.filter((_, j) => j !== k), texts[k]!].map((x) => enc.encode(x));
      const region = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      const spans: [number, number][] = [];
      for (const p of parts) {
        region.set(p, at);
        spans.push([at, at + p.length]);
        at += p.length;
      }
      forgetFactsRegion();
      for (const [s0, e0] of spans) {
        const alone = region.slice(s0, e0);
        const want = messageFacts(alone, 0, alone.length, src);
        const wantHlen = want & AF_SDP ? messageFactsHlen() : 0;
        const wantLines = messageFactsRoutes();
        const got = regionFacts(region, s0, e0, src);
        expect(got, `case ${k} at ${s0}`).toBe(want);
        if (got & AF_SDP) expect(messageFactsHlen(), `case ${k} at ${s0}`).toBe(wantHlen);
        if (got & AF_KNOWN) {
          expect(messageFactsRoutes(), `case ${k} at ${s0}`).toBe(wantLines);
          checkRouteLines(region, s0, e0, wantLines, `case ${k} at ${s0}`);
        }
        compared++;
      }
    }
    expect(compared).toBe(texts.length * (texts.length + 1));
  });

  it('regionFacts copies a region once, again after forgetFactsRegion or another buffer, and takes a larger one a message at a time', () => {
    const a = enc.encode(req + via1 + 'Contact: <sip:a@x>\r\n' + base(''));
    const b = enc.encode(req + via2 + base(''));
    const buf = new Uint8Array(a.length);
    buf.set(a);
    forgetFactsRegion();
    expect(regionFacts(buf, 0, buf.length, src) & (AF_CONTACT | AF_VIA1)).toBe(AF_CONTACT | AF_VIA1);
    // The same buffer with other octets: without forgetFactsRegion the region copied before is read.
    buf.fill(32);
    buf.set(b.subarray(0, buf.length));
    expect(regionFacts(buf, 0, buf.length, src) & (AF_CONTACT | AF_VIA1)).toBe(AF_CONTACT | AF_VIA1);
    forgetFactsRegion();
    expect(regionFacts(buf, 0, buf.length, src)).toBe(messageFacts(buf.slice(), 0, buf.length, src));
    // messageFacts in between takes the place: the region is copied again
    regionFacts(a, 0, a.length, src);
    messageFacts(b, 0, b.length, src);
    expect(regionFacts(a, 0, a.length, src) & (AF_CONTACT | AF_VIA1)).toBe(AF_CONTACT | AF_VIA1);
    // a buffer over FACTS_REGION: each message copied alone
    const big = new Uint8Array(FACTS_REGION + 1);
    big.set(a, FACTS_REGION + 1 - a.length);
    expect(regionFacts(big, FACTS_REGION + 1 - a.length, big.length, src)).toBe(
      messageFacts(a, 0, a.length, src),
    );
    forgetFactsRegion();
  });

  it('regionBodyHash is sdpBodyHash, for the region regionFacts copied (any offset and length) and no other buffer', () => {
    // octets of every value, a region of FACTS_REGION (bodies up to and past 64 KiB at its end)
    const buf = new Uint8Array(FACTS_REGION);
    let x = 0x2545f491;
    for (let i = 0; i < buf.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf[i] = x & 255;
    }
    const a = enc.encode(req + via1 + base(''));
    buf.set(a);
    forgetFactsRegion();
    regionFacts(buf, 0, a.length, src);
    const out = new Int32Array(2);
    const cases: [number, number][] = [];
    for (let s = 0; s < 9; s++) for (let n = 0; n < 40; n++) cases.push([s, s + n]);
    for (const n of [255, 256, 1000, 4096, 65535, 65536, 65537, 70001])
      cases.push([3, 3 + n], [buf.length - n, buf.length]);
    for (const [s, e] of cases) {
      out.fill(0);
      expect(regionBodyHash(buf, s, e, out), `${s}..${e}`).toBe(true);
      sdpBodyHash(buf, s, e);
      expect([...out], `${s}..${e}`).toEqual([...sdpHashOut]);
    }
    // another buffer (or the region forgotten): not answered, `out` untouched
    out.fill(7);
    expect(regionBodyHash(buf.slice(0, 100), 0, 50, out)).toBe(false);
    forgetFactsRegion();
    expect(regionBodyHash(buf, 0, 50, out)).toBe(false);
    expect([...out]).toEqual([7, 7]);
  });

  it('regionFacts answers messageFacts on every message of the captures, read back by Trace.eachRaw', async () => {
    const files = [...captures(FIXTURES), ...(havePublic ? captures(PUBLIC_CAPTURES) : [])];
    let compared = 0;
    let regions = 0;
    for (const f of files) {
      const r = await ingestCaptureFile(f, { parse: false });
      const t = r.trace;
      let last: Uint8Array | null = null;
      forgetFactsRegion();
      t.eachRaw(0, t.count, (id, buf, s0, e0) => {
        if (buf !== last) regions++;
        last = buf;
        const v4 = canonicalIpv4(t.addresses[t.srcAddress(id)] ?? '');
        const got = regionFacts(buf, s0, e0, v4);
        const gotHlen = got & AF_SDP ? messageFactsHlen() : 0;
        const gotLines = messageFactsRoutes();
        const alone = buf.slice(s0, e0);
        const want = messageFacts(alone, 0, alone.length, v4);
        expect(got, `${f} message ${id}`).toBe(want);
        if (want & AF_SDP) expect(gotHlen, `${f} message ${id}`).toBe(messageFactsHlen());
        if (want & AF_KNOWN) {
          expect(gotLines, `${f} message ${id}`).toBe(messageFactsRoutes());
          checkRouteLines(buf, s0, e0, gotLines, `${f} message ${id}`);
        }
        forgetFactsRegion(); // (messageFacts took the module's copy: the next call copies the region again)
        compared++;
      });
      r.file.close();
    }
    expect(compared).toBeGreaterThan(100);
    expect(regions).toBeLessThan(compared);
  });
});
