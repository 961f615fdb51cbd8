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
  /**
   * The body carries ICE candidates (`a=candidate:`, RFC 8839 §5.1): its c= addresses are only the
   * default candidates (set by `summarizeSdp`; absent: not looked at).
   */
  ice?: boolean;
}

/** Codecs that do not carry the call's audio (RFC 4733 events, RFC 3389 comfort noise). */
export const AUXILIARY_CODECS = new Set(['TELEPHONE-EVENT', 'CN', 'RED', 'ULPFEC']);

/** Latin-1 text of `b[s,e)` made fresh (fromCharCode over the bytes: no decoder object). */
function decodeLatin1(b: Uint8Array, s: number, e: number): string {
  return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
}

const TOKEN_SLOTS = 512;
/** Recent tokens (media types, addresses, codec names repeat across bodies), direct-mapped by a hash of their bytes. */
const tokenCache: string[] = new Array<string>(TOKEN_SLOTS).fill('');

/**
 * Latin-1 text of `b[s,e)` (SDP lines are short ASCII): the cached string when the same bytes were
 * read recently (compared octet by octet, so equal to a fresh decode), else decoded and cached.
 */
function text(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= 0) return '';
  if (n > 48) return decodeLatin1(b, s, e);
  let h = n;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & (TOKEN_SLOTS - 1);
  const c = tokenCache[slot]!;
  if (c.length === n) {
    let i = 0;
    while (i < n && c.charCodeAt(i) === b[s + i]) i++;
    if (i === n) return c;
  }
  const t = decodeLatin1(b, s, e);
  tokenCache[slot] = t;
  return t;
}

/** Upper-case forms of recent rtpmap names (`telephone-event`...), by the name (a bounded memo). */
const upperOf = new Map<string, string>();

/** `name.toUpperCase()`, the same string for a name seen before. */
function upper(name: string): string {
  let u = upperOf.get(name);
  if (u === undefined) {
    u = name.toUpperCase();
    if (upperOf.size >= 256) upperOf.clear();
    upperOf.set(name, u);
  }
  return u;
}

function startsWith(b: Uint8Array, s: number, e: number, lit: string): boolean {
  if (e - s < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (b[s + i] !== lit.charCodeAt(i)) return false;
  return true;
}

const DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;

/** Payload-type strings 0–127 made once (the m= line's formats are nearly always these). */
const PT_TEXT: string[] = Array.from({ length: 128 }, (_, i) => String(i));

/** Start of the next token at or after `i` (spaces and tabs skipped). */
function skipBlank(b: Uint8Array, i: number, e: number): number {
  while (i < e && (b[i] === 32 || b[i] === 9)) i++;
  return i;
}

/** End of the token starting at `i`. */
function tokenEnd(b: Uint8Array, i: number, e: number): number {
  while (i < e && b[i] !== 32 && b[i] !== 9) i++;
  return i;
}

/** A payload type token as text: the shared string for 0–127, else decoded. */
function ptText(b: Uint8Array, s: number, e: number): string {
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57 || e - s > 3) return text(b, s, e);
    n = n * 10 + (c - 48);
  }
  return n < 128 && !(e - s > 1 && b[s] === 48) ? PT_TEXT[n]! : text(b, s, e);
}

/**
 * Closes media `cur`: codec names from its payload types (rtpmap, else the static table). `maps`:
 * the rtpmap lines' payload types and names in pairs, in order (the last line of a type counts).
 */
function finishMedia(cur: SdpMedia, pts: string[], maps: string[] | null): void {
  const codecs = new Array<string>(pts.length);
  for (let i = 0; i < pts.length; i++) {
    const pt = pts[i]!;
    let name: string | undefined;
    if (maps !== null)
      for (let k = maps.length - 2; k >= 0; k -= 2)
        if (maps[k] === pt) {
          name = maps[k + 1];
          break;
        }
    codecs[i] = name ?? STATIC_PT[pt] ?? pt;
  }
  cur.codecs = codecs;
}

/**
 * Reads the SDP summary of a body, or null when it holds no `v=`/`o=`/`s=`/`m=` lines. Scans bytes
 * line by line and decodes only the tokens of c=, m= and a=rtpmap lines it keeps.
 */
