/**
 * The analysis facts of a message — the trace's `facts` column (noted by the key-field scanner's
 * SCAN_KEYS walk as the ingest pass or the JavaScript ingest path scans each message, the sent-by one
 * by the pass or Trace.appendIndexed) and capture/ingest-pass.ts `messageFacts` (one walk over its
 * header lines in the pass's WebAssembly module, tier 2's fallback) — hold whenever they are given: for every message of every
 * fixture and public capture (pcap, pcapng, the generated benchmark capture) and for hand-made
 * messages at the edges the walk must refuse (folding, bare LF, lists, whitespace before a colon, two
 * Content-Length fields, a body shorter than its Content-Length...), the facts equal what the parser
 * and the analysis' message view read: the Via count, the SDP body and its offset, a Contact, loose
 * Record-Routes, the top Via sent-by host being the packet's source.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AF_CONTACT,
  AF_KNOWN,
  AF_RR_LOOSE,
  AF_SDP,
  AF_SENTBY_SRC,
  AF_VIA1,
  AF_VIA2,
  factsOfColumn,
  FX_HLEN_SHIFT,
  ingestPassAvailable,
  messageFacts,
  setIngestFacts,
  messageFactsHlen,
} from '../../../src/sip-core/capture/ingest-pass';
import { canonicalIpv4 } from '../../../src/sip-core/capture/address';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import { parseMessage } from '../../../src/sip-core/message';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { writeFileSync } from 'node:fs';
import { ipFrame, pcapOf } from '../../helpers/frames';
import { AnalysisMessage } from '../../../src/sip-core/analysis/message-view';
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from './tshark-compare';

const tmp = mkdtempSync(join(tmpdir(), 'ingest-facts-'));
// the trace's column is filled only with the ingest's facts on (off by default: setIngestFacts)
beforeAll(() => setIngestFacts(true));
afterAll(() => {
  setIngestFacts(false);
  rmSync(tmp, { recursive: true, force: true });
});

const enc = new TextEncoder();
const view = new AnalysisMessage();

/** Checks the facts of `raw` (from IPv4 `src`, or -1) against the parser; returns them. */
function check(raw: Uint8Array, src: number, srcHost: string | null, what: string): number {
  const f = messageFacts(raw, 0, raw.length, src);
  return verify(raw, f, messageFactsHlen(), srcHost, what);
}

/** Checks the trace's `facts` column for message `id` against the parser; returns them as AF_* bits. */
function checkColumn(t: Trace, id: number, what: string): number {
  const fx = t.analysisFacts(id);
  const host = t.addresses[t.srcAddress(id)] ?? '';
  return verify(
    t.raw(id),
    factsOfColumn(fx),
    fx >>> FX_HLEN_SHIFT,
    canonicalIpv4(host) >= 0 ? host : null,
    what,
  );
}

