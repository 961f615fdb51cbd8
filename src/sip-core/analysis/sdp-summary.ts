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
 * The hash of each slot's token (0 for the empty ones): a slot whose hash differs holds other bytes,
 * told without reading its string (at scale a cache miss: the strings lie anywhere in the heap).
 */
const tokenHash = new Int32Array(TOKEN_SLOTS);

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
  if (tokenHash[slot] === h) {
    const c = tokenCache[slot]!;
    if (c.length === n) {
      let i = 0;
      while (i < n && c.charCodeAt(i) === b[s + i]) i++;
      if (i === n) return c;
    }
  }
  const t = decodeLatin1(b, s, e);
  tokenCache[slot] = t;
  tokenHash[slot] = h;
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
 * What {@link scanSdp} read from the last body, as columns (no object per stream; reused body after
 * body, never emptied: `length = 0` would let V8 drop the backing stores, grown again each body).
 * Stream `i` (of `n`): its type, port, connection address (the media-level c=, else the session's
 * at its m= line), direction, its payload types `pts[ptFrom[i], ptFrom[i + 1])` and its rtpmap
 * lines' payload types and names in pairs `maps[mapFrom[i], mapFrom[i + 1])` (the last line of a
 * type counts).
 */
const scan = {
  seen: false,
  ice: false,
  /** The session-level c= address. */
  address: null as string | null,
  n: 0,
  type: [] as string[],
  port: [] as number[],
  addr: [] as (string | null)[],
  dir: [] as SdpMedia['direction'][],
  ptFrom: [0] as number[],
  mapFrom: [0] as number[],
  pts: [] as string[],
  maps: [] as string[],
};

/**
 * Reads a body's lines into {@link scan}: line by line, decoding only the tokens of c=, m= and
 * a=rtpmap lines it keeps. Never throws.
 */
function scanSdp(body: Uint8Array): void {
  const b = body.length > 65536 ? body.subarray(0, 65536) : body;
  const n = b.length;
  const S = scan;
  let address: string | null = null;
  let sessionDir: SdpMedia['direction'] = 'sendrecv';
  let m = 0; // streams so far (the open one is m - 1)
  let npt = 0;
  let nmap = 0;
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
        S.ptFrom[m] = npt;
        S.mapFrom[m] = nmap;
        let i = skipBlank(b, vs, e);
        let j = tokenEnd(b, i, e);
        S.type[m] = text(b, i, j);
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
        S.port[m] = port;
        i = skipBlank(b, j, e);
        j = tokenEnd(b, i, e); // proto
        for (i = skipBlank(b, j, e); i < e; i = skipBlank(b, j, e)) {
          j = tokenEnd(b, i, e);
          S.pts[npt++] = ptText(b, i, j);
        }
        S.addr[m] = address;
        S.dir[m] = sessionDir;
        m++;
      } else if (k === 99) {
        // c=IN IP4 <addr>[/ttl]
        let i = skipBlank(b, vs, e);
        i = skipBlank(b, tokenEnd(b, i, e), e);
        i = skipBlank(b, tokenEnd(b, i, e), e);
        let j = i;
        while (j < e && b[j] !== 32 && b[j] !== 9 && b[j] !== 47) j++;
        const a = text(b, i, j);
        if (m > 0) S.addr[m - 1] = a;
        else address = a;
      } else if (k === 97) {
        const c0 = b[vs];
        if (c0 === 114 /* r */ && startsWith(b, vs, e, 'rtpmap:')) {
          if (m > 0) {
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
              S.maps[nmap++] = ptText(b, ps, sp);
              S.maps[nmap++] = lower ? upper(name) : name;
            }
          }
        } else if (e - vs === 8) {
          // (a direction attribute starts with s, r or i: a=ptime:20 and the like are not compared)
          if (c0 === 115 || c0 === 114 || c0 === 105)
            for (const d of DIRECTIONS) {
              if (startsWith(b, vs, e, d)) {
                if (m > 0) S.dir[m - 1] = d;
                else sessionDir = d;
              }
            }
        } else if (!ice && c0 === 99 /* c */ && startsWith(b, vs, e, 'candidate:')) ice = true;
      }
    }
    ls = next;
  }
  S.ptFrom[m] = npt;
  S.mapFrom[m] = nmap;
  S.n = m;
  S.seen = seen;
  S.ice = ice;
  S.address = address;
}

/** Codec name of payload type `pt` of {@link scan}'s stream `i`: its last rtpmap line's, else the static table's. */
function codecOf(i: number, pt: string): string {
  const maps = scan.maps;
  for (let k = scan.mapFrom[i + 1]! - 2; k >= scan.mapFrom[i]!; k -= 2)
    if (maps[k] === pt) return maps[k + 1]!;
  return STATIC_PT[pt] ?? pt;
}

