/**
 * A lab phone's answer says what it sends (RFC 3264 §6.1), against SIPp on loopback:
 * - SIPp's uac_pcap offers `8 101` (PCMA and telephone-event): the lab phone (tone mode) answers
 *   `8 101` with the offer's payload types, and every RTP packet it sends is PCMA (tshark reads the
 *   streams from a dumpcap of `lo`), the tone's A-law bytes;
 * - an offer of G.729 alone (a SIPp scenario of our own) gets 488 Not Acceptable Here with a
 *   Warning 305 (RFC 3261 §13.3.1.3), and no RTP socket stays open.
 * Bounded: every peer has a time limit; each lab and dumpcap is stopped after its test.
 */
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLab, startLab } from '../../src/main/live';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';
import {
  cleanupAfterEach,
  explainOnFailure,
  labTraceText,
  runSipp,
  sleep,
  until,
  workDir,
  captureLo,
  type LoCapture,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
/** SIPp's sample audio (Debian's sip-tester package). */
const AUDIO = '/usr/share/sip-tester';
const cleanup = cleanupAfterEach();

/** dumpcap on `lo` for one host, into `file`. */
const capture = (host: string, file: string): Promise<LoCapture> =>
  captureLo(dumpcap!, `host ${host}`, file, cleanup);

/** The SDP body of the first received response with `status` in SIPp's -trace_msg log. */
function receivedSdp(messages: string, status: number): string {
  const at = messages.indexOf(`SIP/2.0 ${status} `);
  if (at < 0) return '';
  const end = messages.indexOf('-----', at);
  return messages.slice(at, end < 0 ? undefined : end);
}

/** A UAC that offers G.729 alone and expects 488 (then ACKs it, RFC 3261 §17.1.1.3). */
const G729_ONLY = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="g729 only">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 18
      a=rtpmap:18 G729/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="488" rrs="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

describe.skipIf(!sipp || !dumpcap || !tshark || !existsSync(join(AUDIO, 'g711a.pcap')))(
  'a lab phone answers with the offered codec and sends it (SIPp, dumpcap, tshark on lo)',
  () => {
    it('a PCMA-first offer gets a PCMA answer (with telephone-event at the offer’s type) and PCMA packets', async () => {
      const dir = workDir('lab-codec-pcma');
      symlinkSync(AUDIO, join(dir, 'pcap'));
      const file = join(dir, 'lo.pcapng');
      const cap = await capture('127.0.36.2', file);
      const h = await startLab(
        parseLab(
          [
            'name: codec-pcma',
            'description: a phone that answers with a tone',
            'nodes:',
            '  - { name: Bob, role: ua, address: "127.0.36.2:5060", aor: "sip:bob@127.0.36.2", media: tone, toneHz: 500 }',
          ].join('\n'),
        ),
        { steps: false },
      );
      cleanup.push(() => h.stop());
      const r = await runSipp(
        sipp!,
        [
          '-sn',
          'uac_pcap',
          '127.0.36.2:5060',
          '-s',
          'bob',
          '-i',
          '127.0.36.1',
          '-p',
          '5060',
          '-mp',
          '26400',
          '-m',
          '1',
          '-timeout',
          '40',
          '-timeout_error',
        ],
        dir,
        'uac',
        60_000,
      );
      await explainOnFailure(
        async () => {
          expect(r.code).toBe(0);
          const ok = receivedSdp(r.messages, 200);
          // SIPp offered `m=audio 26400 RTP/AVP 8 101`: the answer is the same list, same types
          expect(ok).toMatch(/^m=audio 49170 RTP\/AVP 8 101\r?$/m);
          expect(ok).toMatch(/^a=rtpmap:8 PCMA\/8000\r?$/m);
          expect(ok).toMatch(/^a=rtpmap:101 telephone-event\/8000\r?$/m);
          expect(ok).not.toMatch(/PCMU/);
          await until(() => h.media().sessions.length === 0, 'the session closed at the BYE', 5000);
          await sleep(300);
          await cap.stop();
          const fromBob = tsharkStreams(tshark!, file).filter(
            (s) => s.src === '127.0.36.2' && s.srcPort === 49170,
          );
          expect(fromBob).toHaveLength(1);
          expect(fromBob[0]!.payloads).toEqual(['g711A']);
          expect(fromBob[0]!.packets).toBeGreaterThan(50);
        },
        () => ({ sipp: r.output, 'sipp messages': r.messages, lab: labTraceText(h) }),
      );
    }, 90_000);

    it('an offer of G.729 alone gets 488 with Warning 305, and no RTP socket stays open', async () => {
      const dir = workDir('lab-codec-488');
      writeFileSync(join(dir, 'g729.xml'), G729_ONLY);
      const h = await startLab(
        parseLab(
          [
            'name: codec-488',
            'description: a phone offered a codec it does not have',
            'nodes:',
            '  - { name: Bob, role: ua, address: "127.0.36.4:5060", aor: "sip:bob@127.0.36.4" }',
          ].join('\n'),
        ),
        { steps: false },
      );
      cleanup.push(() => h.stop());
      const r = await runSipp(
        sipp!,
        [
          '-sf',
          join(dir, 'g729.xml'),
          '127.0.36.4:5060',
          '-s',
          'bob',
          '-i',
          '127.0.36.3',
          '-p',
          '5060',
          '-m',
          '1',
          '-timeout',
          '20',
          '-timeout_error',
        ],
        dir,
        'uac',
        30_000,
      );
      await explainOnFailure(
        async () => {
          expect(r.code).toBe(0);
          expect(r.messages).toMatch(/^Warning: 305 127\.0\.36\.4(:5060)? "Incompatible media format"\r?$/m);
          expect(receivedSdp(r.messages, 180)).toBe('');
          await until(() => h.media().sessions.length === 0, 'no media session', 3000);
        },
        () => ({ sipp: r.output, 'sipp messages': r.messages, lab: labTraceText(h) }),
      );
    }, 60_000);
  },
);
