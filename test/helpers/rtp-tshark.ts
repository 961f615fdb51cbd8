/**
 * Test helper: the RTP streams `tshark -n -q -z rtp,streams` lists, and their comparison with ours
 * (test/interop/rtp-tshark.test.ts, test/interop/sipp-rtp.test.ts); a capture's RTP and RTCP
 * datagrams one by one (test/interop/lab-media-lo.test.ts, test/interop/relay-rtpengine.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { MediaStreamJson } from '../../src/sip-core/media/media-json';

export interface TsharkStream {
  start: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: string;
  payloads: string[];
  packets: number;
  lost: number;
  delta: [number, number, number];
  jitter: [number, number, number];
}

const ROW =
  /^\s*([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-F]+)\s+(.*?)\s+(\d+)\s+(-?\d+) \([-\d.]+%\)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*X?\s*$/;

export function tsharkStreams(tshark: string, file: string): TsharkStream[] {
  const out = execFileSync(tshark, ['-n', '-r', file, '-q', '-z', 'rtp,streams'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rows: TsharkStream[] = [];
  for (const line of out.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const n = (i: number): number => Number(m[i]);
    rows.push({
      start: n(1),
      src: m[3]!,
      srcPort: n(4),
      dst: m[5]!,
      dstPort: n(6),
      ssrc: m[7]!,
      payloads: m[8]!.split(', '),
      packets: n(9),
      lost: n(10),
      delta: [n(11), n(12), n(13)],
      jitter: [n(14), n(15), n(16)],
    });
  }
  return rows;
}

/** tshark's payload name → the payload type number, or `dyn` for a name of a dynamic type. */
function payloadKey(name: string): string {
  const fixed: Record<string, number> = { g711U: 0, g711A: 8, CN: 13, g729: 18, g722: 9, GSM: 3 };
  if (name in fixed) return String(fixed[name]);
  const m = /^RTPType-(\d+)$/.exec(name);
  return m ? m[1]! : 'dyn';
}

/** Ours: a dynamic type the SDP named is `dyn` (tshark prints the name), an unnamed one its number. */
function ourKey(pt: number, codec: string): string {
  return pt >= 96 && pt <= 127 && !codec.startsWith('PT ') ? 'dyn' : String(pt);
}

export const TOL = 0.0011;

/**
 * Compares every stream tshark lists in `file` with ours (see test/interop/rtp-tshark.test.ts for the
 * tolerance); `partial`: `name SSRC` of streams whose packets tshark counts differently (only start,
 * min/max delta and jitter compared); `notJoined`: streams tshark joins through an SDP we do not read.
 * Returns the number of tshark's streams.
 */
export function compareWithTshark(
  tshark: string,
  name: string,
  file: string,
  ours: MediaStreamJson[],
  firstTime: number,
  partial: ReadonlySet<string> = new Set(),
  notJoined: ReadonlySet<string> = new Set(),
): number {
  const theirs = tsharkStreams(tshark, file);
  for (const t of theirs) {
    const s = ours.find(
      (o) =>
        o.ssrc === t.ssrc &&
        o.src === t.src &&
        o.srcPort === t.srcPort &&
        o.dst === t.dst &&
        o.dstPort === t.dstPort,
    );
    const what = `${name} ${t.ssrc} ${t.src}:${t.srcPort} → ${t.dst}:${t.dstPort}`;
    expect(s, what).toBeDefined();
    if (!s) continue;
    if (!notJoined.has(`${name} ${t.ssrc}`)) expect(s.call, `${what}: joined to a call`).not.toBeNull();
    expect(Math.abs(s.start - firstTime - t.start), `${what} start`).toBeLessThan(2e-6);
    const close = (a: number, b: number, label: string): void => {
      expect(Math.abs(a - b), `${what} ${label}: ours ${a}, tshark ${b}`).toBeLessThanOrEqual(TOL);
    };
    close(s.delta.min, t.delta[0], 'min delta');
    close(s.delta.max, t.delta[2], 'max delta');
    close(s.jitter.min, t.jitter[0], 'min jitter');
    close(s.jitter.max, t.jitter[2], 'max jitter');
    if (partial.has(`${name} ${t.ssrc}`)) continue;
    expect(
      [...new Set(s.payloadTypes.map((pt, i) => ourKey(pt, s.codecs[i]!)))].sort(),
      `${what} payloads`,
    ).toEqual([...new Set(t.payloads.map(payloadKey))].sort());
    expect(s.packets, `${what} packets`).toBe(t.packets);
    expect(s.lost, `${what} lost`).toBe(t.lost);
    close(s.delta.mean, t.delta[1], 'mean delta');
    close(s.jitter.mean, t.jitter[1], 'mean jitter');
  }
  // Every stream joined to a call is one tshark lists (tshark lists only SDP-announced streams).
  const listed = ours.filter((o) => o.call !== null);
  for (const o of listed)
    expect(
      theirs.some((t) => t.ssrc === o.ssrc && t.dst === o.dst && t.dstPort === o.dstPort),
      `${name}: our ${o.ssrc} ${o.src}:${o.srcPort} → ${o.dst}:${o.dstPort} is tshark's too`,
    ).toBe(true);
  return theirs.length;
}