/** Checks facts `f` (AF_*; with AF_SDP `hlen` the body's offset) of `raw` against the parser. */
function verify(raw: Uint8Array, f: number, hlen: number, srcHost: string | null, what: string): number {
  if ((f & AF_KNOWN) === 0) {
    expect(f, what).toBe(0);
    return f;
  }
  const m = parseMessage(raw);
  if (f & AF_VIA1) expect(m.viaCount, what).toBe(1);
  if (f & AF_VIA2) expect(m.viaCount, what).toBe(2);
  const sdp = m.bodyLength > 0 && (m.contentType ?? '').toLowerCase().includes('sdp');
  expect((f & AF_SDP) !== 0, what).toBe(sdp);
  if (f & AF_SDP) {
    expect(hlen, what).toBe(m.bodyStart - m.start);
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

async function checkFile(path: string): Promise<{ n: number; known: number; column: number }> {
  const r = await ingestCaptureFile(path, { parse: false });
  const t = r.trace;
  let known = 0;
  let column = 0;
  for (let id = 0; id < t.count; id++) {
    const host = t.addresses[t.srcAddress(id)] ?? '';
    const v4 = canonicalIpv4(host);
    if (check(t.raw(id), v4, v4 >= 0 ? host : null, `${path} message ${id}`) & AF_KNOWN) known++;
    // the column the ingest pass wrote (its messages) or the JavaScript path (the others)
    if (checkColumn(t, id, `${path} message ${id} (column)`) & AF_KNOWN) column++;
  }
  const n = t.count;
  r.file.close();
  // the JavaScript ingest path's column (in-memory bytes, no pass; a compressed capture reads as
  // fewer messages there)
  const b = ingestBytes(new Uint8Array(readFileSync(path)), path, { parse: false }).trace;
  for (let id = 0; id < b.count; id++) checkColumn(b, id, `${path} message ${id} (column, in memory)`);
  b.close();
  return { n, known, column };
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
    let column = 0;
    for (const f of captures(FIXTURES)) {
      const r = await checkFile(f);
      known += r.known;
      column += r.column;
    }
    expect(known).toBeGreaterThan(20);
    expect(column).toBeGreaterThan(20);
  });

  it.skipIf(!havePublic)('hold on every message of every public capture', async () => {
    for (const f of captures(PUBLIC_CAPTURES)) await checkFile(f);
  });

  it("hold on the benchmark generator's capture, and are known for nearly every message", async () => {
    const { generate } = await import('../../../bench/tools/gen-sip-capture');
    const f = join(tmp, 'gen.pcap');
    generate(f, 9);
    const { n, known, column } = await checkFile(f);
    expect(known).toBeGreaterThan(0.99 * n);
    expect(column).toBeGreaterThan(0.99 * n);
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
  // the key headers first, then `extra` (what the scanner's walk reads after its last key header)
  const after = (extra: string, body = ''): string =>
    `Call-ID: a@b\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\n${extra}` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
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
    [
      'after the key headers: a Via, compact Contact',
      req + via1 + after('Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\nm: <sip:a@x>\r\n'),
      AF_KNOWN | AF_VIA2 | AF_CONTACT | AF_SENTBY_SRC,
      AF_SDP,
    ],
    [
      'after the key headers: compact v, c, Record-Route',
      req +
        via1 +
        after(
          'v: SIP/2.0/UDP 10.0.0.2\r\nv: SIP/2.0/UDP 10.0.0.3\r\nc: application/sdp\r\nRecord-Route: <sip:p;lr>\r\n',
          sdp,
        ),
      AF_KNOWN | AF_SDP | AF_RR_LOOSE,
      AF_VIA1 | AF_VIA2,
    ],
    [
      'Record-Route before the Via',
      req + 'Record-Route: <sip:p;lr>\r\n' + via1 + base(''),
      AF_KNOWN | AF_VIA1 | AF_RR_LOOSE,
      0,
    ],
    [
      'strict Record-Route after the key headers',
      req + via1 + after('Record-Route: <sip:p>\r\n'),
      AF_KNOWN | AF_VIA1,
      AF_RR_LOOSE,
    ],
    ['folded line after the key headers', req + via1 + after('Subject: a\r\n b\r\n'), 0, AF_KNOWN],
    ['bare LF after the key headers', req + via1 + after('Subject: a\n'), 0, AF_KNOWN],
    [
      'Via list after the key headers',
      req + via1 + after('Via: SIP/2.0/UDP 10.0.0.2, SIP/2.0/UDP 10.0.0.3\r\n'),
      0,
      AF_KNOWN,
    ],
    [
      'Contact with a space after the key headers',
      req + via1 + after('Contact : <sip:a@x>\r\n'),
      0,
      AF_KNOWN,
    ],
    ['two Content-Length after the key headers', req + via1 + after('l: 0\r\n'), 0, AF_KNOWN],
    [
      'Content-Length with spaces after the key headers',
      req +
        via1 +
        after('Content-Type: application/sdp\r\n').replace(/Content-Length: \d+/, 'Content-Length:  0 '),
      AF_KNOWN,
      AF_SDP,
    ],
    ['no end of the header section after the key headers', req + via1 + after('').slice(0, -2), 0, AF_KNOWN],
    ['header section not closed', req + via1 + 'Call-ID: a\r\n', 0, AF_KNOWN],
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

  it("the trace's column (ingest pass and JavaScript path) on the same messages", async () => {
    const ip = src >>> 0;
    const { bytes } = pcapOf(
      cases.map(([, text]) => ({
        bytes: ipFrame({ src: ip, dst: ip + 1, sp: 5060, dp: 5060, payload: text }),
      })),
    );
    const file = join(tmp, 'cases.pcap');
    writeFileSync(file, bytes);
    const r = await ingestCaptureFile(file, { parse: false });
    const m = ingestBytes(bytes, 'cases.pcap', { parse: false }).trace;
    for (const t of [r.trace, m]) {
      expect(t.count).toBe(cases.length);
      for (let id = 0; id < t.count; id++) {
        const [what, , set, clear] = cases[id]!;
        const f = checkColumn(t, id, `${what} (column)`);
        // known where messageFacts knows them, with the same bits; none on the cases it must refuse
        if ((set & AF_KNOWN) !== 0) {
          expect(f & AF_KNOWN, what).toBe(AF_KNOWN);
          expect(f & set, what).toBe(set);
          expect(f & clear, what).toBe(0);
        } else expect(f, what).toBe(0);
      }
    }
    r.file.close();
    m.close();
  });

  it('not IPv4: no sent-by fact', () => {
    const f = check(enc.encode(req + via1 + base('')), -1, null, 'no IPv4 source');
    expect(f & (AF_KNOWN | AF_SENTBY_SRC)).toBe(AF_KNOWN);
  });
});
