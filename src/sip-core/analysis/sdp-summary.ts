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

/** Latin-1 text of `b[s,e)` (SDP lines are short ASCII). */
function text(b: Uint8Array, s: number, e: number): string {
  // fromCharCode over the bytes: Latin-1, no decoder object, fast for short lines.
  return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
}

function startsWith(b: Uint8Array, s: number, e: number, lit: string): boolean {
  if (e - s < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (b[s + i] !== lit.charCodeAt(i)) return false;
  return true;
}

const DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;

/**
 * Reads the SDP summary of a body, or null when it holds no `v=`/`o=`/`s=`/`m=` lines. Scans bytes
 * line by line and decodes only c=, m= and a=rtpmap/direction lines.
 */
export function summarizeSdp(body: Uint8Array): SdpSummary | null {
  const b = body.length > 65536 ? body.subarray(0, 65536) : body;
  const n = b.length;
  let address: string | null = null;
  let sessionDir: SdpMedia['direction'] = 'sendrecv';
  const media: SdpMedia[] = [];
  let cur: SdpMedia | null = null;
  let pts: string[] = [];
  let maps: Map<string, string> | null = null;
  let seen = false;
  const finish = (): void => {
    if (!cur) return;
    const m = maps;
    cur.codecs = pts.map((pt) => m?.get(pt) ?? STATIC_PT[pt] ?? pt);
    media.push(cur);
  };
  let ls = 0;
  while (ls < n) {
    let le = ls;
    while (le < n && b[le] !== 10) le++;
    const next = le + 1;
    let e = le;
    while (e > ls && (b[e - 1] === 13 || b[e - 1] === 32 || b[e - 1] === 9)) e--;
    if (e - ls >= 2 && b[ls + 1] === 61 /* = */) {
      const k = b[ls]!;
      const vs = ls + 2;
      if (k === 118 || k === 111 || k === 115)
        seen = true; // v o s
      else if (k === 109) {
        // m=<media> <port>[/<n>] <proto> <fmt>...
        seen = true;
        finish();
        const p = text(b, vs, e)
          .split(' ')
          .filter((x) => x !== '');
        cur = {
          type: p[0] ?? '',
          port: Number(p[1]?.split('/')[0]) || 0,
          address,
          codecs: [],
          direction: sessionDir,
        };
        pts = p.slice(3);
        maps = null;
      } else if (k === 99) {
        // c=IN IP4 <addr>[/ttl]
        const p = text(b, vs, e)
          .split(' ')
          .filter((x) => x !== '');
        const a = (p[2] ?? '').split('/')[0] ?? '';
        if (cur) cur.address = a;
        else address = a;
      } else if (k === 97) {
        if (startsWith(b, vs, e, 'rtpmap:')) {
          if (cur) {
            const v = text(b, vs + 7, e);
            const sp = v.indexOf(' ');
            if (sp > 0)
              (maps ??= new Map()).set(
                v.slice(0, sp),
                v
                  .slice(sp + 1)
                  .split('/')[0]!
                  .trim()
                  .toUpperCase(),
              );
          }
        } else if (e - vs === 8) {
          for (const d of DIRECTIONS) {
            if (startsWith(b, vs, e, d)) {
              if (cur) cur.direction = d;
              else sessionDir = d;
            }
          }
        }
      }
    }
    ls = next;
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
