/**
 * The WebAssembly key-field scanner (message/fast-scan.ts) against the full parser: on every fixture
 * message, every message of the public captures (PROTOS' malformed INVITEs included), generated
 * messages and byte mutations of them, `parseMessage` with the fast path gives exactly what the full
 * parser gives (index, key fields, diagnostics, body framing), and the trace's index scan
 * (`indexScanSpans`, the scanner's index-only mode) gives the parser's spans. The fast path must also really run on
 * the common case, or these comparisons would prove nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../../../src/sip-core/message';
import {
  fastScan,
  fastScanAvailable,
  keyHash,
  R_CSEQ,
  R_HBRANCH,
  R_HFROMTAG,
  R_HSENTBY,
  R_HTOTAG,
  R_KEY,
  R_KIND,
  R_STATUS,
  SCAN_FULL,
  SCAN_INDEX,
  SCAN_KEYS,
  scanArena,
  setFastScan,
} from '../../../src/sip-core/message/fast-scan';
import {
  F_BRANCH,
  F_CALLID,
  F_CSEQM,
  F_FROMTAG,
  F_METHOD,
  F_REASON,
  F_RECEIVED,
  F_RPORT,
  F_SENTBY,
  F_TOTAG,
  F_TRANSPORT,
  F_URI,
  F_VERSION,
  HS,
  KEY_SLOTS,
  type ParsedMessage,
} from '../../../src/sip-core/message/sip-message';
import { indexScanSpans, newIndexSpans } from '../../../src/sip-core/capture/sip-index';
import { FIXTURES, havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';
import { invite24_2 } from '../../fixtures/sip-examples';

const REPO = resolve(import.meta.dirname, '../../..');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Everything a caller can observe of a parsed message, as plain data. */
function observe(m: SipMessage): unknown {
  const p = m as ParsedMessage;
  return {
    index: Array.from(p.ix.subarray(p.base, p.base + KEY_SLOTS + HS * p.headerCount)),
    kind: m.kind,
    method: m.method,
    requestUri: m.requestUri,
    status: m.status,
    reason: m.reason,
    version: m.version,
    callId: m.callId,
    cseq: m.cseq,
    cseqMethod: m.cseqMethod,
    branch: m.branch,
    viaSentBy: m.viaSentBy,
    viaTransport: m.viaTransport,
    viaReceived: m.viaReceived,
    viaRport: m.viaRport,
    fromTag: m.fromTag,
    toTag: m.toTag,
    maxForwards: m.maxForwards,
    viaCount: m.viaCount,
    routeCount: m.routeCount,
    recordRouteCount: m.recordRouteCount,
    contentType: m.contentType,
    contentLength: m.contentLength,
    bodyStart: m.bodyStart,
    bodyLength: m.bodyLength,
    startLine: m.startLineSpan,
    requestUriSpan: m.requestUriSpan,
    headers: m.headers.map((h) => [h.name, h.canonical, h.nameSpan, h.valueSpan, h.value()]),
    diagnostics: m.diagnostics,
  };
}

/** The key fields mode SCAN_KEYS fills (spans), in F_* order. */
const KEYS_FIELDS = [
  F_METHOD,
  F_URI,
  F_VERSION,
  F_REASON,
  F_CALLID,
  F_CSEQM,
  F_BRANCH,
  F_SENTBY,
  F_TRANSPORT,
  F_RECEIVED,
  F_RPORT,
  F_FROMTAG,
  F_TOTAG,
] as const;
/** The hashed fields and their slots. */
const HASHED = [
  [F_BRANCH, R_HBRANCH],
  [F_SENTBY, R_HSENTBY],
  [F_FROMTAG, R_HFROMTAG],
  [F_TOTAG, R_HTOTAG],
] as const;

/** What SCAN_KEYS answers, as plain data (null when it declines). */
function keysOf(r: Int32Array | null): unknown {
  if (r === null) return null;
  return {
    kind: r[R_KIND],
    status: r[R_KIND] === 1 ? r[R_STATUS] : 0,
    cseq: r[R_CSEQ],
    spans: KEYS_FIELDS.map((f) => [r[R_KEY + 2 * f], r[R_KEY + 2 * f + 1]]),
    hashes: HASHED.map(([, slot]) => r[slot]),
  };
}

