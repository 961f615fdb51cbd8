/**
 * The analysis keys of the index scan (capture/sip-index.ts, the trace's `cseq`/`branchH`/`sentByH`/
 * `fromTagH`/`toTagH` columns and KF_* flags): the scanner's SCAN_KEYS mode and a full parse give the
 * same numbers; the sent-by hash compares as RFC 3261 §17.2.3 (case folded, default port added); the
 * columns survive every way a trace is handed over (exportState/fromState, shareRows/appendRows).
 */
import { describe, expect, it } from 'vitest';
import {
  indexScanSpans,
  KF_COOKIE,
  KF_CSEQ,
  keysOfParse,
  newIndexSpans,
} from '../../../src/sip-core/capture/sip-index';
import { keyHash, setFastScan } from '../../../src/sip-core/message/fast-scan';
import { parseMessage } from '../../../src/sip-core/message';
import type { ParsedMessage } from '../../../src/sip-core/message/sip-message';
import { Trace } from '../../../src/sip-core/trace/trace';

const enc = new TextEncoder();

function msg(via: string, opts: { from?: string; to?: string; cseq?: string | null } = {}): Uint8Array {
  const cseq =
    opts.cseq === undefined ? 'CSeq: 7 INVITE\r\n' : opts.cseq === null ? '' : `CSeq: ${opts.cseq}\r\n`;
  return enc.encode(
    `INVITE sip:b@b.example SIP/2.0\r\nVia: ${via}\r\nFrom: <sip:a@a.example>${opts.from ?? ';tag=f1'}\r\n` +
      `To: <sip:b@b.example>${opts.to ?? ''}\r\nCall-ID: k1@a\r\n${cseq}Content-Length: 0\r\n\r\n`,
  );
}

/** The key numbers by the scanner (fast path) and by a full parse (fast path off). */
function both(b: Uint8Array): [object, object] {
  const fast = { ...indexScanSpans(b, 0, b.length, newIndexSpans()) };
  setFastScan(false);
  try {
    const slow = { ...keysOfParse(b, parseMessage(b) as ParsedMessage, newIndexSpans()) };
    const pick = (x: Record<string, number>): object => ({
      cseq: x.cseq,
      branchH: x.branchH,
      sentByH: x.sentByH,
      fromTagH: x.fromTagH,
      toTagH: x.toTagH,
      keyFlags: x.keyFlags,
    });
    return [pick(fast as never), pick(slow as never)];
  } finally {
    setFastScan(true);
  }
}

const VIAS = [
  'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1',
  'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1',
  'SIP/2.0/UDP Host.Example.COM:5060;branch=z9hG4bK-1',
  'SIP/2.0/UDP host.example.com;branch=z9hG4bK-1;rport',
  'SIP/2.0/TLS host.example.com;branch=z9hG4bK-1',
  'SIP/2.0/WSS host.example.com:5061;branch=z9hG4bK-1',
  'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1',
  'SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK-1',
  'SIP/2.0/UDP 10.0.0.1:5060;branch=1234',
  'SIP/2.0/UDP 10.0.0.1:5060',
];

describe('analysis keys of the index scan', () => {
  it('are the same by the scanner and by a full parse', () => {
    for (const v of VIAS) {
      for (const o of [{}, { to: ';tag=t9' }, { from: '' }, { cseq: null }, { cseq: '4294967 BYE' }]) {
        const [fast, slow] = both(msg(v, o));
        expect(fast, `${v} ${JSON.stringify(o)}`).toEqual(slow);
      }
    }
  });

  it('hash the sent-by as transactions compare it, the rest by octets', () => {
    const k = (via: string): number => indexScanSpans(msg(via), 0, msg(via).length, newIndexSpans()).sentByH;
    // case folded and the default port added (RFC 3261 §18.2.1 / §17.2.3)
    expect(k('SIP/2.0/UDP HOST.example.com;branch=z9hG4bK-1')).toBe(
      k('SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK-1'),
    );
    expect(k('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1')).toBe(k('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1'));
    expect(k('SIP/2.0/TLS h;branch=z9hG4bK-1')).toBe(k('SIP/2.0/TLS h:5061;branch=z9hG4bK-1'));
    expect(k('SIP/2.0/UDP [::1];branch=z9hG4bK-1')).toBe(k('SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-1'));
    expect(k('SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK-1')).not.toBe(
      k('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1'),
    );
    expect(k('SIP/2.0/TLS h;branch=z9hG4bK-1')).not.toBe(k('SIP/2.0/UDP h;branch=z9hG4bK-1'));
    const b = msg('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1', { to: ';tag=t9' });
    const s = indexScanSpans(b, 0, b.length, newIndexSpans());
    const at = (t: string): [number, number] => {
      const i = new TextDecoder().decode(b).indexOf(t);
      return [i, i + t.length];
    };
    expect(s.branchH).toBe(keyHash(b, ...at('z9hG4bK-1')));
    expect(s.fromTagH).toBe(keyHash(b, ...at('f1')));
    expect(s.toTagH).toBe(keyHash(b, ...at('t9')));
    expect(s.cseq).toBe(7);
    expect(s.keyFlags).toBe(KF_COOKIE | KF_CSEQ);
    const old = msg('SIP/2.0/UDP 10.0.0.1:5060;branch=1234', { cseq: null, from: '' });
    const o = indexScanSpans(old, 0, old.length, newIndexSpans());
    expect([o.keyFlags, o.cseq, o.fromTagH, o.toTagH]).toEqual([0, 0, 0, 0]);
  });

  it('are trace columns, equal by the index path and the parse path, and kept across hand-overs', () => {
    const input = (n: number) => ({
      frameNo: n,
      timeUs: n,
      src: 0,
      srcPort: 5060,
      dst: 0,
      dstPort: 5060,
      transport: 'UDP' as const,
      reassembly: 'none' as const,
      rawOffset: -1,
      frames: [],
      diagnostics: null,
    });
    const a = new Trace(null, ['10.0.0.1']);
    const b = new Trace(null, ['10.0.0.1']);
    const sp = newIndexSpans();
    VIAS.forEach((v, i) => {
      const m = msg(v, { to: i % 2 ? ';tag=x' : '' });
      a.appendIndexed(m, 0, m.length, indexScanSpans(m, 0, m.length, sp), input(i + 1));
      b.append(m, 0, m.length, parseMessage(m), input(i + 1));
    });
    const cols = (t: Trace): number[][] => {
      const out: number[][] = [];
      for (let id = 0; id < t.count; id++)
        out.push([
          t.cseqNumber(id),
          t.branchHash(id),
          t.sentByHash(id),
          t.fromTagHash(id),
          t.toTagHash(id),
          t.keyFlags(id),
        ]);
      return out;
    };
    const want = cols(a);
    expect(cols(b)).toEqual(want);
    expect(new Set(want.map((r) => r[1])).size).toBeGreaterThan(1);
    const rows = a.shareRows()!;
    const c = new Trace(null, []);
    expect(c.appendRows(structuredClone(rows))).toBe(true);
    expect(cols(c)).toEqual(want);
    expect(cols(Trace.fromState(a.exportState(), null))).toEqual(want);
  });
});
