/**
 * "Hear the call": which streams make a stream's or a call's audio, and the WAV they give.
 *
 * One stream → a mono WAV. A call → a stereo WAV, left the caller → callee direction, right the
 * callee → caller one (every stream of a direction mixed into its channel, e.g. before and after a
 * re-INVITE moved the media), aligned on capture time, as Wireshark's RTP player lays them out.
 * The payload types are read with the rtpmap of the SDP that announced the stream's matched end (its
 * receiver's, RFC 3264 §5.1; call-media.ts joins it), channels included (`L16/16000/2`).
 * @remarks The packets come from {@link StreamScan} (a capture read again) or a simulated run's own
 * RTP; this module only plans and renders.
 */
import type { Trace } from '../trace/trace';
import type { MediaAnalysis, MediaStream } from './call-media';
import {
  decodeStream,
  mixChannels,
  wavFile,
  type AudioLoss,
  type AudioTiming,
  type DecodedAudio,
  type RtpmapEntry,
  type RtpPacketList,
} from './rtp-audio';
import type { StreamWanted } from './stream-scan';
import type { StreamPlayed } from '../../shared/media-stream';
import {
  parseSdesCrypto,
  SrtpRekeyedSessions,
  srtpCountsNote,
  type SdesCrypto,
  type SrtpRtpReader,
} from './srtp';

/**
 * How a planned stream is decrypted: an SRTP key (from its sender's SDP, or given by the user for a
 * stream whose SDP the capture missed) or why it cannot be; null for plain RTP.
 */
export type PlanSrtp =
  | {
      crypto: SdesCrypto;
      keys: 'sdp' | 'given' | 'dtls';
      keyFrame: number | null;
      /** The sender's later keys (re-INVITEs) and their SDP's frames, tried in order when the current one fails. */
      later?: { crypto: SdesCrypto; keyFrame: number | null }[];
    }
  | { problem: string }
  | null;

/** What to play: one stream (its index in the capture's list) or one call's streams (stereo). */
export type AudioSelection = { stream: number } | { call: string };

/** The streams a selection plays, with the channel and rtpmap of each. */
export interface AudioPlan {
  channels: 1 | 2;
  streams: {
    stream: MediaStream;
    channel: number;
    rtpmap: Map<number, RtpmapEntry> | null;
    srtp: PlanSrtp;
  }[];
  wanted: StreamWanted[];
  /** A record the capture can be read from for these streams (a classic pcap's frame before the first packet). */
  startAt: { offset: number; frameNo: number } | null;
  /** For the file name: `C3` or `stream-4`. */
  label: string;
}

/** What a selection sounded like. */
export interface AudioRendered {
  wav: Uint8Array;
  rate: number;
  channels: number;
  frames: number;
  /** Capture time (µs) of the first sample. */
  startUs: number;
  /** How lost packets were played. */
  loss: AudioLoss;
  streams: StreamPlayed[];
}

/** Latin-1 text of a body. */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192)
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/**
 * The rtpmap of the m= section of an SDP body that announced `address:port` (the first audio section
 * when none matches), with the channel count (`a=rtpmap:<pt> <name>/<rate>[/<channels>]`, RFC 4566 §6).
 */