/** The same from the full parser's result (hashes by keyHash over its spans). */
function keysOfParsed(buf: Uint8Array, full: ParsedMessage): unknown {
  const key = (f: number, k: number): number => full.ix[full.base + 2 * f + k]!;
  return {
    kind: ['request', 'response', 'invalid'].indexOf(full.kind),
    status: full.kind === 'response' ? (full.status ?? 0) : 0,
    cseq: full.cseq ?? -1,
    spans: KEYS_FIELDS.map((f) => [key(f, 0), key(f, 1)]),
    hashes: HASHED.map(([f]) => keyHash(buf, key(f, 0), key(f, 1))),
  };
}

let fastHits = 0;
let keysHits = 0;
/** Parses `buf[start, end)` with and without the fast path and compares. */
function same(buf: Uint8Array, start: number, end: number, what: string): void {
  const full0 = fastScan(buf, start, end, SCAN_FULL) !== null;
  if (full0) fastHits++;
  const index1 = fastScan(buf, start, end, SCAN_INDEX) !== null;
  const keys = keysOf(fastScan(buf, start, end, SCAN_KEYS));
  // SCAN_KEYS declines where SCAN_INDEX does, and answers wherever the full scan does
  if (!index1) expect(keys, `${what}: SCAN_KEYS declines with SCAN_INDEX`).toBeNull();
  if (full0) expect(keys, `${what}: SCAN_KEYS answers with SCAN_FULL`).not.toBeNull();
  if (keys !== null) keysHits++;
  const fast = observe(parseMessage(buf, start, end));
  // the trace's index scan (the scanner in its index-only mode) finds the parser's spans
  const spans = { ...indexScanSpans(buf, start, end, newIndexSpans()) };
  setFastScan(false);
  try {
    const full = parseMessage(buf, start, end) as ParsedMessage;
    expect(fast, what).toEqual(observe(full));
    const key = (f: number, k: number): number => full.ix[full.base + 2 * f + k]!;
    expect(spans, what).toMatchObject({
      kind: ['request', 'response', 'invalid'].indexOf(full.kind),
      status: full.kind === 'response' ? (full.status ?? 0) : 0,
      methodStart: key(F_METHOD, 0),
      methodEnd: key(F_METHOD, 1),
      callIdStart: key(F_CALLID, 0),
      callIdEnd: key(F_CALLID, 1),
      cseqMethodStart: key(F_CSEQM, 0),
      cseqMethodEnd: key(F_CSEQM, 1),
    });
    // the analysis keys (SCAN_KEYS), when it answers, are the parser's
    if (keys !== null) expect(keys, `${what}: SCAN_KEYS`).toEqual(keysOfParsed(buf, full));
  } finally {
    setFastScan(true);
  }
}

/** An arena of the scanner's memory (messages there are scanned in place, without a copy). */
let ARENA = scanArena(256 * 1024)!;

/**
 * The same message at offset 0 of its own buffer, inside a larger buffer between other octets, and in
 * the scanner's arena (scanned in place) between other octets and at the arena's very end.
 */
function sameEverywhere(bytes: Uint8Array, what: string): void {
  same(bytes, 0, bytes.length, what);
  const big = new Uint8Array(bytes.length + 40).fill(0x41);
  big.set(bytes, 17);
  same(big, 17, 17 + bytes.length, `${what} (at offset 17)`);
  if (bytes.length + 40 > ARENA.length) return;
  ARENA.fill(0x3a, 0, 20 + bytes.length + 20); // ":" around it: a scan past the end would find it
  ARENA.set(bytes, 20);
  same(ARENA, 20, 20 + bytes.length, `${what} (in the arena)`);
  const at = ARENA.length - bytes.length;
  ARENA.set(bytes, at);
  same(ARENA, at, ARENA.length, `${what} (at the arena's end)`);
}

const datFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.dat'))
        .map((f) => `${dir}/${f}`)
    : [];

const INVITE = invite24_2('v=0\n');

