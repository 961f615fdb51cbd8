/**
 * The NAT media lab (resources/labs/nat-media.yaml: Alice behind a port-restricted NAT box, the proxy
 * with nathelper) with a real peer outside the NAT: SIPp's uac_pcap calls Alice through the lab
 * proxy (test/interop/sipp/uac-pcap-routes.xml: its ACK and BYE along the Record-Route) and plays
 * its G.711 audio to the SDP's address.
 * - As shipped (no media relay): the SDP's address is Alice's private one, the NAT box drops SIPp's
 *   audio, Alice gets nothing (one-way audio; her tone still reaches SIPp).
 * - With the script's rtpproxy_manage() line: the proxy's relay (src/sip-core/elements/media-relay.ts
 *   on lab-relay.ts's sockets) puts its ports in both SDPs; SIPp plays to the relay, the relay
 *   latches on SIPp's media port and on Alice's NAT mapping (her tone's first packet), and SIPp's
 *   audio reaches Alice through the NAT; the live trace has both legs of both directions.
 * Bounded: SIPp has -timeout 40 and a 60 s limit; each lab is stopped after its test.
 */
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLab, startLab, type LabHandle } from '../../src/main/live';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { requirePeer } from '../helpers/peers';
import {
  cleanupAfterEach,
  explainOnFailure,
  labTraceText,
  runSipp,
  until,
  workDir,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
/** SIPp's sample audio (Debian's sip-tester package). */
const AUDIO = '/usr/share/sip-tester';
/** uac_pcap with the ACK and BYE along the proxy's Record-Route (5 s of audio). */
const SCENARIO = join(import.meta.dirname, 'sipp/uac-pcap-routes.xml');
const cleanup = cleanupAfterEach();

const LAB = readFileSync(join(import.meta.dirname, '../../resources/labs/nat-media.yaml'), 'utf8');
const RELAY_LINE = '# if (is_method("INVITE")) { rtpproxy_manage(); }';

/** The shipped lab without Bob, on addresses of block `n` (SIPp at 127.0.n.1, the proxy at .50). */
function labText(n: number, relay: boolean): string {
  let text = LAB.replaceAll('127.0.3.10:5060', `127.0.${n + 1}.10:5060`)
    .replaceAll('127.0.3.1,', `127.0.${n + 1}.1,`)
    .replaceAll('127.0.4.1,', `127.0.${n + 2}.1,`)
    .replaceAll('127.0.0.50:5060', `127.0.${n}.50:5060`)
    .replace(/ {2}- name: Bob\n[\s\S]*$/, 'steps:\n  - { at: 0, node: Alice, action: register }\n');
  // Alice plays her tone (her first packet is what the relay latches on)
  expect(text).toContain('    media: tone');
  if (relay) text = text.replace(RELAY_LINE, RELAY_LINE.slice(2));
  return text;
}

/** `src:port > dst:port` of the live trace's RTP streams, with their packet counts. */
function flows(h: LabHandle): Map<string, number> {
  h.live.flushUpdates();
  const m = new TraceAdapter(h.live.trace, []).callMedia(null);
  return new Map((m?.streams ?? []).map((s) => [`${s.src}:${s.srcPort} > ${s.dst}:${s.dstPort}`, s.packets]));
}

describe.skipIf(!sipp)('the NAT media lab’s relay against SIPp’s uac_pcap outside the NAT', () => {
  for (const [relay, n] of [
    [false, 64],
    [true, 68],
  ] as const)
    it(
      relay
        ? 'with rtpproxy_manage(): SIPp’s audio reaches Alice through the relay'
        : 'without the relay: one-way audio',
      async () => {
        const dir = workDir(`lab-relay-sipp-${relay}`);
        symlinkSync(AUDIO, join(dir, 'pcap'));
        const h = await startLab(parseLab(labText(n, relay), 'nat-media.yaml'));
        cleanup.push(() => h.stop());
        await until(
          () => h.locations().some((b) => b.aor.startsWith('sip:alice@')),
          'Alice registered',
          5000,
        );
        const sippMedia = `127.0.${n}.1:26${n}0`;
        // what Alice's session received, sampled while the call runs (it closes at the BYE)
        let aliceGot = 0;
        const sample = setInterval(() => {
          const a = h.media().sessions.find((x) => x.node === 'Alice');
          if (a) aliceGot = Math.max(aliceGot, a.received);
        }, 50);
        cleanup.push(async () => clearInterval(sample));
        const r = await runSipp(
          sipp!,
          [
            '-sf',
            SCENARIO,
            `127.0.${n}.50:5060`,
            '-s',
            'alice',
            '-i',
            `127.0.${n}.1`,
            '-p',
            '5060',
            '-mp',
            `26${n}0`,
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
            await until(() => h.media().sessions.length === 0, 'the sessions closed at the BYE', 5000);
            clearInterval(sample);
            const f = [...flows(h)];
            const texts = h.events.map((e) => e.text);
            const pub = `127.0.${n + 2}.1`;
            if (!relay) {
              // SIPp played to Alice's private address: dropped by the NAT box (said once), never received
              expect(aliceGot).toBe(0);
              expect(
                texts.filter((t) => /-> 127\.0\.\d+\.10:49170 dropped: behind NAT Home NAT/.test(t)),
              ).toHaveLength(1);
              expect(texts.some((t) => /^media relay:/.test(t))).toBe(false);
              // her tone reached SIPp from the NAT's public mapping
              expect(
                f.some(([k, p]) => k.startsWith(`${pub}:`) && k.endsWith(` > ${sippMedia}`) && p > 100),
              ).toBe(true);
              return;
            }
            expect(aliceGot).toBeGreaterThan(150);
            const relayHost = `127.0.${n}.50`;
            expect(texts).toContain(`media relay: caller latched at ${sippMedia}`);
            const mapping = texts
              .map((t) => /^media relay: callee latched at (\S+)$/.exec(t)?.[1])
              .find((x) => x !== undefined);
            expect(mapping).toMatch(new RegExp(`^127\\.0\\.${n + 2}\\.1:\\d+$`));
            // packets from `from` to `to` (`host:` alone: any port of the host)
            const at = (a: string, want: string): boolean =>
              want.endsWith(':') ? a.startsWith(want) : a === want;
            const packets = (from: string, to: string): number =>
              f
                .filter(([k]) => at(k.split(' > ')[0]!, from) && at(k.split(' > ')[1]!, to))
                .reduce((x, [, p]) => x + p, 0);
            // SIPp -> relay -> Alice's NAT mapping, and Alice's tone: mapping -> relay -> SIPp
            expect(packets(sippMedia, `${relayHost}:`)).toBeGreaterThan(150);
            expect(packets(`${relayHost}:`, mapping!)).toBeGreaterThan(150);
            expect(packets(mapping!, `${relayHost}:`)).toBeGreaterThan(100);
            expect(packets(`${relayHost}:`, sippMedia)).toBeGreaterThan(100);
            expect(texts.some((t) => /^media relay: call \S+ closed \(BYE\)/.test(t))).toBe(true);
            expect(h.media().relays).toBeUndefined();
          },
          () => ({
            sipp: r.output,
            'sipp messages': r.messages,
            lab: labTraceText(h),
            events: h.events.map((e) => `${e.node} ${e.kind} ${e.text}`).join('\n'),
          }),
        );
      },
      90_000,
    );
});