/**
 * Reads the SDP summary of a body, or null when it holds no `v=`/`o=`/`s=`/`m=` lines. Scans bytes
 * line by line and decodes only the tokens of c=, m= and a=rtpmap lines it keeps.
 */
export function summarizeSdp(body: Uint8Array): SdpSummary | null {
  scanSdp(body);
  const S = scan;
  if (!S.seen) return null;
  const media: SdpMedia[] = [];
  for (let i = 0; i < S.n; i++) {
    const from = S.ptFrom[i]!;
    const codecs = new Array<string>(S.ptFrom[i + 1]! - from);
    for (let k = 0; k < codecs.length; k++) codecs[k] = codecOf(i, S.pts[from + k]!);
    media.push({ type: S.type[i]!, port: S.port[i]!, address: S.addr[i]!, codecs, direction: S.dir[i]! });
  }
  return { address: S.address, media, ice: S.ice };
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
  /** The session-level c= address (`SdpSummary.address`). */
  address: string | null;
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
 * same key) without its key being made. `codecs[0,n)`: the list (a scratch array, not kept).
 */
function shared(codecs: string[], n: number, lists: CodecLists): string[] {
  const last = lists.last;
  if (last !== null && last.length === n) {
    let i = 0;
    while (i < n && last[i] === codecs[i]) i++;
    if (i === n) return last;
  }
  const own = codecs.slice(0, n);
  const key = own.join('\n');
  const known = lists.byKey.get(key);
  if (known !== undefined) return (lists.last = known);
  if (lists.byKey.size < LISTS_MAX) {
    lists.byKey.set(key, own);
    lists.last = own;
  }
  return own;
}

/** Distinct codec lists kept by one cache (beyond them, lists are not shared). */
const LISTS_MAX = 4096;

/** Voice codecs of the stream being read (see {@link sdpFacts}; a scratch list, never emptied). */
const voiceScratch: string[] = [];

/**
 * The facts of a body, or null when it holds no `v=`/`o=`/`s=`/`m=` lines: what the analysis reads
 * from `summarizeSdp(body)` (`mediaEndpoints`, `voiceCodecs`, `isHold` and the addresses), taken
 * from the same scan's columns with no summary, stream or codec objects made per body (codecs are
 * named only for the live audio streams, the ones `voiceCodecs` reads).
 */
function sdpFacts(body: Uint8Array, lists: CodecLists): SdpFacts | null {
  scanSdp(body);
  const S = scan;
  if (!S.seen) return null;
  const address = S.address;
  let zero = address === '0.0.0.0';
  let hold = zero;
  let audio = -1;
  let first = -1;
  let liveAudio = -1;
  const endpoints: string[] = [];
  const voice = voiceScratch;
  let nv = 0;
  for (let i = 0; i < S.n; i++) {
    const a = S.addr[i]!;
    const port = S.port[i]!;
    const isAudio = S.type[i] === 'audio';
    if (a === '0.0.0.0') zero = true;
    if (audio < 0 && isAudio) audio = i;
    if (port > 0) {
      if (a) {
        if (first < 0) first = i;
        endpoints.push(`${a}:${port}`);
      }
      const d = S.dir[i];
      if (d === 'sendonly' || d === 'inactive' || a === '0.0.0.0') hold = true;
      if (isAudio) {
        if (liveAudio < 0) liveAudio = i;
        for (let k = S.ptFrom[i]!; k < S.ptFrom[i + 1]!; k++) {
          const c = codecOf(i, S.pts[k]!);
          if (AUXILIARY_CODECS.has(c)) continue;
          let v = 0;
          while (v < nv && voice[v] !== c) v++;
          if (v === nv) voice[nv++] = c;
        }
      }
    }
  }
  return {
    address,
    endpoints,
    voice: shared(voice, nv, lists),
    hold,
    zeroAddress: zero,
    audioAddress: audio >= 0 ? (S.addr[audio] ?? address) : address,
    firstAddress: first >= 0 ? S.addr[first]! : address,
    liveAudioAddress: liveAudio >= 0 ? (S.addr[liveAudio] ?? address) : address,
    hasLiveAudio: liveAudio >= 0,
    ice: S.ice,
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
    const f = sdpFacts(start === 0 && end === buf.length ? buf : buf.subarray(start, end), this.#lists);
    if (!f) return null;
    this.#keys[slot] = key;
    this.#facts[slot] = f;
    return f;
  }
}