export function summarizeSdp(body: Uint8Array): SdpSummary | null {
  const b = body.length > 65536 ? body.subarray(0, 65536) : body;
  const n = b.length;
  let address: string | null = null;
  let sessionDir: SdpMedia['direction'] = 'sendrecv';
  const media: SdpMedia[] = [];
  let cur: SdpMedia | null = null;
  let pts: string[] = [];
  let maps: string[] | null = null;
  let seen = false;
  let ice = false;
  let ls = 0;
  while (ls < n) {
    let le = ls;
    while (le < n && b[le] !== 10) le++; // (a loop: Uint8Array.indexOf costs a builtin call per line)
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
        if (cur) {
          finishMedia(cur, pts, maps);
          media.push(cur);
        }
        let i = skipBlank(b, vs, e);
        let j = tokenEnd(b, i, e);
        const type = text(b, i, j);
        i = skipBlank(b, j, e);
        j = tokenEnd(b, i, e);
        let port = 0;
        for (let x = i; x < j && b[x] !== 47; x++) {
          const c = b[x]!;
          if (c < 48 || c > 57) {
            port = 0;
            break;
          }
          port = port * 10 + (c - 48);
        }
        i = skipBlank(b, j, e);
        j = tokenEnd(b, i, e); // proto
        pts = [];
        for (i = skipBlank(b, j, e); i < e; i = skipBlank(b, j, e)) {
          j = tokenEnd(b, i, e);
          pts.push(ptText(b, i, j));
        }
        cur = { type, port, address, codecs: [], direction: sessionDir };
        maps = null;
      } else if (k === 99) {
        // c=IN IP4 <addr>[/ttl]
        let i = skipBlank(b, vs, e);
        i = skipBlank(b, tokenEnd(b, i, e), e);
        i = skipBlank(b, tokenEnd(b, i, e), e);
        let j = i;
        while (j < e && b[j] !== 32 && b[j] !== 9 && b[j] !== 47) j++;
        const a = text(b, i, j);
        if (cur) cur.address = a;
        else address = a;
      } else if (k === 97) {
        if (startsWith(b, vs, e, 'rtpmap:')) {
          if (cur) {
            // a=rtpmap:<pt> <encoding name>/<clock rate>[/<params>]
            const ps = vs + 7;
            let sp = ps;
            while (sp < e && b[sp] !== 32) sp++;
            if (sp > ps && sp < e) {
              let ns = sp + 1;
              let ne = ns;
              while (ne < e && b[ne] !== 47) ne++;
              while (ns < ne && (b[ns] === 32 || b[ns] === 9)) ns++;
              while (ne > ns && (b[ne - 1] === 32 || b[ne - 1] === 9)) ne--;
              let lower = false;
              for (let x = ns; x < ne; x++) if ((b[x]! >= 97 && b[x]! <= 122) || b[x]! >= 128) lower = true;
              const name = text(b, ns, ne);
              (maps ??= []).push(ptText(b, ps, sp), lower ? upper(name) : name);
            }
          }
        } else if (e - vs === 8) {
          for (const d of DIRECTIONS) {
            if (startsWith(b, vs, e, d)) {
              if (cur) cur.direction = d;
              else sessionDir = d;
            }
          }
        } else if (!ice && b[vs] === 99 /* c */ && startsWith(b, vs, e, 'candidate:')) ice = true;
      }
    }
    ls = next;
  }
  if (cur) {
    finishMedia(cur, pts, maps);
    media.push(cur);
  }
  if (!seen) return null;
  return { address, media, ice };
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

/** What the analysis reads from one SDP body, derived once per distinct body (see {@link SdpCache}). */
export interface SdpFacts {
  sdp: SdpSummary;
  /** `mediaEndpoints(sdp)`. */
  endpoints: string[];
  /** `voiceCodecs(sdp)` (shared: do not modify). */
  voice: string[];
  /** `isHold(sdp)`. */
  hold: boolean;
  /** Some connection address (session or media) is 0.0.0.0. */
  zeroAddress: boolean;
  /** Address of the first audio stream, else the session's. */
  audioAddress: string | null;
  /** Address of the first stream with a port and an address, else the session's. */
  firstAddress: string | null;
  /** Address of the first audio stream with a port, else the session's. */
  liveAudioAddress: string | null;
  /** Some audio stream has a port. */
  hasLiveAudio: boolean;
  /** The body carries ICE candidates (`SdpSummary.ice`). */
  ice: boolean;
}

/** The codec lists one cache shares: by the names joined, and the last one it handed out. */
interface CodecLists {
  byKey: Map<string, string[]>;
  /** The list last found or stored in `byKey` (a body's list is most often the previous one's). */
  last: string[] | null;
}

/**
 * One array per distinct codec list (`lists.byKey`: by the names joined), exactly sized: each call's
 * offer and answer keep their list for the trace's life (CallGroup.offerCodecs/answerCodecs), and most
 * calls of a trace name the same few lists. A list equal name by name to the last one is that one (the
 * same key) without its key being made.
 */
function shared(codecs: string[], lists: CodecLists): string[] {
  const last = lists.last;
  if (last !== null && last.length === codecs.length) {
    let i = 0;
    while (i < codecs.length && last[i] === codecs[i]) i++;
    if (i === codecs.length) return last;
  }
  const key = codecs.join('\n');
  const known = lists.byKey.get(key);
  if (known !== undefined) return (lists.last = known);
  const own = codecs.slice();
  if (lists.byKey.size < LISTS_MAX) {
    lists.byKey.set(key, own);
    lists.last = own;
  }
  return own;
}

