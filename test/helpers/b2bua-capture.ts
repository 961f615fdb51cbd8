/**
 * A small capture with B2BUA legs, for the split/join tests (CLI, service, Chromium): the B2BUA call
 * of the analysis fixture `b2bua-x-cid.sip` (leg A 198.51.100.10 → B2BUA 198.51.100.40, leg B on to
 * 198.51.100.30, the B-leg's INVITE naming leg A in X-CID), then 5 s later the unrelated call of
 * `b2bua-none.sip`: three Call-IDs, two calls (C1 of two legs, C3). Classic pcap, Ethernet/IPv4/UDP,
 * each frame at its fixture time.
 */
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseFixture, type FixtureMessage } from '../fixtures/analysis/load';
import { ipFrame, pcapOf } from './frames';

const dir = path.resolve(import.meta.dirname, '../fixtures/analysis/calls');
const read = (name: string): FixtureMessage[] =>
  parseFixture(readFileSync(path.join(dir, `${name}.sip`), 'utf8'));

export const LEG_A = 'leg-a-7f3c9d21@198.51.100.10';
export const LEG_B = 'leg-b-1@198.51.100.40';
export const UNRELATED = 'unrelated-8@198.51.100.40';

const ip = (s: string): number => s.split('.').reduce((n, x) => n * 256 + Number(x), 0) >>> 0;

export function b2buaCapture(): Uint8Array {
  const msgs = [
    ...read('b2bua-x-cid'),
    ...read('b2bua-none')
      .filter((m) => m.text.includes(UNRELATED))
      // (its own branches: the fixture's are the B-leg's, one transaction for RFC 3261 §17.2.3)
      .map((m) => ({ ...m, time: m.time + 5, text: m.text.replaceAll('z9hG4bK', 'z9hG4bKu') })),
  ];
  const frames = msgs.map((m) => {
    const [sh, sp] = m.src.split(':');
    const [dh, dp] = m.dst.split(':');
    return {
      bytes: ipFrame({ src: ip(sh!), dst: ip(dh!), sp: Number(sp), dp: Number(dp), payload: m.text }),
    };
  });
  const { bytes, after } = pcapOf(frames);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  msgs.forEach((m, i) => {
    const at = i === 0 ? 24 : after[i - 1]!;
    const us = Math.round(m.time * 1e6);
    view.writeUInt32LE(1_700_000_000 + Math.floor(us / 1e6), at);
    view.writeUInt32LE(us % 1e6, at + 4);
  });
  return bytes;
}

/** Writes the capture to `file`; returns `file`. */
export function writeB2buaCapture(file: string): string {
  writeFileSync(file, b2buaCapture());
  return file;
}
