/**
 * The whole-message text filter (`sip contains "…"`) against tshark's display filter of the same
 * name: the same frames on the samples and on every public capture, but where tshark sees no SIP
 * (HEP, which tshark 4.0 cannot decode; a NetMon 2.x file we refuse by name); SIP on TCP 6060 with
 * tshark's decode-as.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, filterMessages } from '../../src/sip-core/analysis';
import { requirePeer } from '../helpers/peers';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';

const tshark = requirePeer('tshark');
const REPO = resolve(import.meta.dirname, '../..');
const NEEDLES = ['SIP/2.0', 'INVITE', 'tag=', 'audio', 'Contact: <sip:', 'a=rtpmap:8 PCMA'];
/** Captures where tshark's SIP differs from ours for reasons the capture comparison explains. */
const NOT_COMPARABLE = new Set(['hepws__hep.pcap', 'hepws__hep3_compressed.pcapng']);
/** HTTP on port 5060: no SIP for either. */
const NO_SIP = new Set(['ndpi__http_on_sip_port.pcapng']);
const TSHARK_ARGS: Record<string, string[]> = {
  'heplify__sip_ipv4_tcp_fragmented.pcap': ['-d', 'tcp.port==6060,sip'],
};

function files(): string[] {
  const samples = ['sample-call.pcap', 'sample-problems.pcap'].map((f) => join(REPO, 'resources/samples', f));
  if (!havePublic) return samples;
  const pub = readdirSync(PUBLIC_CAPTURES)
    .filter((f) => /\.(pcap|pcapng|cap)$/.test(f) && !NOT_COMPARABLE.has(f))
    .map((f) => join(PUBLIC_CAPTURES, f));
  return [...samples, ...pub];
}

describe.skipIf(!tshark)('sip contains: the frames tshark -Y finds', () => {
  if (!havePublic) console.warn('public captures absent (../shared/captures/public): samples only');
  it.each(files().map((f) => [f.split('/').pop()!, f]))('%s', (name, file) => {
    const a = analyzeTrace(ingestFile(file).trace);
    let matched = 0;
    for (const needle of NEEDLES) {
      const r = filterMessages(a, `sip contains "${needle}"`);
      if (!r.ok) throw new Error(r.error.message);
      const ours = [...new Set(r.ids.map((id) => a.trace.frame(id)))];
      const theirs = execFileSync(
        tshark!,
        [
          '-r',
          file,
          ...(TSHARK_ARGS[name] ?? []),
          '-Y',
          `sip contains "${needle}"`,
          '-T',
          'fields',
          '-e',
          'frame.number',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      )
        .split('\n')
        .filter(Boolean)
        .map(Number);
      expect(ours, `${name}: sip contains "${needle}"`).toEqual(theirs);
      matched += ours.length;
    }
    // Every capture but the HTTP one has SIP the needles find (the comparison is not of empty lists).
    if (NO_SIP.has(name)) expect(matched).toBe(0);
    else expect(matched).toBeGreaterThan(0);
  });
});
