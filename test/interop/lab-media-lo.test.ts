/**
 * The lab's recording of its media against the wire: a call between lab phones, run as a trainer
 * runs it, with dumpcap on `lo` beside it; the lab's own pcapng (and its live trace) must hold every
 * RTP and RTCP datagram exactly as often as `lo` carried it — none twice (a negative loss), none
 * missing — up to the hangup, while the last packets are in flight. The shipped labs with media:
 * nat-media with the proxy's media relay (two legs per direction, the relay's ports closing at the
 * BYE), nat-media with comedia, nat (a phone behind a NAT box called directly) and trapezoid (two
 * phones through two proxies, with RFC 4733 digits). The file's addresses are moved to blocks of
 * their own. Bounded: each call lasts ~2 s, each lab and dumpcap is stopped after its test.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLab, startLab } from '../../src/main/live';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { requirePeer } from '../helpers/peers';
import { tsharkRtpDatagrams } from '../helpers/rtp-tshark';
import { captureLo, cleanupAfterEach, freePort, sleep, until, workDir } from './helpers/run-peers';

const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
const cleanup = cleanupAfterEach();
const LABS = join(import.meta.dirname, '../../resources/labs');

/** A lab file on test addresses: `[from, to]` pairs replaced everywhere, then the timing edits. */
async function labText(file: string, moves: [string, string][], edits: [string, string][]): Promise<string> {
  let text = readFileSync(join(LABS, file), 'utf8');
  for (const [from, to] of moves) {
    expect(text).toContain(from);
    const [host] = to.split(':');
    text = text.replaceAll(from, to.endsWith(':PORT') ? `${host}:${await freePort(host)}` : to);
  }
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

const NAT_MEDIA_TIMES: [string, string][] = [
  ['at: 14s, node: Alice, action: hangup', 'at: 2.4s, node: Alice, action: hangup'],
  ['at: 2s, node: Alice, action: call', 'at: 0.3s, node: Alice, action: call'],
  ['answer: { after: 1s }', 'answer: { after: 0.1s }'],
];
const natMedia = (n: number): [string, string][] => [
  ['127.0.3.10:5060', `127.0.${n}.10:PORT`],
  ['127.0.3.1,', `127.0.${n}.1,`],
  ['127.0.4.1,', `127.0.${n + 1}.1,`],
  ['127.0.0.50:5060', `127.0.${n + 2}.50:PORT`],
  ['127.0.0.60:5060', `127.0.${n + 2}.60:PORT`],
];

const CASES: { name: string; net: string; text: () => Promise<string> }[] = [
  {
    name: 'nat-media with the media relay',
    net: '127.0.112.0/22',
    text: () =>
      labText('nat-media.yaml', natMedia(112), [
        ...NAT_MEDIA_TIMES,
        [
          '# if (is_method("INVITE")) { rtpproxy_manage(); }',
          'if (is_method("INVITE")) { rtpproxy_manage(); }',
        ],
      ]),
  },
  {
    name: 'nat-media with comedia',
    net: '127.0.116.0/22',
    text: () =>
      labText('nat-media.yaml', natMedia(116), [...NAT_MEDIA_TIMES, ['comedia: false', 'comedia: true']]),
  },
  {
    name: 'nat (Bob calls Alice behind the NAT box)',
    net: '127.0.120.0/22',
    text: () =>
      labText(
        'nat.yaml',
        [
          ['127.0.1.10:5060', '127.0.120.10:PORT'],
          ['inside: 127.0.1.1,', 'inside: 127.0.120.1,'],
          ['public: 127.0.2.1,', 'public: 127.0.121.1,'],
          ['127.0.0.20:5060', '127.0.122.20:PORT'],
          ['127.0.0.40:5060', '127.0.122.40:PORT'],
        ],
        [
          ['at: 2s, node: Bob, action: call', 'at: 0.3s, node: Bob, action: call'],
          ['at: 7s, node: Bob, action: hangup', 'at: 2.4s, node: Bob, action: hangup'],
        ],
      ),
  },
  {
    name: 'trapezoid (with RFC 4733 digits)',
    net: '127.0.124.0/22',
    text: () =>
      labText(
        'trapezoid.yaml',
        ['10', '20', '30', '40'].map((h): [string, string] => [`127.0.0.${h}:5060`, `127.0.124.${h}:PORT`]),
        [
          ['at: 2s, node: Alice, action: call', 'at: 0.3s, node: Alice, action: call'],
          ['at: 4s, node: Alice, action: dtmf', 'at: 1s, node: Alice, action: dtmf'],
          ['at: 7s, node: Alice, action: hangup', 'at: 2.4s, node: Alice, action: hangup'],
        ],
      ),
  },
];

/** The RTP and RTCP datagrams of a capture (RTP version 2 in the first octet), with how often each came. */
function datagrams(file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const { flow, payload } of tsharkRtpDatagrams(tshark!, file)) {
    const k = `${flow} ${payload}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** What one capture holds more often than the other, per flow and kind (RTP, RTCP). */
function surplus(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of a) {
    const more = n - (b.get(k) ?? 0);
    if (more <= 0) continue;
    const [flow, payload] = [k.slice(0, k.lastIndexOf(' ')), k.slice(k.lastIndexOf(' ') + 1)];
    const pt = parseInt(payload.slice(2, 4), 16);
    const what = `${flow} ${pt >= 200 && pt <= 207 ? 'RTCP' : 'RTP'}`;
    out[what] = (out[what] ?? 0) + more;
  }
  return out;
}

describe.skipIf(!dumpcap || !tshark)('the lab’s media recording against a capture on lo', () => {
  it.each(CASES)(
    '$name: every RTP/RTCP datagram recorded exactly as often as lo carried it',
    async ({ net, text }) => {
      const dir = workDir('lab-media-lo');
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      const lo = join(dir, 'lo.pcapng');
      const ours = join(dir, 'lab.pcapng');
      const cap = await captureLo(dumpcap!, `udp and net ${net}`, lo, cleanup);
      const h = await startLab(parseLab(await text(), 'lab.yaml'), { pcap: ours });
      cleanup.push(() => h.stop());
      await until(
        () => h.events.some((e) => / terminated \(BYE (sent|received)\)/.test(e.text)),
        'the hangup',
        15_000,
      );
      await until(() => h.media().sessions.length === 0, 'the calls’ media closed', 5_000);
      await sleep(300);
      h.live.flushUpdates();
      const streams = new TraceAdapter(h.live.trace, []).callMedia(null)?.streams ?? [];
      await h.stop();
      await cap.stop();
      const wire = datagrams(lo);
      const lab = datagrams(ours);
      expect([...wire.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(40);
      expect({ inLabNotOnWire: surplus(lab, wire), onWireNotInLab: surplus(wire, lab) }).toEqual({
        inLabNotOnWire: {},
        onWireNotInLab: {},
      });
      expect(streams.length).toBeGreaterThanOrEqual(1);
      for (const s of streams)
        expect({ stream: `${s.src}:${s.srcPort} > ${s.dst}:${s.dstPort}`, negativeLoss: s.lost < 0 }).toEqual(
          {
            stream: `${s.src}:${s.srcPort} > ${s.dst}:${s.dstPort}`,
            negativeLoss: false,
          },
        );
    },
    40_000,
  );
});