describe('fast key-field scanner = full parser', () => {
  it('is loaded here (Node has WebAssembly SIMD) and takes the common case', () => {
    expect(fastScanAvailable()).toBe(true);
    const b = enc(INVITE);
    expect(fastScan(b, 0, b.length)).not.toBeNull();
    ARENA.set(b, 1000);
    expect(fastScan(ARENA, 1000, 1000 + b.length)).not.toBeNull();
    expect(scanArena(1000)!.buffer).toBe(ARENA.buffer); // a smaller request: the same memory
  });

  it('keeps working when the arena grows (the scanner memory and its views are replaced)', () => {
    const b = enc(INVITE);
    const before = parseMessage(b);
    const size = ARENA.length + 3 * 65536;
    const grown = scanArena(size)!;
    expect(grown.length).toBe(size);
    expect(ARENA.length).toBe(0); // the old arena is detached, as documented
    const after = parseMessage(b);
    expect(observe(after)).toEqual(observe(before));
    grown.set(b, 5);
    expect(fastScan(grown, 5, 5 + b.length)).not.toBeNull();
    same(grown, 5, 5 + b.length, 'INVITE in the grown arena');
    ARENA = grown;
    const m = parseMessage(b);
    expect([m.method, m.callId, m.cseq, m.branch, m.fromTag, m.toTag, m.bodyLength]).toEqual([
      'INVITE',
      'a84b4c76e66710',
      314159,
      'z9hG4bKnashds8',
      '1928301774',
      null,
      4,
    ]);
    expect(m.diagnostics).toEqual([]);
  });

  it('on every RFC 4475 / RFC 5118 message (and inside larger buffers)', () => {
    const files = [
      ...datFiles(`${REPO}/test/fixtures/rfc4475`),
      ...datFiles(`${REPO}/test/fixtures/rfc5118`),
      ...datFiles(`${REPO}/test/fixtures/rfc5118/crlf`),
    ];
    expect(files.length).toBeGreaterThan(60);
    fastHits = 0;
    keysHits = 0;
    for (const f of files) sameEverywhere(new Uint8Array(readFileSync(f)), f);
    expect(fastHits).toBeGreaterThan(10);
    expect(keysHits).toBeGreaterThanOrEqual(fastHits);
  });

  it('on every message of the capture fixtures', () => {
    fastHits = 0;
    keysHits = 0;
    let n = 0;
    for (const f of readdirSync(FIXTURES).filter((x) => /\.(pcap|pcapng|cap|gz)$/.test(x))) {
      const t = ingestFile(`${FIXTURES}/${f}`).trace;
      for (let i = 0; i < t.count; i++, n++) sameEverywhere(t.raw(i), `${f} #${i}`);
    }
    expect(n).toBeGreaterThan(20);
    expect(fastHits).toBeGreaterThan(n / 2);
    expect(keysHits).toBeGreaterThanOrEqual(fastHits);
  });

  it.skipIf(!havePublic)('on every message of the public captures (PROTOS malformed INVITEs too)', () => {
    fastHits = 0;
    keysHits = 0;
    let n = 0;
    for (const f of readdirSync(PUBLIC_CAPTURES).filter((x) => /\.(pcap|pcapng|cap|gz)$/.test(x))) {
      const t = ingestFile(`${PUBLIC_CAPTURES}/${f}`).trace;
      for (let i = 0; i < t.count; i++, n++) same(t.raw(i), 0, t.raw(i).length, `${f} #${i}`);
    }
    expect(n).toBeGreaterThan(900);
    expect(fastHits).toBeGreaterThan(200);
    expect(keysHits).toBeGreaterThanOrEqual(fastHits);
  });

  // Generated messages: each header picked from common and awkward forms (compact names, case,
  // whitespace, commas inside quotes and <>, IPv6, params, escapes, bad values), in any order.
  const line = fc.constantFrom(
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
    'v: SIP/2.0/TCP [2001:db8::1]:5060;rport;received=10.0.0.1;branch=z9hG4bK.x',
    'VIA: SIP/2.0/UDP a.example;branch="q;,x", SIP/2.0/UDP b.example;branch=z9hG4bK2',
    'Via: SIP / 2.0 / UDP a.example ; branch = z9hG4bK3',
    'Via: SIP/2.0/UDP a.example:5060 ;;branch=x',
    'Via: SIP/2.0/UDP a.example , , SIP/2.0/UDP b',
    'Via: ',
    'Via:SIP/2.0/SCTP h;rport=5060;branch=z9hG4bK4',
    'Via: SIP/2.0/UDP h:5060 ;maddr=1.2.3.4;ttl=1',
    'From: "A, \\"B\\"" <sip:a@a.example;x=y>;tag=abc;other',
    'f: sip:a@a.example;tag=1',
    'From: <sip:a@a.example',
    'From: "unterminated <sip:a@a>;tag=3',
    'To: Bob <sip:bob@biloxi.com>;TAG=xyz',
    't: <sip:b@b>;;tag=1',
    'To: <sip:b@b>;tag="quoted"',
    'Call-ID: a84b4c76e66710@pc33.atlanta.com',
    'i: x y ',
    'CSeq: 314159 INVITE',
    'CSeq: 4294967296 INVITE',
    'cseq:1   BYE',
    'CSeq: INVITE',
    'CSeq: 1 INVITE extra',
    'Max-Forwards: 70',
    'Max-Forwards: 300',
    'Max-Forwards: 7x',
    'Content-Length: 4',
    'l: 4',
    'Content-Length: 400',
    'Content-Length: x',
    'Content-Length: 0',
    'Content-Type: application/sdp',
    'c: text/plain',
    'Route: <sip:p1;lr>, <sip:p2;lr>',
    'Record-Route: <sip:a,b;lr>,"x,y" <sip:c>',
    'Record-Route: <sip:a>,,<sip:b>',
    'Route: ',
    'Contact: *',
    'm: <sip:c@c>;expires=3',
    'Subject: hello, world',
    'X-Weird_Name.~!: v',
    'Bad Name: v',
    'Name : spaced colon',
    'NoColon',
    'Ümlaut: v',
    'Folded: a\r\n b',
    'Bare: lf\n',
    'Trailing: ws  \t',
    'Empty:',
    'Content-Length-X: 9',
    'Call-Info: <http://x>',
    'Accept: application/sdp, text/plain',
    // the scanner's shortcuts: ";tag=" read directly, CSeq by octets, list headers without a ","
    'To: <sip:b@b>;tag= x',
    'To: <sip:b@b>;tag=',
    'From: <sip:a@a>;Tag=Q;tag=2',
    'To: <sip:b@b>;tag\x1dx',
    'From: A <sip:a@a>;tag=1;;x',
    'CSeq: 12345678901 INVITE',
    'CSeq: 1 INV ITE',
    'CSeq: 2147483648 ACK',
    'Route: <a>,<b>',
    'v: SIP/2.0/UDP b,SIP/2.0/UDP c',
    'Via: SIP/2.0/UDP second.example;branch=z9hG4bK2',
    'Record-Route: <sip:server10.biloxi.com;lr>',
    'Via: SIP/2.0/UDP h;branch= x',
    'Via: SIP/2.0/UDP h;BRANCH=z9hG4bK1;Received=[2001:db8::1]',
    'Via: SIP/2.0/UDP h;received="1.2.3.4";branch=',
    'Via: SIP/2.0/UDP h;branchx=1;branch=2;received=3;received=4',
    'Via: SIP/2.0/UDP h;branch=a,SIP/2.0/UDP g;branch=b',
    'Via: SIP/2.0/UDP h;received\x1d1.2.3.4;rport',
  );
  const startLine = fc.constantFrom(
    'INVITE sip:bob@biloxi.com SIP/2.0',
    'OPTIONS sip:[2001:db8::1];transport=tcp SIP/2.0',
    'REGISTER sips:a.example SIP/2.0',
    'INVITE sip:bob@biloxi.com sip/2.0',
    'INVITE  sip:bob@biloxi.com SIP/2.0',
    'INVITE sip:bob@biloxi.com SIP/2.0 ',
    'INVITE <sip:bob@biloxi.com> SIP/2.0',
    'INVITE sip:bob@biloxi.com SIP/3.0',
    'IN/VITE sip:x SIP/2.0',
    'SIP/2.0 200 OK',
    'SIP/2.0 180 Ringing ',
    'SIP/2.0 999 Bad',
    'SIP/2.0 20 Short',
    'SIP/2.0 200',
    'SIP/2.0  200 OK',
    'SIP/2.0 486 Busy Here',
    'sip/2.0 100 trying',
    'garbage line',
  );
  const message = fc
    .tuple(
      fc.constantFrom('', '', '', '\r\n', 'junk\r\n'),
      startLine,
      fc.array(line, { maxLength: 14 }),
      fc.constantFrom('\r\n', '\r\n', '\n', ''),
      fc.constantFrom('', 'v=0\r\n', 'abcd', 'abcdefgh'),
    )
    .map(([pre, s, hs, sep, body]) => pre + s + '\r\n' + hs.map((h) => h + '\r\n').join('') + sep + body);

  it('on generated messages', () => {
    fastHits = 0;
    keysHits = 0;
    fc.assert(
      fc.property(message, (text) => {
        sameEverywhere(enc(text), JSON.stringify(text));
      }),
      { numRuns: 3000, seed: 0x5195 },
    );
    expect(fastHits).toBeGreaterThan(100);
    expect(keysHits).toBeGreaterThan(fastHits);
  });

  it('on generated messages with octets flipped, cut or repeated', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(3), (text, at, octet, how) => {
        const b = enc(text);
        const i = at % Math.max(1, b.length);
        let m: Uint8Array;
        if (how === 0) {
          m = b.slice();
          m[i] = octet;
        } else if (how === 1) m = b.subarray(0, i);
        else if (how === 2)
          m = new Uint8Array([...b.subarray(0, i), ...b.subarray(i, i + 20), ...b.subarray(i)]);
        else m = b.subarray(i);
        sameEverywhere(m, `${JSON.stringify(text)} / ${how}@${i}=${octet}`);
      }),
      { numRuns: 3000, seed: 0x5196 },
    );
  });

  it('SCAN_KEYS: FNV-1a hashes, an early end, and reading to the end when a field is missing', () => {
    // FNV-1a 32-bit reference values
    expect(keyHash(enc('a'), 0, 1) >>> 0).toBe(0xe40c292c);
    expect(keyHash(enc('foobar'), 0, 6) >>> 0).toBe(0xbf9cf968);
    expect(keyHash(enc('x'), -1, -1)).toBe(0);
    const b = enc(INVITE);
    const r = fastScan(b, 0, b.length, SCAN_KEYS)!;
    const text = (f: number): string =>
      new TextDecoder().decode(b.subarray(r[R_KEY + 2 * f], r[R_KEY + 2 * f + 1]));
    expect([text(F_BRANCH), text(F_SENTBY), text(F_FROMTAG), r[R_KEY + 2 * F_TOTAG], r[R_CSEQ]]).toEqual([
      'z9hG4bKnashds8',
      'pc33.atlanta.com',
      '1928301774',
      -1,
      314159,
    ]);
    expect(r[R_HBRANCH]).toBe(keyHash(enc('z9hG4bKnashds8'), 0, 14));
    expect(r[R_HTOTAG]).toBe(0);
    // a folded line after the five fields: the full scan declines, SCAN_KEYS has ended before it
    const tail = INVITE.replace('Content-Length', 'X-Folded: a\r\n b\r\nContent-Length');
    expect(fastScan(enc(tail), 0, enc(tail).length, SCAN_FULL)).toBeNull();
    expect(fastScan(enc(tail), 0, enc(tail).length, SCAN_KEYS)).not.toBeNull();
    // the same line before the To field (now after CSeq): SCAN_INDEX ends first, SCAN_KEYS reads on
    const late = INVITE.replace(/^To: .*\r\n/m, '').replace(
      'Content-Length',
      'X-Folded: a\r\n b\r\nTo: <sip:b@b>;tag=9\r\nContent-Length',
    );
    expect(fastScan(enc(late), 0, enc(late).length, SCAN_INDEX)).not.toBeNull();
    expect(fastScan(enc(late), 0, enc(late).length, SCAN_KEYS)).toBeNull();
  });

  it('on the forms its shortcuts read (key names by hash, value trims, "<...>" lists, ";tag" after ">")', () => {
    // Each line goes into the INVITE before Content-Length (or replaces its To / From), and the result
    // must equal the full parser's whatever the scanner makes of it; the usual forms must be taken.
    const names = [
      'Via',
      'VIA',
      'via',
      'v',
      'V',
      'From',
      'FROM',
      'f',
      'To',
      'tO',
      't',
      'Call-ID',
      'call-id',
      'CALL-ID',
      'i',
      'CSeq',
      'cseq',
      'Max-Forwards',
      'MAX-FORWARDS',
      'Content-Length',
      'content-length',
      'l',
      'Content-Type',
      'c',
      'Route',
      'ROUTE',
      'Record-Route',
      'record-route',
      'Contact',
      'm',
      // the same length and first two octets as a key name, another name (must not be taken for it)
      'Vix',
      'Fr0m',
      'Tx',
      'Call-IX',
      'Call_id',
      'CSeX',
      'Max-Forwardz',
      'Content-Lengtx',
      'Content-Typo',
      'Routx',
      'Record-Routz',
      'Contacx',
      'Cont',
      'Rec',
      'Vi',
      'Ca',
      'x',
      'Call-ID-X',
      'Content-Length2',
    ];
    const values = [
      'a',
      ' a',
      '  a',
      'a ',
      'a  ',
      ' ',
      '',
      '\t a',
      'a \t',
      '<sip:a@b>, <sip:c@d>',
      '<sip:a@b>,<sip:c@d>',
      '<sip:a@b> , <sip:c@d>',
      '<sip:a@b>;lr, <sip:c@d>',
      '<sip:a@b>, ',
      '<sip:a@b>, ,<sip:c@d>',
      '<sip:a@b>,  <sip:c@d;lr>, "x" <sip:e@f>',
      '<sip:a,b@c>, <sip:d@e>',
      '<sip:a@b',
      ',<sip:a@b>',
      'Bob <sip:b@b>;tag=1',
      'Bob <sip:b@b>',
      'Bob <sip:b@b> ;tag=2',
      'Bob <sip:b@b>;x=1;tag=3',
      '<sip:b@b>;TAG=4',
      '"A <b>" <sip:a@a>;tag=5',
      '<sip:b@b>;tag="6"',
      '<sip:b@b>;',
      '314 INVITE',
      '70',
      '0',
    ];
    let taken = 0;
    for (const n of names) {
      for (const v of values) {
        const line = `${n}:${v}`;
        for (const text of [
          INVITE.replace('Content-Length', `${line}\r\nContent-Length`),
          INVITE.replace(/^To: .*$/m, line),
          INVITE.replace(/^From: .*$/m, line),
        ]) {
          const b = enc(text);
          if (fastScan(b, 0, b.length, SCAN_FULL) !== null) taken++;
          same(b, 0, b.length, JSON.stringify(line));
        }
      }
    }
    expect(taken).toBeGreaterThan(1000);
    // the usual forms are the scanner's own (else the comparisons above would prove little)
    for (const line of [
      'Record-Route: <sip:a@b;lr>, <sip:c@d;lr>',
      'route: <sip:a@b>',
      'To: B <sip:b@b>;tag=7',
    ]) {
      const text = INVITE.replace(/^To: .*$/m, line.startsWith('To') ? line : 'To: <sip:b@b>').replace(
        'Content-Length',
        `${line.startsWith('To') ? 'X: y' : line}\r\nContent-Length`,
      );
      expect(fastScan(enc(text), 0, enc(text).length, SCAN_FULL), line).not.toBeNull();
    }
  });

  it('on the forms its wider searches and shortcuts read (Via and tag stops, transport, CSeq, folding)', () => {
    // The top Via's host and parameter values and the From/To tag end at the first octet of a wider set
    // (";", ",", any octet up to SP) that is then checked exactly; a control octet that is no stop must
    // not end them. The transport's usual three octets and CSeq's method are read without the general
    // searches. Every form is compared with the full parser, in every place (sameEverywhere).
    const ctl = ['\x01', '\x0b', '\x1f', '\x7f', '\t', ' ', '\r', '\x00'];
    const vias: string[] = [];
    for (const c of ctl) {
      vias.push(
        `SIP/2.0/UDP pc33${c}.atlanta.com;branch=z9hG4bKnashds8`,
        `SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK${c}nashds8;received=192.0.2.1`,
        `SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2${c}.1`,
        `SIP/2.0/UDP pc33.atlanta.com;branch=${c}z9hG4bKnashds8`,
        `SIP/2.0/UDP pc33.atlanta.com:5060${c};branch=z9hG4bKnashds8`,
        `SIP/2.0/UDP${c}pc33.atlanta.com;branch=z9hG4bKnashds8`,
        `SIP/2.0/UD${c} pc33.atlanta.com;branch=z9hG4bKnashds8`,
        `SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK-a-very-long-branch-value${c}-past-sixteen-octets`,
      );
    }
    vias.push(
      'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/TCP pc33.atlanta.com:5060;branch=z9hG4bKnashds8;rport;received=192.0.2.1',
      'SIP/2.0/SCTP pc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/WS pc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/U pc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/UDP',
      'SIP/2.0/UDP ',
      'SIP/2.0/UD',
      'SIP/2.0/UDP  pc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/UDP \tpc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/UDP\tpc33.atlanta.com;branch=z9hG4bKnashds8',
      'SIP/2.0/UDP pc33.atlanta.com ;branch=z9hG4bKnashds8 , SIP/2.0/UDP b.c',
      'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8,SIP/2.0/UDP b.c',
      'SIP/2.0/UDP pc33.atlanta.com;branch="z9hG4bK";received=[::1]',
      'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKnashds8',
      'SIP/2.0/UDP pc33.atlanta.com;BRANCH=z9hG4bKnashds8;RECEIVED=192.0.2.1',
      'SIP/2.0/UDP pc33.atlanta.com; branch=z9hG4bKnashds8',
    );
    const tags: string[] = [];
    for (const c of ctl) {
      tags.push(
        `Bob <sip:bob@biloxi.com>;tag=a6c${c}85cf`,
        `Bob <sip:bob@biloxi.com>;tag=${c}a6c85cf`,
        `Bob <sip:bob@biloxi.com>;x=1;tag=a6c${c}85cf`,
        `Bob${c} <sip:bob@biloxi.com>;tag=a6c85cf`,
        `<sip:bob@biloxi.com>;tag=a6c85cf-a-long-tag-past-sixteen${c}octets`,
      );
    }
    tags.push(
      '"Bob; <x>" <sip:bob@biloxi.com>;tag=1',
      'sip:bob@biloxi.com;tag=1',
      'Bob <sip:bob@biloxi.com>;tag=',
    );
    const cseqs = [
      '314159 INVITE',
      '1 ACK',
      '314159  INVITE',
      '314159\tINVITE',
      '314159 \tINVITE',
      '314159INVITE',
    ];
    cseqs.push(
      '314159 INV\x01TE',
      '314159 INVITE ',
      '314159 ',
      '314159',
      ' 1 ACK',
      '2147483647 BYE',
      '2147483648 BYE',
    );
    cseqs.push('99999999999 BYE', "1 A-B.C!%*_+`'~", '1 INVITE-INVITE-INVITE-INVITE');
    let taken = 0;
    const check = (text: string, what: string): void => {
      const b = enc(text);
      if (fastScan(b, 0, b.length, SCAN_FULL) !== null) taken++;
      sameEverywhere(b, what);
    };
    for (const v of vias) check(INVITE.replace(/^Via: .*$/m, `Via: ${v}`), JSON.stringify(v));
    for (const t of tags) {
      check(INVITE.replace(/^From: .*$/m, `From: ${t}`), JSON.stringify(t));
      check(INVITE.replace(/^To: .*$/m, `To: ${t}`), JSON.stringify(t));
    }
    for (const c of cseqs) check(INVITE.replace(/^CSeq: .*$/m, `CSeq: ${c}`), JSON.stringify(c));
    // a folded line, a line starting with a control octet, and the section's end, read at a line's start
    for (const x of [' folded', '\tfolded', '\x01X: y', '\rX: y', '\nX: y', 'X: y']) {
      check(INVITE.replace('Content-Length', `X-A: 1\r\n${x}\r\nContent-Length`), JSON.stringify(x));
    }
    expect(taken).toBeGreaterThan(60);
  });

  it('on messages longer than its input buffer, and with many headers (the full parser runs)', () => {
    const many = INVITE.replace('Content-Length', 'X-A: 1\r\n'.repeat(5000) + 'Content-Length');
    sameEverywhere(enc(many), '5000 headers');
    const long = INVITE.replace('Call-ID: ', `Call-ID: ${'x'.repeat(70000)}`);
    sameEverywhere(enc(long), '70 kB Call-ID');
    expect(fastScan(enc(long), 0, enc(long).length)).toBeNull();
  });
});
