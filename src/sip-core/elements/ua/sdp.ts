/**
 * The small SDP (RFC 4566) the simulated and lab phones offer and answer (RFC 3264): one audio
 * stream, the phone's codecs (PCMU by default; a lab phone offers PCMU, PCMA and telephone-event,
 * RFC 4733), rtcp-mux (RFC 5761) when the phone does it, a direction attribute for hold
 * (`sendonly`/`inactive`, RFC 3264 §8.4). An answer lists the offered formats the phone has, in the
 * offer's order and with the offer's payload types (RFC 3264 §6.1); both sides send the first codec
 * of the answer (§6.1, §7), what {@link negotiate} gives.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpSpec {
  user: string;
  sessionId: number;
  version: number;
  ip: string;
  port: number;
  direction: MediaDirection;
  /** The formats and attributes of the m= line (default {@link PCMU_ONLY}). */
  media?: SdpMedia;
}

export function buildSdp(s: SdpSpec): string {
  const m = s.media ?? PCMU_ONLY;
  return (
    `v=0\r\n` +
    `o=${s.user} ${s.sessionId} ${s.version} IN IP4 ${s.ip}\r\n` +
    `s=-\r\n` +
    `c=IN IP4 ${s.ip}\r\n` +
    `t=0 0\r\n` +
    `m=audio ${m.rejected ? 0 : s.port} RTP/AVP ${m.fmt}\r\n` +
    m.attrs +
    `a=${s.direction}\r\n`
  );
}

/** One payload format of an audio m= line: its payload type and its rtpmap name (RFC 4566 §6). */
export interface AudioFormat {
  pt: number;
  /** Encoding name as the rtpmap gives it (or the static type's, RFC 3551 §6), e.g. `PCMU`. */
  name: string;
  /** Clock rate (8000 for G.711 and telephone-event); 0 when unknown. */
  rate: number;
  /** The format's fmtp parameters, null when none. */
  fmtp: string | null;
}

/**
 * What a phone's SDP says of its audio stream besides address, port and direction: an offer's
 * formats, or an answer's (the offer's formats the phone has, RFC 3264 §6.1). One object per
 * distinct list (a phone's offer, the answer to one peer's offer): the UA compares them by identity.
 */
export interface SdpMedia {
  /** The m= line's format list, e.g. `8 0 101`. */
  readonly fmt: string;
  /** The a= lines that go with it (rtpmap, fmtp, rtcp-mux), each ending in CRLF. */
  readonly attrs: string;
  /** The codec both sides send (the first audio codec listed, RFC 3264 §6.1, §7); null: none in common. */
  readonly codec: AudioFormat | null;
  /** telephone-event's payload type (RFC 4733 §7.1.1), null when not listed. */
  readonly dtmf: number | null;
  /** RTCP on the RTP port (RFC 5761 §5.1.1), offered or agreed. */
  readonly rtcpMux: boolean;
  /** An answer that rejects the stream (port 0, RFC 3264 §6): nothing in common. */
  readonly rejected: boolean;
}

/** The codecs a phone can have (G.711 at 8 kHz, RFC 3551 §4.5.14) and DTMF events (RFC 4733). */
export type PhoneCodec = 'PCMU' | 'PCMA' | 'telephone-event';

/** The static payload types of the codecs a phone can have (RFC 3551 §6); telephone-event's is dynamic. */
const STATIC_PT: Record<string, number> = { PCMU: 0, PCMA: 8 };
const STATIC_NAME: Record<number, string> = { 0: 'PCMU', 8: 'PCMA' };
/** The dynamic payload type a phone offers telephone-event with (the usual one: SIPp, Asterisk, pjsip). */
export const TELEPHONE_EVENT_PT = 101;

/** An SdpMedia of `formats` (rtpmap lines for all; fmtp where given). */
function mediaOf(formats: readonly AudioFormat[], rtcpMux: boolean, rejected = false): SdpMedia {
  let attrs = '';
  for (const f of formats) {
    attrs += `a=rtpmap:${f.pt} ${f.name}/${f.rate}\r\n`;
    if (f.fmtp !== null) attrs += `a=fmtp:${f.pt} ${f.fmtp}\r\n`;
  }
  if (rtcpMux) attrs += 'a=rtcp-mux\r\n';
  const codec = rejected ? null : (formats.find((f) => !isEvent(f)) ?? null);
  const dtmf = formats.find(isEvent)?.pt ?? null;
  return { fmt: formats.map((f) => f.pt).join(' '), attrs, codec, dtmf, rtcpMux, rejected };
}

