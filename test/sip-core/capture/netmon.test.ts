/**
 * Microsoft Network Monitor 2.x captures: every record the frame table lists, in any 2.x version
 * (trailers of 0, 2, 6 and 15 bytes), with gaps between records, in chunks of any size; a truncated
 * file and a corrupt table say where. The public PROTOS capture matches tshark.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TraceIngest, ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { ipFrame, netmonOf, testIp } from '../../helpers/frames';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { havePublic, PUBLIC_CAPTURES } from './tshark-compare';

/** Message `id`'s bytes as text, read back from the capture. */
const text = (t: Trace, id: number): string => {
  const m = t.message(id);
  return Buffer.from(m.raw.subarray(m.start, m.end)).toString('latin1');
};

const sip = (n: number): string =>
  `OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.0.1;branch=z9hG4bK${n}\r\nCall-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nContent-Length: 0\r\n\r\n`;
const frames = [1, 2, 3].map((n) =>
  ipFrame({ src: testIp(1), dst: testIp(2), sp: 5060, dp: 5060, payload: sip(n) }),
);

describe('NetMon 2.x reader', () => {
  it.each([0, 1, 2, 3])('version 2.%i: every frame, its time and its bytes', (minor) => {
    const { bytes, offsets } = netmonOf(frames, { minor, gap: minor === 2 ? 7 : 0 });
    const r = ingestBytes(bytes, 'x.cap');
    expect(r.trace.source.format).toBe('netmon');
    expect(r.diagnostics).toEqual([]);
    const j = toTraceJson(r.trace);
    expect(j.messages.map((m) => m.callId)).toEqual(['c1', 'c2', 'c3']);
    expect(j.messages.map((m) => m.frame)).toEqual([1, 2, 3]);
    const t0 = Date.UTC(2026, 10, 24, 0, 0, 0, 250) / 1000;
    expect(j.messages.map((m) => Math.round((m.time - t0) * 1e6))).toEqual([0, 1000, 2000]);
    // The message's bytes are read back from the file where the record put them.
    expect(offsets).toHaveLength(3);
    expect(text(r.trace, 1)).toBe(sip(2));
  });

  it('reads the same whatever the chunk size', () => {
    const { bytes } = netmonOf(frames, { minor: 3, gap: 5 });
    const all = (t: Trace): string[] => [0, 1, 2].map((i) => text(t, i));
    const whole = all(ingestBytes(bytes, 'x.cap').trace);
    expect(whole).toEqual([sip(1), sip(2), sip(3)]);
    for (const chunk of [1, 7, 64, 500]) {
      const ing = new TraceIngest({
        name: 'x.cap',
        size: bytes.length,
        readAt: (o, n) => bytes.subarray(o, o + n),
      });
      for (let o = 0; o < bytes.length; o += chunk)
        ing.push(bytes.subarray(o, Math.min(o + chunk, bytes.length)), o + chunk >= bytes.length);
      const r = ing.finish();
      expect(r.diagnostics, `chunk ${chunk}`).toEqual([]);
      expect(r.trace.count).toBe(3);
      expect(all(r.trace)).toEqual(whole);
    }
  });

  it('a file cut inside a frame keeps the frames before it and names the byte', () => {
    const { bytes, offsets } = netmonOf(frames);
    // Cut the records, keep the header (its table offset now points past the end).
    const cut = bytes.subarray(0, offsets[2]! + 20);
    const r = ingestBytes(cut, 'x.cap');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['capture-truncated']);
    expect(r.diagnostics[0]!.message).toMatch(/NetMon frame table .* past the end of the file/);
    // With the table kept and a record cut: the records before it are read.
    const { bytes: b2, offsets: o2 } = netmonOf(frames);
    const table = b2.subarray(b2.length - 12);
    const broken = new Uint8Array(b2.length);
    broken.set(b2);
    // Frame 3 claims more bytes than there are before the table.
    new DataView(broken.buffer).setUint32(o2[2]! + 12, frames[2]!.length + 40, true);
    const r2 = ingestBytes(broken, 'x.cap');
    expect(toTraceJson(r2.trace).messages.map((m) => m.callId)).toEqual(['c1', 'c2']);
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['capture-truncated']);
    expect(r2.diagnostics[0]!.offset).toBe(o2[2]);
    expect(table.length).toBe(12);
  });

  it('a frame table entry that points back is reported with its offset', () => {
    const { bytes, offsets } = netmonOf(frames);
    const b = new Uint8Array(bytes);
    const dv = new DataView(b.buffer);
    const tableAt = dv.getUint32(24, true);
    dv.setUint32(tableAt + 8, offsets[0]!, true); // the third entry repeats the first
    const r = ingestBytes(b, 'x.cap');
    expect(toTraceJson(r.trace).messages.map((m) => m.callId)).toEqual(['c1', 'c2']);
    expect(r.diagnostics).toMatchObject([
      { code: 'capture-record-corrupt', message: /table entry 3 points at byte 128/ },
    ]);
  });

  it.skipIf(!havePublic)('the PROTOS capture (NetMon 2.0): the frames and SIP messages tshark finds', () => {
    const r = ingestBytes(
      readFileSync(`${PUBLIC_CAPTURES}/protos__c07-sip-r2.cap`),
      'protos__c07-sip-r2.cap',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.trace.source.frames).toBe(39); // capinfos: 39 packets
    const j = toTraceJson(r.trace);
    expect(j.messages).toHaveLength(12); // tshark -Y sip: 12
    expect(j.messages[0]!.time).toBe(1121614765.123); // tshark, TZ=UTC: frame 3 at 15:39:25.123
    expect(j.messages[0]!.frame).toBe(3);
  });
});
