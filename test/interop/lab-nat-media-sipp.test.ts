/**
 * A lab phone behind a lab NAT box calls SIPp's uas with -rtp_echo, which sends every RTP packet
 * back to where it came from (comedia, as a media relay or an SBC latching does): the phone's tone
 * leaves from the box's public mapping and its echo comes back through the box, for each NAT type
 * the lessons use — port-restricted and symmetric (the echo goes to the very address the phone's
 * RTP came from, so even a symmetric NAT lets it in). Compare test/main/live/lab-nat-media.test.ts:
 * a peer that sends to the SDP's private address gets nothing through.
 * Bounded: every peer has a time limit; each lab is stopped after its test.
 */
import { describe, expect, it } from 'vitest';
import { parseLab, startLab } from '../../src/main/live';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  labTraceText,
  startSippUas,
  until,
  workDir,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const cleanup = cleanupAfterEach();

describe.skipIf(!sipp)('lab media through a NAT box, against SIPp’s comedia echo', () => {
  for (const [type, n] of [
    ['port-restricted', 1],
    ['symmetric', 2],
  ] as const)
    it(`${type} NAT: the tone leaves from the public mapping and SIPp’s echo comes back through it`, async () => {
      const dir = workDir(`lab-nat-media-${type}`);
      const sippHost = `127.0.43.${n}`;
      const uas = startSippUas(
        sipp!,
        ['-sn', 'uas', '-i', sippHost, '-p', '5060', '-mp', '26500', '-rtp_echo', '-m', '1'],
        dir,
        'uas',
      );
      cleanup.push(() => uas.stop());
      const h = await startLab(
        parseLab(
          [
            `name: nat-media-${type}`,
            'description: a phone behind a NAT calls an echo',
            'nodes:',
            `  - { name: NAT, role: nat, type: ${type}, public: 127.0.44.${n}, inside: 127.0.45.1, timeout: 60s }`,
            `  - { name: Alice, role: ua, address: "127.0.45.${n + 1}:5060", behind: NAT, aor: "sip:alice@127.0.45.${n + 1}", media: tone }`,
            'steps:',
            `  - { at: 0.5s, node: Alice, action: call, to: "sip:service@${sippHost}:5060" }`,
            '  - { at: 3s, node: Alice, action: hangup }',
          ].join('\n'),
        ),
      );
      cleanup.push(() => h.stop());
      await explainOnFailure(
        async () => {
          await until(
            () => h.media().sessions.some((s) => s.node === 'Alice' && s.received >= 20),
            'the echo back at Alice through the NAT',
            10_000,
          );
          const texts = h.events.map((e) => e.text);
          expect(texts.some((t) => /^binding 127\.0\.45\.\d:49170 -> 127\.0\.44\.\d:\d+/.test(t))).toBe(true);
          expect(texts.some((t) => /dropped/.test(t))).toBe(false);
        },
        () => ({
          sipp: uas.output(),
          'sipp messages': uas.messages(),
          lab: labTraceText(h),
          events: h.events.map((e) => `${e.node} ${e.kind} ${e.text}`).join('\n'),
        }),
      );
    }, 40_000);
});
