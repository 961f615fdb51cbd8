/**
 * The few SDP facts the analysis needs (RFC 4566, RFC 3264): connection address, media ports,
 * codecs and direction. A line scan over the body; never throws.
 * @remarks Full SDP decoding belongs to [message]; this summary is what calls, hops and the
 * NAT/hold/codec rules compare, kept small so a call stays under its memory budget.
 */

/** Static RTP payload types (RFC 3551 §6) by number. */
const STATIC_PT: Record<string, string> = {
  '0': 'PCMU',
  '3': 'GSM',
  '4': 'G723',
  '5': 'DVI4',
  '6': 'DVI4',
  '7': 'LPC',
  '8': 'PCMA',
  '9': 'G722',
  '10': 'L16',
  '11': 'L16',
  '12': 'QCELP',
  '13': 'CN',
  '14': 'MPA',
  '15': 'G728',
  '18': 'G729',
  '26': 'JPEG',
  '31': 'H261',
  '32': 'MPV',
  '34': 'H263',
};

export interface SdpMedia {
  /** `audio`, `video`, `image` (T.38)... */
  type: string;
  port: number;
  /** Connection address that applies to this stream (media-level c= or the session-level one). */
  address: string | null;
  /** Codec names (upper case, from rtpmap or the static table), in offer order. */
  codecs: string[];
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export interface SdpSummary {
  /** Session-level c= address (null when only media-level). */
  address: string | null;
  media: SdpMedia[];
}

/** Codecs that do not carry the call's audio (RFC 4733 events, RFC 3389 comfort noise). */
export const AUXILIARY_CODECS = new Set(['TELEPHONE-EVENT', 'CN', 'RED', 'ULPFEC']);

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Reads the SDP summary of a body, or null when it holds no `v=`/`m=` lines. */
export function summarizeSdp(body: Uint8Array): SdpSummary | null {
  const text = latin1(body.length > 65536 ? body.subarray(0, 65536) : body);
  const lines = text.split(/\r?\n/);
  let address: string | null = null;
  let sessionDir: SdpMedia['direction'] = 'sendrecv';
  const media: SdpMedia[] = [];
  let cur: (SdpMedia & { pts: string[]; maps: Map<string, string> }) | null = null;
  let seen = false;
  const finish = (): void => {
    if (!cur) return;
    cur.codecs = cur.pts.map((pt) => cur!.maps.get(pt) ?? STATIC_PT[pt] ?? pt);
    media.push({
      type: cur.type,
      port: cur.port,
      address: cur.address,
      codecs: cur.codecs,
      direction: cur.direction,
    });
  };
  for (const line of lines) {
    if (line.length < 2 || line[1] !== '=') continue;
    const k = line[0];
    const v = line.slice(2).trim();
    if (k === 'v' || k === 'o' || k === 's') seen = true;
    if (k === 'm') {
      seen = true;
      finish();
      const p = v.split(/\s+/);
      cur = {
        type: p[0] ?? '',
        port: Number(p[1]?.split('/')[0]) || 0,
        address: address,
        codecs: [],
        direction: sessionDir,
        pts: p.slice(3),
        maps: new Map(),
      };
    } else if (k === 'c') {
      const p = v.split(/\s+/);
      const a = (p[2] ?? '').split('/')[0] ?? '';
      if (cur) cur.address = a;
      else address = a;
    } else if (k === 'a') {
      if (v === 'sendonly' || v === 'recvonly' || v === 'inactive' || v === 'sendrecv') {
        if (cur) cur.direction = v;
        else sessionDir = v;
      } else if (cur && v.startsWith('rtpmap:')) {
        const sp = v.indexOf(' ');
        if (sp > 7) {
          const pt = v.slice(7, sp);
          const name = v
            .slice(sp + 1)
            .split('/')[0]!
            .trim()
            .toUpperCase();
          cur.maps.set(pt, name);
        }
      }
    }
  }
  finish();
  if (!seen) return null;
  return { address, media };
}

/** `addr:port` of each media stream with a non-zero port. */
export function mediaEndpoints(s: SdpSummary): string[] {
  const out: string[] = [];
  for (const m of s.media) if (m.port > 0 && m.address) out.push(`${m.address}:${m.port}`);
  return out;
}

/** Audio codecs that carry voice (auxiliary ones removed). */
export function voiceCodecs(s: SdpSummary): string[] {
  const out: string[] = [];
  for (const m of s.media) {
    if (m.type !== 'audio' || m.port === 0) continue;
    for (const c of m.codecs) if (!AUXILIARY_CODECS.has(c) && !out.includes(c)) out.push(c);
  }
  return out;
}

/** True when the SDP puts the session on hold (RFC 3264 §8.4: sendonly/inactive, or RFC 2543 c=0.0.0.0). */
export function isHold(s: SdpSummary): boolean {
  if (s.address === '0.0.0.0') return true;
  return s.media.some(
    (m) =>
      m.port > 0 && (m.direction === 'sendonly' || m.direction === 'inactive' || m.address === '0.0.0.0'),
  );
}
