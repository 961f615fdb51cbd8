/**
 * SIP framing: content detection on any port, datagram framing, stream framing by Content-Length
 * (compact `l`), CRLF keep-alives (RFC 5626 §3.5.1), junk resynchronisation; and the index scan
 * that the trace keeps per message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  frameDatagram,
  frameStream,
  looksLikeSip,
  sipStartLine,
  type FrameFlag,
} from '../../../src/sip-core/capture/sip-framing';
import { indexScan, type IndexFields } from '../../../src/sip-core/capture/sip-index';
import { parseMessage } from '../../../src/sip-core/message';
import { ingestFile, havePublic, PUBLIC_CAPTURES } from './tshark-compare';
import { readdirSync } from 'node:fs';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const msg = (method: string, body = ''): string =>
  `${method} sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK${method}\r\nCall-ID: ${method}@a\r\nCSeq: 1 ${method}\r\nContent-Length: ${enc(body).length}\r\n\r\n${body}`;

describe('looksLikeSip (content, not port)', () => {
  it.each([
    ['INVITE sip:bob@b SIP/2.0\r\n', true],
    ['OPTIONS sip:b SIP/2.0\n', true],
    ['x-Custom.Method sip:b sip/2.0\r\n', true],
    ['SIP/2.0 200 OK\r\n', true],
    ['SIP/2.0 180\r\n', true],
    ['\r\n\r\nBYE sip:a SIP/2.0\r\n', true],
    ['GET / HTTP/1.1\r\n', false],
    ['HTTP/1.1 200 OK\r\n', false],
    ['SIP/2.0 2000 OK\r\n', false],
    ['INVITE sip:bob@b SIP/3.0\r\n', false],
    ['INVITE  SIP/2.0\r\n', false],
    ['\x16\x03\x01\x00\x28', false],
    ['', false],
  ])('%j → %s', (s, want) => expect(looksLikeSip(enc(s))).toBe(want));

  it('tells "need more bytes" from "not SIP" on a partial start line', () => {
    expect(sipStartLine(enc('INVITE sip:bob@b SIP/2'), 0, 22)).toBe(0);
    expect(sipStartLine(enc('SIP/2.'), 0, 6)).toBe(0);
    expect(sipStartLine(enc('GET / HT'), 0, 8)).toBe(-1);
    expect(sipStartLine(enc('HTTP/1.1 101'), 0, 12)).toBe(-1);
  });
});

describe('frameDatagram', () => {
  it('skips CRLF keep-alives and leading junk', () => {
    expect(frameDatagram(enc('\r\n\r\n'), 0, 4)).toBeNull();
    const b = enc('\x00\x01\x02' + msg('OPTIONS'));
    expect(frameDatagram(b, 0, b.length)).toEqual({ start: 3, end: b.length, junk: 3 });
    const c = enc('junk line\r\n' + msg('BYE'));
    expect(frameDatagram(c, 0, c.length)?.junk).toBe(11);
    expect(frameDatagram(enc('GET / HTTP/1.1\r\n\r\n'), 0, 18)).toBeNull();
  });
});

interface Framed {
  text: string;
  flag: FrameFlag;
}

/** Feeds a stream in pieces the way a TCP direction does: unconsumed bytes are offered again. */
function frameInPieces(stream: Uint8Array, cuts: number[]): { msgs: Framed[]; junk: number } {
  const msgs: Framed[] = [];
  let junk = 0;
  const sink = {
    message: (b: Uint8Array, s: number, e: number, flag: FrameFlag) =>
      msgs.push({ text: dec(b.subarray(s, e)), flag }),
    junk: (_b: Uint8Array, _s: number, n: number) => void (junk += n),
  };
  let pending = new Uint8Array(0);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < stream.length))].sort((a, b) => a - b);
  points.push(stream.length);
  let prev = 0;
  for (const p of points) {
    const buf = new Uint8Array(pending.length + p - prev);
    buf.set(pending);
    buf.set(stream.subarray(prev, p), pending.length);
    prev = p;
    const used = frameStream(buf, 0, buf.length, sink, p === stream.length);
    pending = buf.slice(used);
  }
  return { msgs, junk };
}