export function rtpmapOf(body: string, address: string, port: number): Map<number, RtpmapEntry> {
  let sessionAddr = '';
  const sections: { addr: string; port: number; audio: boolean; map: Map<number, RtpmapEntry> }[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const v = line.slice(2);
    const cur = sections.at(-1);
    if (line[0] === 'm') {
      const f = v.split(/\s+/);
      sections.push({
        addr: '',
        port: Number((f[1] ?? '').split('/')[0]),
        audio: f[0] === 'audio',
        map: new Map(),
      });
    } else if (line[0] === 'c') {
      const a = (v.split(/\s+/)[2] ?? '').split('/')[0] ?? '';
      if (cur) cur.addr = a;
      else sessionAddr = a;
    } else if (line[0] === 'a' && cur) {
      const m = /^rtpmap:(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(v);
      if (m)
        cur.map.set(Number(m[1]), { name: m[2]!, rate: Number(m[3]), channels: m[4] ? Number(m[4]) : 1 });
    }
  }
  const match =
    sections.find((s) => s.port === port && (s.addr || sessionAddr) === address) ??
    sections.find((s) => s.port === port) ??
    sections.find((s) => s.audio);
  return match?.map ?? new Map();
}

function streamRtpmap(trace: Trace, s: MediaStream): Map<number, RtpmapEntry> | null {
  if (s.sdpMessage === null) return null;
  try {
    const m = trace.message(s.sdpMessage);
    const r = s.record;
    return rtpmapOf(latin1(m.body()), s.announced ? r.dst : r.src, s.announced ? r.dstPort : r.srcPort);
  } catch {
    return null;
  }
}

/**
 * A stream's decryption: a key given by hand (`SUITE inline:KEY`, as a=crypto writes it) first, else
 * its sender's SDP's; a string: the given key is wrong.
 */
function planSrtp(s: MediaStream, given: string | undefined): PlanSrtp | string {
  if (given !== undefined) {
    const c = parseSdesCrypto(given);
    if (typeof c === 'string') return `the SRTP key given for stream ${s.index}: ${c}`;
    return { crypto: c, keys: 'given', keyFrame: null };
  }
  const k = s.srtp;
  if (!k || k.keying === 'unknown') return null;
  if (k.crypto !== null) {
    const c = parseSdesCrypto(k.crypto);
    const later: { crypto: SdesCrypto; keyFrame: number | null }[] = [];
    for (const x of k.rekeys ?? []) {
      const r = parseSdesCrypto(x.crypto);
      if (typeof r !== 'string') later.push({ crypto: r, keyFrame: x.frame });
    }
    if (typeof c !== 'string')
      return {
        crypto: c,
        keys: k.keying === 'dtls' ? 'dtls' : 'sdp',
        keyFrame: k.keyFrame,
        ...(later.length > 0 && { later }),
      };
  }
  return { problem: k.problem ?? 'SRTP without a usable key' };
}

/**
 * The streams of a selection; a string says why there is nothing to play. `srtpKeys`: keys given by
 * hand per stream index (`AES_CM_128_HMAC_SHA1_80 inline:KEY`), used before the SDP's.
 */
export function planAudio(
  trace: Trace,
  media: MediaAnalysis,
  sel: AudioSelection,
  srtpKeys: ReadonlyMap<number, string> = new Map(),
): AudioPlan | string {
  let chosen: { stream: MediaStream; channel: number }[];
  let channels: 1 | 2;
  let label: string;
  if ('stream' in sel) {
    const s = media.streams[sel.stream];
    if (!s) return `no stream ${sel.stream} in this capture`;
    chosen = [{ stream: s, channel: 0 }];
    channels = 1;
    label = `stream-${sel.stream}`;
  } else {
    const idx = media.calls.get(sel.call)?.streams ?? [];
    chosen = idx
      .map((i) => media.streams[i]!)
      .filter((s) => s.direction !== null)
      .map((s) => ({ stream: s, channel: s.direction === 'forward' ? 0 : 1 }));
    if (chosen.length === 0) return `${sel.call} has no RTP stream in this capture`;
    channels = 2;
    label = sel.call;
  }
  const streams: AudioPlan['streams'] = [];
  for (const c of chosen) {
    const srtp = planSrtp(c.stream, srtpKeys.get(c.stream.index));
    if (typeof srtp === 'string') return srtp;
    streams.push({ ...c, rtpmap: streamRtpmap(trace, c.stream), srtp });
  }
  const wanted = streams.map(({ stream: { record: r } }) => ({
    src: r.src,
    srcPort: r.srcPort,
    dst: r.dst,
    dstPort: r.dstPort,
    ssrc: r.ssrc,
    lastFrame: r.lastFrame,
  }));
  // A record before the first packet: the latest frame of the announcing SDP messages at or before it.
  const first = Math.min(...streams.map((s) => s.stream.record.firstFrame));
  let startAt: AudioPlan['startAt'] = null;
  for (const s of streams) {
    if (s.stream.sdpMessage === null) continue;
    for (const f of trace.frames(s.stream.sdpMessage))
      if (f.recordOffset >= 0 && f.frameNo <= first && f.frameNo > (startAt?.frameNo ?? 0))
        startAt = { offset: f.recordOffset, frameNo: f.frameNo };
  }
  return { channels, streams, wanted, startAt, label };
}

/**
 * Decodes and mixes the plan's packets (one list per planned stream) into a WAV, lost packets
 * concealed or silent (`loss`); a string: why not. `sessions`: the SRTP sessions the packets were
 * decrypted with (per planned stream; null for plain RTP), for their counts.
 */
export function renderAudio(
  plan: AudioPlan,
  lists: readonly RtpPacketList[],
  timing: AudioTiming,
  loss: AudioLoss = 'conceal',
  sessions: readonly (SrtpRtpReader | null)[] = [],
): AudioRendered | string {
  const byChannel: DecodedAudio[][] = Array.from({ length: plan.channels }, () => []);
  const out: AudioRendered['streams'] = [];
  const problems: string[] = [];
  plan.streams.forEach((s, i) => {
    const base = { index: s.stream.index, channel: s.channel };
    const silent = (problem: string): void => {
      problems.push(problem);
      out.push({ ...base, codec: null, played: 0, lost: 0, duplicates: 0, reordered: 0, problem });
    };
    if (s.srtp && 'problem' in s.srtp) return silent(s.srtp.problem);
    const session = sessions[i] ?? null;
    // After a re-key, the frames of the keys that decrypted packets (the first key's when none did).
    let frames = [s.srtp && 'crypto' in s.srtp ? s.srtp.keyFrame : null];
    if (s.srtp && 'crypto' in s.srtp && session instanceof SrtpRekeyedSessions) {
      const all = [s.srtp.keyFrame, ...(s.srtp.later ?? []).map((l) => l.keyFrame)];
      const used = all.filter((_, j) => (session.sessions[j]?.counts.decrypted ?? 0) > 0);
      if (used.length > 0) frames = used;
    }
    const srtp =
      s.srtp && session
        ? {
            suite: s.srtp.crypto.suite.name,
            keys: s.srtp.keys,
            keyFrame: frames[0] ?? null,
            ...(frames.length > 1 && { keyFrames: frames }),
            decrypted: session.counts.decrypted,
            authFailed: session.counts.authFailed,
            note: srtpCountsNote({ ...session.counts, authFailed: 0 }),
          }
        : null;
    if (srtp && srtp.decrypted === 0) {
      const why = srtpCountsNote(session!.counts);
      return silent(
        `SRTP ${srtp.suite}: no packet decrypted${why ? ` (${why})` : ''} with the key ${srtp.keys === 'given' ? 'given' : `${srtp.keys === 'dtls' ? 'of the DTLS handshake' : 'of the SDP'}${srtp.keyFrame !== null ? ` in frame ${srtp.keyFrame}` : ''}`}`,
      );
    }
    const d = decodeStream(lists[i]!, s.rtpmap, timing, loss);
    if (d.ok) {
      byChannel[s.channel]!.push(d.audio);
      const a = d.audio;
      out.push({
        ...base,
        codec: a.codec,
        played: a.played,
        lost: a.lost,
        duplicates: a.duplicates,
        reordered: a.reordered,
        ...(a.malformed && { malformed: a.malformed }),
        ...(a.comfortNoise && { comfortNoise: a.comfortNoise }),
        ...(a.concealed && { concealed: a.concealed }),
        problem: null,
        ...(srtp && { srtp }),
      });
    } else silent(d.reason);
  });
  if (byChannel.every((c) => c.length === 0)) return [...new Set(problems)].join('; ');
  const mix = mixChannels(byChannel);
  return {
    wav: wavFile(mix.interleaved, mix.rate, plan.channels),
    rate: mix.rate,
    channels: plan.channels,
    frames: mix.frames,
    startUs: mix.startUs,
    loss,
    streams: out,
  };
}