function isEvent(f: AudioFormat): boolean {
  return f.name.toLowerCase() === 'telephone-event';
}

/** The simulated phones' offer: PCMU alone (what they have always offered). */
const PCMU_FORMATS: readonly AudioFormat[] = [{ pt: 0, name: 'PCMU', rate: 8000, fmtp: null }];
export const PCMU_ONLY: SdpMedia = mediaOf(PCMU_FORMATS, false);

const offers = new Map<string, SdpMedia>();
/**
 * A phone's offer of `codecs` (in its order of preference) and rtcp-mux (RFC 5761 §5.1.1: the
 * phone keeps its RTCP port open too, in case the answer does not mux). One object per list.
 */
export function offerMedia(codecs: readonly PhoneCodec[], rtcpMux = false): SdpMedia {
  const key = `${codecs.join(' ')}|${rtcpMux}`;
  if (key === 'PCMU|false') return PCMU_ONLY;
  let m = offers.get(key);
  if (!m) {
    const formats: AudioFormat[] = [];
    for (const c of new Set(codecs))
      formats.push(
        c === 'telephone-event'
          ? { pt: TELEPHONE_EVENT_PT, name: c, rate: 8000, fmtp: '0-16' }
          : { pt: STATIC_PT[c]!, name: c, rate: 8000, fmtp: null },
      );
    offers.set(key, (m = mediaOf(formats, rtcpMux)));
  }
  return m;
}

/**
 * RFC 3264 §6.1: the answer to `offer` by a phone whose own offer is `ours` — the offered formats it
 * has (by name and clock rate, the static types by number), in the offer's order and with the
 * offer's payload types; telephone-event only with a codec; rtcp-mux when both do it (RFC 5761
 * §5.1.1). For an answer received, the same gives what the phone sends: the first codec of the
 * answer that it has (§7). Nothing in common: `rejected` (port 0), `codec` null. Remembered on
 * `offer` (a summary that {@link readSdpCached} shares across the calls of one peer).
 */
export function negotiate(offer: SdpSummary, ours: SdpMedia): SdpMedia {
  const memo = offer.negotiated;
  if (memo !== null && memo.ours === ours) return memo.media;
  const have = ours.fmt === '0' ? ONLY_PCMU_NAMES : namesOf(ours);
  const keep: AudioFormat[] = [];
  for (const f of offer.formats)
    if ((f.rate === 8000 || f.rate === 0) && have.has(f.name.toUpperCase()))
      keep.push(f.rate === 0 ? { ...f, rate: 8000 } : f);
  const codecs = keep.filter((f) => !isEvent(f));
  let media: SdpMedia;
  if (codecs.length === 0)
    media = mediaOf(offer.formats.length ? offer.formats.slice(0, 1) : PCMU_FORMATS, false, true);
  else {
    // (telephone-event without fmtp: events 0-15, RFC 4733 §2.4.1)
    media = mediaOf(
      keep.map((f) => (isEvent(f) && f.fmtp === null ? { ...f, fmtp: '0-15' } : f)),
      offer.rtcpMux && ours.rtcpMux,
    );
    // the phone's own offer when the answer is the same (one object: the UA's SDP cache keeps it)
    if (media.fmt === ours.fmt && media.attrs === ours.attrs) media = ours;
  }
  offer.negotiated = { ours, media };
  return media;
}

const ONLY_PCMU_NAMES: ReadonlySet<string> = new Set(['PCMU']);
function namesOf(m: SdpMedia): ReadonlySet<string> {
  const names = new Set<string>();
  for (const [, name] of m.attrs.matchAll(/^a=rtpmap:\d+ ([^/\s]+)/gm)) names.add(name!.toUpperCase());
  return names;
}

export interface SdpSummary {
  ip: string | null;
  port: number | null;
  direction: MediaDirection;
  /** The audio m= line's first payload type (RFC 3264 §5.1); 0 (PCMU) when none. */
  pt: number;
  /** The audio m= line's formats, in its order (rtpmap and fmtp from its media section). */
  formats: readonly AudioFormat[];
  /** `a=rtcp-mux` in the audio section (RFC 5761 §5.1.1). */
  rtcpMux: boolean;
  /** {@link negotiate}'s last answer to this summary (for the phone whose offer is `ours`). */
  negotiated: { ours: SdpMedia; media: SdpMedia } | null;
}

/** At most this many formats of an m= line are read (a phone lists a handful). */
const MAX_FORMATS = 32;