/** What tshark decodes of one RFC 4733 event (all the packets of one SSRC and RTP timestamp). */
export interface TsharkEvent {
  code: number;
  /** The largest duration reported (timestamp units). */
  duration: number;
  end: boolean;
  packets: number;
  endPackets: number;
  /** The marker bit of each packet, in order. */
  markers: boolean[];
  volumes: Set<number>;
}

/**
 * tshark's RFC 4733 packets of a capture (`rtpevent.*`, RTP found by heuristics too): per SSRC and
 * timestamp (`ssrc|ts`, in the order tshark meets them), the events it decodes. `extra`: more
 * tshark options (another telephone-event payload type).
 */
export function tsharkEvents(tshark: string, file: string, extra: string[] = []): Map<string, TsharkEvent> {
  const fields = ['rtp.ssrc', 'rtp.timestamp', 'rtp.marker', 'rtpevent.event_id', 'rtpevent.end_of_event'];
  const out = execFileSync(
    tshark,
    [
      ...['-n', '-r', file, '-o', 'rtp.heuristic_rtp:TRUE', ...extra, '-Y', 'rtpevent', '-T', 'fields'],
      ...[
        '-E',
        'separator=;',
        ...[...fields, 'rtpevent.volume', 'rtpevent.duration'].flatMap((f) => ['-e', f]),
      ],
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const yes = (v: string | undefined): boolean => v === '1' || v === 'True';
  const m = new Map<string, TsharkEvent>();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const [ssrc, ts, marker, id, end, volume, dur] = line.split(';');
    const k = `${Number(ssrc)}|${ts}`;
    const e = m.get(k) ?? {
      code: Number(id),
      duration: 0,
      end: false,
      packets: 0,
      endPackets: 0,
      markers: [],
      volumes: new Set<number>(),
    };
    e.duration = Math.max(e.duration, Number(dur));
    e.end ||= yes(end);
    if (yes(end)) e.endPackets++;
    e.packets++;
    e.markers.push(yes(marker));
    e.volumes.add(Number(volume));
    m.set(k, e);
  }
  return m;
}

/** An RTP or RTCP datagram of a capture: its flow (`src:port > dst:port`) and its UDP payload in hex. */
export interface RtpDatagram {
  flow: string;
  payload: string;
}

/** The UDP datagrams of a capture that carry RTP or RTCP (version 2 in the first octet, 12 octets at least), in order. */
export function tsharkRtpDatagrams(tshark: string, file: string): RtpDatagram[] {
  const out = execFileSync(
    tshark,
    [
      ...['-r', file, '-Y', 'udp', '-T', 'fields'],
      ...['ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'udp.payload'].flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 },
  );
  const all: RtpDatagram[] = [];
  for (const line of out.split('\n')) {
    const [src, sp, dst, dp, payload = ''] = line.split('\t');
    if (payload.length < 24 || parseInt(payload.slice(0, 2), 16) >> 6 !== 2) continue;
    all.push({ flow: `${src}:${sp} > ${dst}:${dp}`, payload });
  }
  return all;
}
