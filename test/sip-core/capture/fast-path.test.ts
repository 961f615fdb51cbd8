/**
 * The pipeline's inline Ethernet → IPv4 → UDP → SIP path gives what the general path gives: every
 * classic Ethernet pcap (fixtures and public captures) is read as is and again with an 802.1Q tag
 * inserted in every IPv4 frame (which sends each frame through decodeLink / #network / #udp), and
 * the two traces and counters must agree message by message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { FIXTURES, havePublic, PUBLIC_CAPTURES, zlibInflate } from './tshark-compare';

/** The file with a VLAN tag (TPID 0x8100, VID 7) after the MAC addresses of every IPv4 frame; null when not Ethernet pcap. */
function withVlanTags(file: Uint8Array): Uint8Array | null {
  if (file.length < 24) return null;
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) return null;
  if ((dv.getUint32(20, le) & 0xffff) !== 1) return null;
  const parts: Uint8Array[] = [file.subarray(0, 24)];
  let p = 24;
  while (p + 16 <= file.length) {
    const cap = dv.getUint32(p + 8, le);
    if (p + 16 + cap > file.length) break;
    const frame = file.subarray(p + 16, p + 16 + cap);
    if (cap >= 14 && frame[12] === 0x08 && frame[13] === 0x00) {
      const rec = new Uint8Array(16 + cap + 4);
      const rv = new DataView(rec.buffer);
      rec.set(file.subarray(p, p + 16));
      rv.setUint32(8, cap + 4, le);
      rv.setUint32(12, dv.getUint32(p + 12, le) + 4, le);
      rec.set(frame.subarray(0, 12), 16);
      rec.set([0x81, 0x00, 0x00, 0x07], 28);
      rec.set(frame.subarray(12), 32);
      parts.push(rec);
    } else parts.push(file.subarray(p, p + 16 + cap));
    p += 16 + cap;
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|cap)$/.test(f))
        .map((f) => `${dir}/${f}`)
    : [];

function check(path: string): boolean {
  const bytes = new Uint8Array(readFileSync(path));
  const tagged = withVlanTags(bytes);
  if (!tagged) return false;
  const name = path.split('/').pop()!;
  const a = ingestBytes(bytes, name, { inflate: zlibInflate, parse: false });
  const b = ingestBytes(tagged, name, { inflate: zlibInflate, parse: false });
  const ta = a.trace;
  const tb = b.trace;
  expect(ta.count, name).toBe(tb.count);
  for (let i = 0; i < ta.count; i++) {
    expect(ta.entry(i), `${name} #${i}`).toEqual(tb.entry(i));
    expect(ta.methodOrCseqMethod(i), `${name} #${i}`).toBe(tb.methodOrCseqMethod(i));
    expect(ta.frames(i).length, `${name} #${i}`).toBe(tb.frames(i).length);
    expect(ta.pipelineDiagnostics(i), `${name} #${i}`).toEqual(tb.pipelineDiagnostics(i));
    expect(ta.raw(i), `${name} #${i}`).toEqual(tb.raw(i));
  }
  const { bytes: _x, ...sa } = a.stats!;
  const { bytes: _y, ...sb } = b.stats!;
  expect(sa, name).toEqual(sb);
  expect([...ta.messageDiagnosticCounts], name).toEqual([...tb.messageDiagnosticCounts]);
  return true;
}

describe('inline UDP fast path = general path', () => {
  it('on every classic Ethernet pcap fixture', () => {
    const n = files(FIXTURES).filter(check).length;
    expect(n).toBeGreaterThan(3);
  });
  it.skipIf(!havePublic)('on every classic Ethernet pcap public capture', () => {
    files(PUBLIC_CAPTURES).forEach(check);
  });
});