/**
 * Reads c=, the audio m= port, formats (with the rtpmap and fmtp of its media section) and
 * rtcp-mux, and the direction attribute (default sendrecv). Never throws.
 */
export function readSdp(body: string): SdpSummary {
  const ip = /^c=IN IP[46] ([^\s]+)/m.exec(body)?.[1] ?? null;
  const m = /^m=audio (\d+)(?: [^ \r\n]+((?: +\d{1,3}(?![^ \r\n]))*))?/m.exec(body);
  const dir = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(body)?.[1] as MediaDirection | undefined;
  const formats: AudioFormat[] = [];
  let rtcpMux = false;
  if (m?.[2]) {
    // the audio section: from its m= line to the next m= line
    const from = m.index + m[0].length;
    const next = body.indexOf('\nm=', from);
    const section = body.slice(from, next < 0 ? body.length : next);
    const maps = new Map<number, [string, number]>();
    const fmtps = new Map<number, string>();
    for (const [, pt, name, rate] of section.matchAll(/^a=rtpmap: *(\d{1,3}) +([^/\s]+)\/(\d+)/gm))
      if (!maps.has(Number(pt))) maps.set(Number(pt), [name!, Number(rate)]);
    for (const [, pt, value] of section.matchAll(/^a=fmtp: *(\d{1,3}) +([^\r\n]*?) *\r?$/gm))
      if (!fmtps.has(Number(pt))) fmtps.set(Number(pt), value!);
    rtcpMux = /^a=rtcp-mux *\r?$/m.test(section);
    const seen = new Set<number>();
    for (const t of m[2].trim().split(/ +/)) {
      const pt = Number(t);
      if (pt > 127 || seen.has(pt) || formats.length >= MAX_FORMATS) continue;
      seen.add(pt);
      const map = maps.get(pt);
      const name = map?.[0] ?? STATIC_NAME[pt] ?? '';
      formats.push({ pt, name, rate: map ? map[1] : name ? 8000 : 0, fmtp: fmtps.get(pt) ?? null });
    }
  }
  const pt = formats[0]?.pt ?? 0;
  return {
    ip,
    port: m?.[1] ? Number(m[1]) : null,
    direction: dir ?? 'sendrecv',
    pt,
    formats,
    rtcpMux,
    negotiated: null,
  };
}

/** RFC 3264 §6.1: the answer's direction for an offered direction. */
export function answerDirection(offered: MediaDirection): MediaDirection {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    default:
      return 'sendrecv';
  }
}

/**
 * {@link readSdp}, remembered for the last body read: a phone's peer sends the same SDP on every
 * call but for its `o=` line (session id and version), which readSdp does not look at, so a body
 * equal to the last one outside that line gives the same summary (the returned object is shared:
 * treat it as read-only).
 */
export function readSdpCached(body: string, memo: SdpMemo): SdpSummary {
  const o = originLine(body);
  const last = memo.last;
  if (last !== null && sameOutsideLine(body, o, last.text, last.o)) return last.summary;
  const summary = readSdp(body);
  memo.last = { text: body, o, summary };
  return summary;
}

/** Where {@link readSdpCached} remembers the last body it read (one per phone: each has its own peer's SDP). */
export interface SdpMemo {
  last: { text: string; o: readonly [number, number]; summary: SdpSummary } | null;
}

/** [start, end) of the first `o=` line (end after its LF), [0, 0] when there is none. */
function originLine(body: string): readonly [number, number] {
  const s = body.startsWith('o=') ? 0 : body.indexOf('\no=') + 1;
  if (s <= 0 && !body.startsWith('o=')) return NO_LINE;
  const nl = body.indexOf('\n', s);
  return [s, nl < 0 ? body.length : nl + 1];
}
const NO_LINE: readonly [number, number] = [0, 0];

/**
 * a and b equal once their lines [ao) and [bo) are cut out. The parts are compared as strings (a
 * substring of a flat string is a slice of it, and the engine compares two of them natively): ~4×
 * faster than comparing a callee's ~200 characters one by one with charCodeAt on every INVITE.
 */
function sameOutsideLine(
  a: string,
  ao: readonly [number, number],
  b: string,
  bo: readonly [number, number],
): boolean {
  if (ao[0] !== bo[0] || a.length - (ao[1] - ao[0]) !== b.length - (bo[1] - bo[0])) return false;
  return a.substring(0, ao[0]) === b.substring(0, bo[0]) && a.substring(ao[1]) === b.substring(bo[1]);
}
