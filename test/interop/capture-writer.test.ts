/**
 * Writers: messages exported as pcap and pcapng with their original frames; tshark reads the exported
 * file back with the same SIP content (everything but frame numbers, which are renumbered), and so do we.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import { writePcap, writePcapng } from '../../src/sip-core/capture/writer/capture-writer';
import {
  FIXTURES,
  havePublic,
  ingestFile,
  ourMessages,
  PUBLIC_CAPTURES,
  tsharkMessages,
  type ComparableMessage,
} from '../sip-core/capture/tshark-compare';

const tshark = requirePeer('tshark');
const tmp = mkdtempSync(join(tmpdir(), 'sipscope-writer-'));
const noFrame = (m: ComparableMessage): Omit<ComparableMessage, 'frame'> => {
  const { frame: _f, ...rest } = m;
  return rest;
};

function exportAll(
  file: string,
  kind: 'pcap' | 'pcapng',
  select?: (callId: string | null) => boolean,
): string {
  const r = ingestFile(file);
  const ids: number[] = [];
  for (let i = 0; i < r.trace.count; i++) if (!select || select(r.trace.callId(i))) ids.push(i);
  const chunks: Uint8Array[] = [];
  const res = (kind === 'pcap' ? writePcap : writePcapng)(r.trace, ids, (c) => chunks.push(c));
  expect(res.skippedMessages).toBe(0);
  const out = join(tmp, `${file.split('/').pop()}.${kind}`);
  writeFileSync(out, Buffer.concat(chunks));
  return out;
}

const CASES: [string, string, string[]][] = [
  ['public', `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`, ['-d', 'tcp.port==6060,sip']],
  ['public', `${PUBLIC_CAPTURES}/sngrep__ipv6frag.pcap`, []],
  ['public', `${PUBLIC_CAPTURES}/heplify__sip_tcp_websocket.pcap`, []],
  ['public', `${PUBLIC_CAPTURES}/ws__aaa.pcap`, []],
  ['fixture', `${FIXTURES}/multi-section.pcapng`, []],
  ['fixture', `${FIXTURES}/ipv4-fragments.pcap`, []],
];

describe.skipIf(!tshark)('pcap / pcapng writers read back by tshark', () => {
  for (const [where, file, args] of CASES) {
    for (const kind of ['pcap', 'pcapng'] as const) {
      it.skipIf(where === 'public' && !havePublic)(`${file.split('/').pop()} → ${kind}`, () => {
        const orig = tsharkMessages(tshark!, file, args).map(noFrame);
        const out = exportAll(file, kind);
        const back = tsharkMessages(tshark!, out, args).map(noFrame);
        if (kind === 'pcap' && file.endsWith('multi-section.pcapng')) {
          // Two link types (Ethernet, raw IP): classic pcap holds one, so the raw-IP frame is left out.
          expect(back).toEqual(orig.filter((_, i) => i !== 1));
        } else expect(back).toEqual(orig);
        if (!(kind === 'pcap' && file.endsWith('multi-section.pcapng'))) {
          expect(ourMessages(ingestFile(out)).map(noFrame)).toEqual(
            ourMessages(ingestFile(file)).map(noFrame),
          );
        }
      });
    }
  }

  it.skipIf(!havePublic)('a selection: one call, every frame of its TCP-reassembled messages', () => {
    const file = `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`;
    const call = '17c0b3b3-dfd2-42ac-9018-6156179021c0';
    const out = exportAll(file, 'pcapng', (c) => c === call);
    const want = tsharkMessages(tshark!, file, ['-d', 'tcp.port==6060,sip'])
      .filter((m) => m.callId === call)
      .map(noFrame);
    expect(want.length).toBeGreaterThan(1);
    expect(tsharkMessages(tshark!, out, ['-d', 'tcp.port==6060,sip']).map(noFrame)).toEqual(want);
  });
});