describe('frameStream (Content-Length framing on TCP/TLS/SCTP streams)', () => {
  const body = 'v=0\r\no=- 1 1 IN IP4 a\r\n';
  const compact = 'MESSAGE sip:b SIP/2.0\r\ni: m@a\r\nl: 5\r\n\r\nhello';
  const stream = enc(`\r\n\r\n${msg('INVITE', body)}\r\n${msg('ACK')}${compact}\r\n\r\n${msg('BYE')}`);
  const want = [msg('INVITE', body), msg('ACK'), compact, msg('BYE')];

  it('several messages in one buffer, keep-alives skipped, compact l:', () => {
    const r = frameInPieces(stream, []);
    expect(r.msgs.map((m) => m.text)).toEqual(want);
    expect(r.msgs.every((m) => m.flag === null)).toBe(true);
    expect(r.junk).toBe(0);
  });

  it('the same messages however the stream is cut into segments (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(frameInPieces(stream, cuts).msgs.map((m) => m.text)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('resynchronises after junk (mid-stream capture start) and reports it', () => {
    const s = enc(`ength: 0\r\n\r\nsome tail of an earlier message\r\n${msg('OPTIONS')}`);
    const r = frameInPieces(s, [5, 20]);
    expect(r.msgs.map((m) => m.text)).toEqual([msg('OPTIONS')]);
    expect(r.junk).toBeGreaterThan(20);
  });

  it('missing or invalid Content-Length: the message ends at the empty line, flagged', () => {
    const r = frameInPieces(
      enc('OPTIONS sip:b SIP/2.0\r\nCall-ID: x\r\n\r\nSIP/2.0 200 OK\r\nContent-Length: bad\r\n\r\n'),
      [],
    );
    expect(r.msgs.map((m) => m.flag)).toEqual(['content-length-missing', 'content-length-invalid']);
  });

  it('a message cut by the end of the capture is emitted flagged truncated', () => {
    const full = enc(msg('INVITE', body));
    const r = frameInPieces(full.subarray(0, full.length - 5), []);
    expect(r.msgs).toHaveLength(1);
    expect(r.msgs[0]!.flag).toBe('truncated');
  });
});

describe('indexScan agrees with the parser', () => {
  const pick = (f: IndexFields): IndexFields => ({
    kind: f.kind,
    method: f.method,
    status: f.status,
    callId: f.callId,
    cseqMethod: f.cseqMethod,
  });

  it('on hand-made messages (compact i:, odd spacing)', () => {
    for (const s of [
      msg('INVITE', 'x'),
      'SIP/2.0 486 Busy Here\r\ni:  abc@h \r\ncseq:  7   REGISTER\r\n\r\n',
      'garbage\r\n\r\n',
    ]) {
      const b = enc(s);
      const m = parseMessage(b);
      const out = indexScan(b, 0, b.length, {
        kind: 'invalid',
        method: null,
        status: null,
        callId: null,
        cseqMethod: null,
      });
      // For an invalid start line the trace keeps only the kind.
      if (m.kind === 'invalid') expect(out.kind).toBe('invalid');
      else
        expect(pick(out)).toEqual({
          kind: m.kind,
          method: m.method,
          status: m.status,
          callId: m.callId,
          cseqMethod: m.cseqMethod,
        });
    }
  });

  it.skipIf(!havePublic)('on every message of every public capture', () => {
    let n = 0;
    for (const f of readdirSync(PUBLIC_CAPTURES).filter((x) => !x.endsWith('.md'))) {
      const t = ingestFile(`${PUBLIC_CAPTURES}/${f}`).trace;
      for (let i = 0; i < t.count; i++) {
        const raw = t.raw(i);
        const m = parseMessage(raw);
        const out = indexScan(raw, 0, raw.length, {
          kind: 'invalid',
          method: null,
          status: null,
          callId: null,
          cseqMethod: null,
        });
        expect(pick(out), `${f} #${i}`).toEqual({
          kind: m.kind,
          method: m.method,
          status: m.status,
          callId: m.callId,
          cseqMethod: m.cseqMethod,
        });
        n++;
      }
    }
    expect(n).toBeGreaterThan(900);
  });
});