/** Distinct codec lists kept by one cache (beyond them, lists are not shared). */
const LISTS_MAX = 4096;

function factsOf(sdp: SdpSummary, lists: CodecLists): SdpFacts {
  let zero = sdp.address === '0.0.0.0';
  let audio: SdpMedia | null = null;
  let first: SdpMedia | null = null;
  let liveAudio: SdpMedia | null = null;
  for (const m of sdp.media) {
    if (m.address === '0.0.0.0') zero = true;
    if (audio === null && m.type === 'audio') audio = m;
    if (first === null && m.port > 0 && m.address) first = m;
    if (liveAudio === null && m.type === 'audio' && m.port > 0) liveAudio = m;
  }
  return {
    sdp,
    endpoints: mediaEndpoints(sdp),
    voice: shared(voiceCodecs(sdp), lists),
    hold: isHold(sdp),
    zeroAddress: zero,
    audioAddress: audio?.address ?? sdp.address,
    firstAddress: first ? first.address : sdp.address,
    liveAudioAddress: liveAudio?.address ?? sdp.address,
    hasLiveAudio: liveAudio !== null,
    ice: sdp.ice === true,
  };
}

const CACHE_SLOTS = 256;

/** The two 32-bit hashes of the last {@link sdpBodyHash}: the {@link SdpCache} key of the body. */
export const sdpHashOut = new Int32Array(2);

/** A DataView of the buffer the last body lay in (bodies of one read-back region share it). */
let hashDv: DataView = new DataView(new ArrayBuffer(0));
let hashDvOf: ArrayBufferLike | null = null;

/**
 * Hashes the SDP body `buf[start,end)` (its first 64 KiB, length included) into {@link sdpHashOut}:
 * what {@link SdpCache} keys a body by. A pure function of the octets: the facts-ahead thread
 * (facts-ahead.ts) computes it for tier 2.
 */
export function sdpBodyHash(buf: Uint8Array, start: number, end: number): void {
  const n = Math.min(end - start, 65536);
  let h1 = 0x811c9dc5 ^ n;
  let h2 = 0x5bd1e995 ^ n;
  // Four octets per step (their little-endian 32-bit value, one load from a DataView of the buffer,
  // made once per buffer: a read-back region holds many bodies), then the tail.
  if (buf.buffer !== hashDvOf) {
    hashDvOf = buf.buffer;
    hashDv = new DataView(buf.buffer);
  }
  const dv = hashDv;
  const base = buf.byteOffset + start;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = dv.getInt32(base + i, true);
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  for (; i < n; i++) {
    const c = buf[start + i]!;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  sdpHashOut[0] = h1;
  sdpHashOut[1] = h2;
}

/**
 * The SDP facts of recent bodies, by content: a proxy forwards the same SDP it received, and a 18x
 * and its 2xx often carry the same answer, so most SDP copies in a trace are found here instead of
 * being decoded again. Direct-mapped by a 52-bit hash of the bytes (length included: {@link sdpBodyHash}).
 */
export class SdpCache {
  readonly #keys = new Float64Array(CACHE_SLOTS).fill(-1);
  readonly #facts: (SdpFacts | null)[] = new Array<SdpFacts | null>(CACHE_SLOTS).fill(null);
  /** Voice codec lists by their names (see `shared`). */
  readonly #lists: CodecLists = { byKey: new Map<string, string[]>(), last: null };

  /** Facts of an SDP body, or null when it is not SDP. */
  facts(body: Uint8Array): SdpFacts | null {
    return this.factsAt(body, 0, body.length);
  }

  /**
   * Facts of the SDP body `buf[start,end)`, or null when it is not SDP (`facts(buf.subarray(start,
   * end))`, without the view unless the body was not seen recently).
   */
  factsAt(buf: Uint8Array, start: number, end: number): SdpFacts | null {
    sdpBodyHash(buf, start, end);
    return this.factsKeyed(sdpHashOut[0]!, sdpHashOut[1]!, buf, start, end);
  }

  /** {@link factsAt} with the body's hashes (`h1`, `h2`: {@link sdpBodyHash}) already known. */
  factsKeyed(h1: number, h2: number, buf: Uint8Array, start: number, end: number): SdpFacts | null {
    const key = (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
    const slot = (h1 ^ (h2 >>> 7)) & (CACHE_SLOTS - 1);
    if (this.#keys[slot] === key) return this.#facts[slot]!;
    const sdp = summarizeSdp(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    if (!sdp) return null;
    const f = factsOf(sdp, this.#lists);
    this.#keys[slot] = key;
    this.#facts[slot] = f;
    return f;
  }
}
