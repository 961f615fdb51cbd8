/**
 * SDP session descriptions — RFC 4566 / RFC 8866 §5 (lines v o s i u e p c b t r z k a m), with the
 * attributes SIP analysis needs: rtpmap, fmtp, direction (RFC 3264 §5.1), ptime, maxptime, rtcp
 * (RFC 3605), mid and group (RFC 5888), ssrc (RFC 5576), setup (RFC 4145), fingerprint (RFC 8122),
 * ice-ufrag / ice-pwd / candidate (RFC 8839), crypto (RFC 4568). Unknown attributes are kept.
 * @remarks Lenient: every line is kept with its span; what is wrong is flagged (layer `sdp`).
 * IPv6 addresses in SDP carry no brackets (RFC 5118 §4.6).
 * https://www.rfc-editor.org/rfc/rfc8866#section-5
 */
import type { Diagnostic, Span } from '../diagnostic';
import { diag, type Decoded } from './headers/decoded';
import { isIpv4, parseIpv6Groups } from './uri';

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpLine {
  type: string;
  value: string;
  /** Span of the whole line (without its line ending) in the text passed in. */
  span: Span;
}

export interface SdpOrigin {
  username: string;
  sessId: string;
  sessVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** c= — RFC 8866 §5.7: `<nettype> <addrtype> <connection-address>` (multicast `/ttl/count`). */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
  ttl: number | null;
  count: number | null;
  span: Span;
}

export interface SdpBandwidth {
  type: string;
  value: number;
}

export interface SdpTiming {
  start: number;
  stop: number;
  repeats: string[];
}

export interface SdpAttribute {
  name: string;
  /** Text after the first ":", or null for a property attribute (`a=recvonly`). */
  value: string | null;
  span: Span;
}

export interface SdpRtpmap {
  payloadType: string;
  encoding: string;
  /** null when the line omits it (e.g. RFC 4475's `a=rtpmap:31 LPC`), flagged. */
  clockRate: number | null;
  channels: number | null;
}

export interface SdpCrypto {
  tag: number;
  suite: string;
  keyParams: string;
  sessionParams: string[];
}

/** a=candidate — RFC 8839 §5.1. */
export interface SdpCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: string;
  relAddr: string | null;
  relPort: number | null;
  extensions: Array<[string, string]>;
}

export interface SdpSsrc {
  id: number;
  attribute: string;
  value: string | null;
}

export interface SdpGroup {
  semantics: string;
  mids: string[];
}

/** The attributes both levels share. */
export interface SdpCommon {
  information: string | null;
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  key: string | null;
  attributes: SdpAttribute[];
  direction: SdpDirection | null;
  setup: string | null;
  fingerprints: Array<{ hash: string; value: string }>;
  iceUfrag: string | null;
  icePwd: string | null;
}

/** One m= section. */
export interface SdpMedia extends SdpCommon {
  media: string;
  port: number;
  portCount: number | null;
  proto: string;
  formats: string[];
  rtpmaps: SdpRtpmap[];
  fmtps: Array<{ format: string; params: string }>;
  ptime: number | null;
  maxptime: number | null;
  rtcp: { port: number; netType: string | null; addrType: string | null; address: string | null } | null;
  rtcpMux: boolean;
  mid: string | null;
  ssrcs: SdpSsrc[];
  candidates: SdpCandidate[];
  crypto: SdpCrypto[];
  span: Span;
}

export interface SdpSession extends SdpCommon {
  version: number | null;
  origin: SdpOrigin | null;
  sessionName: string | null;
  uri: string | null;
  emails: string[];
  phones: string[];
  timings: SdpTiming[];
  timeZones: string | null;
  groups: SdpGroup[];
  media: SdpMedia[];
  /** Every line, in order, including unknown ones. */
  lines: SdpLine[];
}

const R = (s: string) => `4566 §${s}`;

/** Order of session-level lines — RFC 8866 §5 (`v o s i u e p c b t r z k a`, then `m`). */
const SESSION_RANK: Record<string, number> = {
  v: 0,
  o: 1,
  s: 2,
  i: 3,
  u: 4,
  e: 5,
  p: 6,
  c: 7,
  b: 8,
  t: 9,
  r: 10,
  z: 11,
  k: 12,
  a: 13,
};
/** Order of media-level lines — RFC 8866 §5 (`m i c b k a`). */
const MEDIA_RANK: Record<string, number> = { m: 0, i: 1, c: 2, b: 3, k: 4, a: 5 };

const ONCE_SESSION: Record<string, number> = { v: 1, o: 2, s: 4, i: 8, u: 16, c: 32, z: 64, k: 128 };
const ONCE_MEDIA: Record<string, number> = { i: 1, k: 2 };

const SECTION: Record<string, string> = {
  v: '5.1',
  o: '5.2',
  s: '5.3',
  i: '5.4',
  u: '5.5',
  e: '5.6',
  p: '5.6',
  c: '5.7',
  b: '5.8',
  t: '5.9',
  r: '5.10',
  z: '5.11',
  k: '5.12',
  a: '5.13',
  m: '5.14',
};

function splitWs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    const st = i;
    while (i < n && s.charCodeAt(i) !== 32) i++;
    if (i > st) out.push(s.slice(st, i));
  }
  return out;
}

function uint(s: string | undefined): number {
  if (s === undefined || s.length === 0) return NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  return n;
}

function isMulticast4(a: string): boolean {
  const first = uint(a.split('.')[0]);
  return first >= 224 && first <= 239;
}

function parseConnection(v: string, span: Span, diags: Diagnostic[]): SdpConnection | null {
  const f = splitWs(v);
  if (f.length !== 3) {
    diags.push(
      diag(
        'sdp-bad-connection',
        `c= "${v}" is not "<nettype> <addrtype> <address>".`,
        R('5.7'),
        span,
        'error',
        'sdp',
      ),
    );
    if (f.length < 3) return null;
  }
  const [netType, addrType, addrField] = f as [string, string, string];
  const parts = addrField.split('/');
  const address = parts[0]!;
  let ttl: number | null = null;
  let count: number | null = null;
  if (addrType === 'IP4') {
    if (parts.length >= 2) ttl = uint(parts[1]);
    if (parts.length >= 3) count = uint(parts[2]);
    if (!isIpv4(address) && !/^[A-Za-z0-9.-]+$/.test(address)) {
      diags.push(
        diag(
          'sdp-bad-connection',
          `c= address "${address}" is not an IPv4 address or FQDN.`,
          R('5.7'),
          span,
          'error',
          'sdp',
        ),
      );
    } else if (isIpv4(address) && isMulticast4(address) && ttl === null) {
      diags.push(
        diag(
          'sdp-multicast-no-ttl',
          `IPv4 multicast c= address "${address}" has no TTL.`,
          R('5.7'),
          span,
          'error',
          'sdp',
        ),
      );
    } else if (isIpv4(address) && !isMulticast4(address) && parts.length > 1) {
      diags.push(
        diag(
          'sdp-bad-connection',
          `TTL or count on unicast address "${address}".`,
          R('5.7'),
          span,
          'warning',
          'sdp',
        ),
      );
    }
  } else if (addrType === 'IP6') {
    if (parts.length >= 2) count = uint(parts[1]);
    if (address.startsWith('[')) {
      diags.push(
        diag(
          'sdp-ipv6-brackets',
          `IPv6 address "${address}" must not be bracketed in SDP.`,
          '5118 §4.6',
          span,
          'error',
          'sdp',
        ),
      );
    } else if (parseIpv6Groups(address) === null && !/^[A-Za-z0-9.-]+$/.test(address)) {
      diags.push(
        diag(
          'sdp-bad-connection',
          `c= address "${address}" is not an IPv6 address or FQDN.`,
          R('5.7'),
          span,
          'error',
          'sdp',
        ),
      );
    }
  } else {
    diags.push(
      diag('sdp-unknown-addrtype', `Unknown address type "${addrType}".`, R('5.7'), span, 'info', 'sdp'),
    );
  }
  if (netType !== 'IN')
    diags.push(
      diag('sdp-unknown-nettype', `Unknown network type "${netType}".`, R('5.7'), span, 'info', 'sdp'),
    );
  if ((ttl !== null && (Number.isNaN(ttl) || ttl > 255)) || (count !== null && Number.isNaN(count))) {
    diags.push(
      diag(
        'sdp-bad-connection',
        `Bad TTL or address count in "${addrField}".`,
        R('5.7'),
        span,
        'error',
        'sdp',
      ),
    );
  }
  return {
    netType,
    addrType,
    address,
    ttl: ttl !== null && Number.isNaN(ttl) ? null : ttl,
    count: count !== null && Number.isNaN(count) ? null : count,
    span,
  };
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Applies a=… attributes shared by both levels; returns true if recognised. */
function commonAttr(target: SdpCommon, a: SdpAttribute, diags: Diagnostic[]): boolean {
  const { name, value } = a;
  if (DIRECTIONS.has(name)) {
    if (target.direction !== null && target.direction !== name) {
      diags.push(
        diag(
          'sdp-conflicting-direction',
          `Both a=${target.direction} and a=${name}.`,
          '3264 §5.1',
          a.span,
          'warning',
          'sdp',
        ),
      );
    }
    target.direction = name as SdpDirection;
    return true;
  }
  switch (name) {
    case 'setup':
      target.setup = value;
      if (!value || !['active', 'passive', 'actpass', 'holdconn'].includes(value)) {
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=setup value "${value}" is not active/passive/actpass/holdconn.`,
            '4145 §4',
            a.span,
            'warning',
            'sdp',
          ),
        );
      }
      return true;
    case 'fingerprint': {
      const f = splitWs(value ?? '');
      if (f.length !== 2)
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=fingerprint "${value}" is not "<hash-func> <fingerprint>".`,
            '8122 §5',
            a.span,
            'warning',
            'sdp',
          ),
        );
      else target.fingerprints.push({ hash: f[0]!.toLowerCase(), value: f[1]! });
      return true;
    }
    case 'ice-ufrag':
      target.iceUfrag = value;
      return true;
    case 'ice-pwd':
      target.icePwd = value;
      return true;
  }
  return false;
}

function badAttr(a: SdpAttribute, diags: Diagnostic[], what: string, rfc: string): void {
  diags.push(
    diag('sdp-bad-attribute', `a=${a.name}:${a.value ?? ''} — ${what}.`, rfc, a.span, 'warning', 'sdp'),
  );
}

function mediaAttr(m: SdpMedia, a: SdpAttribute, diags: Diagnostic[]): void {
  if (commonAttr(m, a, diags)) return;
  const v = a.value ?? '';
  switch (a.name) {
    case 'rtpmap': {
      // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
      const sp = v.indexOf(' ');
      const pt = sp > 0 ? v.slice(0, sp) : '';
      const enc =
        sp > 0
          ? v
              .slice(sp + 1)
              .trim()
              .split('/')
          : [];
      const rate = uint(enc[1]);
      if (!pt || !enc[0]) {
        badAttr(a, diags, 'expected "<payload type> <encoding>/<clock rate>[/<channels>]"', R('6'));
        return;
      }
      if (Number.isNaN(rate)) badAttr(a, diags, 'no clock rate after the encoding name', R('6'));
      const ch = enc.length > 2 ? uint(enc[2]) : null;
      m.rtpmaps.push({
        payloadType: pt,
        encoding: enc[0],
        clockRate: Number.isNaN(rate) ? null : rate,
        channels: ch !== null && Number.isNaN(ch) ? null : ch,
      });
      if (!m.formats.includes(pt)) {
        diags.push(
          diag(
            'sdp-rtpmap-unknown-format',
            `a=rtpmap for payload type ${pt}, which is not in the m= line.`,
            R('6'),
            a.span,
            'warning',
            'sdp',
          ),
        );
      }
      return;
    }
    case 'fmtp': {
      const sp = v.indexOf(' ');
      if (sp <= 0) {
        badAttr(a, diags, 'expected "<format> <format specific parameters>"', R('6'));
        return;
      }
      m.fmtps.push({ format: v.slice(0, sp), params: v.slice(sp + 1).trim() });
      return;
    }
    case 'ptime':
    case 'maxptime': {
      const n = Number(v);
      if (!v || !Number.isFinite(n) || n <= 0)
        badAttr(a, diags, 'expected a positive number of milliseconds', R('6'));
      else if (a.name === 'ptime') m.ptime = n;
      else m.maxptime = n;
      return;
    }
    case 'rtcp': {
      // RFC 3605 §2.1: a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
      const f = splitWs(v);
      const port = uint(f[0]);
      if (Number.isNaN(port) || port > 65535 || (f.length !== 1 && f.length !== 4)) {
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=rtcp:${v} is not "<port> [<nettype> <addrtype> <address>]".`,
            '3605 §2.1',
            a.span,
            'warning',
            'sdp',
          ),
        );
        return;
      }
      m.rtcp = { port, netType: f[1] ?? null, addrType: f[2] ?? null, address: f[3] ?? null };
      return;
    }
    case 'rtcp-mux':
      m.rtcpMux = true;
      return;
    case 'mid':
      m.mid = v;
      return;
    case 'ssrc': {
      // RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>]
      const sp = v.indexOf(' ');
      const id = uint(sp > 0 ? v.slice(0, sp) : v);
      if (Number.isNaN(id) || sp < 0) {
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=ssrc:${v} is not "<ssrc-id> <attribute>[:<value>]".`,
            '5576 §4.1',
            a.span,
            'warning',
            'sdp',
          ),
        );
        return;
      }
      const rest = v.slice(sp + 1);
      const c = rest.indexOf(':');
      m.ssrcs.push({
        id,
        attribute: c >= 0 ? rest.slice(0, c) : rest,
        value: c >= 0 ? rest.slice(c + 1) : null,
      });
      return;
    }
    case 'candidate': {
      const f = splitWs(v);
      const component = uint(f[1]);
      const priority = uint(f[3]);
      const port = uint(f[5]);
      if (
        f.length < 8 ||
        f[6] !== 'typ' ||
        Number.isNaN(component) ||
        Number.isNaN(priority) ||
        Number.isNaN(port)
      ) {
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=candidate:${v} does not follow the candidate grammar.`,
            '8839 §5.1',
            a.span,
            'warning',
            'sdp',
          ),
        );
        return;
      }
      const cand: SdpCandidate = {
        foundation: f[0]!,
        component,
        transport: f[2]!,
        priority,
        address: f[4]!,
        port,
        type: f[7]!,
        relAddr: null,
        relPort: null,
        extensions: [],
      };
      for (let k = 8; k + 1 < f.length; k += 2) {
        if (f[k] === 'raddr') cand.relAddr = f[k + 1]!;
        else if (f[k] === 'rport') cand.relPort = uint(f[k + 1]);
        else cand.extensions.push([f[k]!, f[k + 1]!]);
      }
      m.candidates.push(cand);
      return;
    }
    case 'crypto': {
      // RFC 4568 §9.1: a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
      const f = splitWs(v);
      const tag = uint(f[0]);
      if (f.length < 3 || Number.isNaN(tag)) {
        diags.push(
          diag(
            'sdp-bad-attribute',
            `a=crypto:${v} is not "<tag> <suite> <key-params>".`,
            '4568 §9.1',
            a.span,
            'warning',
            'sdp',
          ),
        );
        return;
      }
      m.crypto.push({ tag, suite: f[1]!, keyParams: f[2]!, sessionParams: f.slice(3) });
      return;
    }
  }
}

/**
 * Parses an SDP body. Never throws. `value` is null only when the text holds no SDP line at all.
 * Spans are offsets in `text` (use {@link parseSdpBytes} for byte offsets).
 */
export function parseSdp(text: string): Decoded<SdpSession> {
  const diags: Diagnostic[] = [];
  const s: SdpSession = {
    information: null,
    connections: [],
    bandwidths: [],
    key: null,
    attributes: [],
    direction: null,
    setup: null,
    fingerprints: [],
    iceUfrag: null,
    icePwd: null,
    version: null,
    origin: null,
    sessionName: null,
    uri: null,
    emails: [],
    phones: [],
    timings: [],
    timeZones: null,
    groups: [],
    media: [],
    lines: [],
  };
  const n = text.length;
  let pos = 0;
  let media: SdpMedia | null = null;
  let lastRank = -1;
  let orderFlagged = false;
  let lfOnly = false;
  let blankAt = -1;
  let seenSession = 0;
  let seenMedia = 0;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let lineEnd = eol;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    else if (eol < n) lfOnly = true;
    const span = { start: pos, end: lineEnd };
    const start = pos;
    pos = eol + 1;
    if (lineEnd === start) {
      if (blankAt < 0) blankAt = start;
      continue;
    }
    if (blankAt >= 0) {
      diags.push(
        diag(
          'sdp-empty-line',
          'Empty line inside the session description.',
          R('5'),
          { start: blankAt, end: blankAt },
          'warning',
          'sdp',
        ),
      );
      blankAt = -1;
    }
    const type = text[start]!;
    if (lineEnd - start < 2 || text.charCodeAt(start + 1) !== 61) {
      diags.push(
        diag(
          'sdp-bad-line',
          `Line "${text.slice(start, lineEnd)}" is not "<type>=<value>".`,
          R('5'),
          span,
          'error',
          'sdp',
        ),
      );
      continue;
    }
    const value = text.slice(start + 2, lineEnd);
    s.lines.push({ type, value, span });

    if (s.lines.length === 1 && type !== 'v') {
      diags.push(
        diag(
          'sdp-missing-version',
          'The first line of a session description must be v=.',
          R('5.1'),
          span,
          'error',
          'sdp',
        ),
      );
    }
    // Ordering (RFC 8866 §5: "fields MUST appear in exactly the order given").
    if (type === 'm') {
      lastRank = 0;
    } else {
      const rank = media ? MEDIA_RANK[type] : SESSION_RANK[type];
      if (rank === undefined) {
        if (SECTION[type] === undefined) {
          diags.push(
            diag('sdp-unknown-line-type', `Unknown line type "${type}=".`, R('5'), span, 'warning', 'sdp'),
          );
        } else if (!orderFlagged) {
          diags.push(
            diag(
              'sdp-bad-order',
              `"${type}=" is not allowed ${media ? 'in a media section' : 'at session level'} here.`,
              R(SECTION[type] ?? '5'),
              span,
              'error',
              'sdp',
            ),
          );
          orderFlagged = true;
        }
      } else {
        if (
          rank < lastRank &&
          !orderFlagged &&
          !(type === 'r' && lastRank === SESSION_RANK.r) &&
          !(type === 't' && lastRank === SESSION_RANK.r)
        ) {
          diags.push(
            diag(
              'sdp-bad-order',
              `"${type}=" appears out of the order required by RFC 4566 §5.`,
              R('5'),
              span,
              'error',
              'sdp',
            ),
          );
          orderFlagged = true;
        }
        lastRank = rank;
      }
      // Lines that may appear at most once per section (RFC 8866 §5).
      const once = media ? ONCE_MEDIA[type] : ONCE_SESSION[type];
      if (once !== undefined) {
        const seen = media ? seenMedia : seenSession;
        if ((seen & once) !== 0) {
          diags.push(
            diag(
              'sdp-duplicate-line',
              `"${type}=" appears more than once.`,
              R(SECTION[type] ?? '5'),
              span,
              'warning',
              'sdp',
            ),
          );
        }
        if (media) seenMedia |= once;
        else seenSession |= once;
      }
    }
    const target: SdpCommon = media ?? s;
    switch (type) {
      case 'v':
        s.version = uint(value);
        if (s.version !== 0)
          diags.push(
            diag('sdp-bad-version', `v=${value}: only version 0 is defined.`, R('5.1'), span, 'error', 'sdp'),
          );
        break;
      case 'o': {
        const f = splitWs(value);
        if (f.length !== 6) {
          diags.push(
            diag('sdp-bad-origin', `o= "${value}" does not have 6 fields.`, R('5.2'), span, 'error', 'sdp'),
          );
        }
        if (f.length >= 6) {
          s.origin = {
            username: f[0]!,
            sessId: f[1]!,
            sessVersion: f[2]!,
            netType: f[3]!,
            addrType: f[4]!,
            address: f[5]!,
          };
          if (Number.isNaN(uint(f[1])) || Number.isNaN(uint(f[2]))) {
            diags.push(
              diag(
                'sdp-bad-origin',
                'o= sess-id and sess-version must be numeric.',
                R('5.2'),
                span,
                'warning',
                'sdp',
              ),
            );
          }
          if (f[5]!.startsWith('['))
            diags.push(
              diag(
                'sdp-ipv6-brackets',
                `IPv6 address "${f[5]}" must not be bracketed in SDP.`,
                '5118 §4.6',
                span,
                'error',
                'sdp',
              ),
            );
        }
        break;
      }
      case 's':
        s.sessionName = value;
        if (value.length === 0)
          diags.push(
            diag(
              'sdp-empty-session-name',
              's= must not be empty (use "s= " or "s=-").',
              R('5.3'),
              span,
              'warning',
              'sdp',
            ),
          );
        break;
      case 'i':
        target.information = value;
        break;
      case 'u':
        s.uri = value;
        break;
      case 'e':
        s.emails.push(value);
        break;
      case 'p':
        s.phones.push(value);
        break;
      case 'c': {
        const c = parseConnection(value, span, diags);
        if (c) target.connections.push(c);
        break;
      }
      case 'b': {
        const colon = value.indexOf(':');
        const bw = colon > 0 ? uint(value.slice(colon + 1)) : NaN;
        if (Number.isNaN(bw))
          diags.push(
            diag(
              'sdp-bad-bandwidth',
              `b= "${value}" is not "<bwtype>:<bandwidth>".`,
              R('5.8'),
              span,
              'error',
              'sdp',
            ),
          );
        else target.bandwidths.push({ type: value.slice(0, colon), value: bw });
        break;
      }
      case 't': {
        const f = splitWs(value);
        const a = uint(f[0]);
        const b = uint(f[1]);
        if (f.length !== 2 || Number.isNaN(a) || Number.isNaN(b)) {
          diags.push(
            diag(
              'sdp-bad-timing',
              `t= "${value}" is not "<start-time> <stop-time>".`,
              R('5.9'),
              span,
              'error',
              'sdp',
            ),
          );
        } else s.timings.push({ start: a, stop: b, repeats: [] });
        break;
      }
      case 'r':
        if (s.timings.length) s.timings[s.timings.length - 1]!.repeats.push(value);
        break;
      case 'z':
        s.timeZones = value;
        break;
      case 'k':
        target.key = value;
        diags.push(
          diag('sdp-key-field', 'k= is obsolete and must not be used.', '8866 §5.12', span, 'info', 'sdp'),
        );
        break;
      case 'a': {
        const colon = value.indexOf(':');
        const a: SdpAttribute = {
          name: colon >= 0 ? value.slice(0, colon) : value,
          value: colon >= 0 ? value.slice(colon + 1) : null,
          span,
        };
        target.attributes.push(a);
        if (media) mediaAttr(media, a, diags);
        else if (!commonAttr(s, a, diags) && a.name === 'group') {
          const f = splitWs(a.value ?? '');
          if (f.length === 0)
            diags.push(
              diag('sdp-bad-attribute', 'a=group without semantics.', '5888 §5', span, 'warning', 'sdp'),
            );
          else s.groups.push({ semantics: f[0]!, mids: f.slice(1) });
        }
        break;
      }
      case 'm': {
        if (s.timings.length === 0 && !s.media.length) {
          diags.push(
            diag(
              'sdp-missing-timing',
              'No t= line before the first media section.',
              R('5.9'),
              span,
              'error',
              'sdp',
            ),
          );
        }
        const f = splitWs(value);
        const portField = f[1] ?? '';
        const slash = portField.indexOf('/');
        const port = uint(slash >= 0 ? portField.slice(0, slash) : portField);
        const count = slash >= 0 ? uint(portField.slice(slash + 1)) : null;
        if (f.length < 4 || Number.isNaN(port) || port > 65535 || (count !== null && Number.isNaN(count))) {
          diags.push(
            diag(
              'sdp-bad-media',
              `m= "${value}" is not "<media> <port>[/<count>] <proto> <fmt> ...".`,
              R('5.14'),
              span,
              'error',
              'sdp',
            ),
          );
        }
        media = {
          information: null,
          connections: [],
          bandwidths: [],
          key: null,
          attributes: [],
          direction: null,
          setup: null,
          fingerprints: [],
          iceUfrag: null,
          icePwd: null,
          media: f[0] ?? '',
          port: Number.isNaN(port) ? 0 : port,
          portCount: count !== null && !Number.isNaN(count) ? count : null,
          proto: f[2] ?? '',
          formats: f.slice(3),
          rtpmaps: [],
          fmtps: [],
          ptime: null,
          maxptime: null,
          rtcp: null,
          rtcpMux: false,
          mid: null,
          ssrcs: [],
          candidates: [],
          crypto: [],
          span: { start, end: lineEnd },
        };
        s.media.push(media);
        orderFlagged = false;
        seenMedia = 0;
        break;
      }
    }
    if (media) media.span.end = lineEnd;
  }
  if (s.lines.length === 0) {
    diags.push(
      diag('sdp-empty', 'The session description is empty.', R('5'), { start: 0, end: n }, 'error', 'sdp'),
    );
    return { value: null, diagnostics: diags };
  }
  if (s.version === null)
    diags.push(diag('sdp-missing-version', 'No v= line.', R('5.1'), undefined, 'error', 'sdp'));
  if (s.origin === null)
    diags.push(diag('sdp-missing-origin', 'No usable o= line.', R('5.2'), undefined, 'error', 'sdp'));
  if (s.sessionName === null)
    diags.push(diag('sdp-missing-session-name', 'No s= line.', R('5.3'), undefined, 'error', 'sdp'));
  if (s.timings.length === 0 && s.media.length === 0) {
    diags.push(diag('sdp-missing-timing', 'No t= line.', R('5.9'), undefined, 'error', 'sdp'));
  }
  for (const m of s.media) {
    if (m.connections.length === 0 && s.connections.length === 0) {
      diags.push(
        diag(
          'sdp-missing-connection',
          `m=${m.media} has no c= line and there is no session-level c=.`,
          R('5.7'),
          m.span,
          'error',
          'sdp',
        ),
      );
    }
  }
  if (lfOnly)
    diags.push(
      diag(
        'sdp-lf-line-ending',
        'Lines end in LF instead of CRLF (tolerated).',
        R('5'),
        undefined,
        'info',
        'sdp',
      ),
    );
  return { value: s, diagnostics: diags };
}

/** Parses SDP from body bytes; text is read as Latin-1 so spans are byte offsets. */
export function parseSdpBytes(bytes: Uint8Array, span?: Span): Decoded<SdpSession> {
  const start = span?.start ?? 0;
  const end = span?.end ?? bytes.length;
  let text = '';
  for (let i = start; i < end; i += 8192)
    text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  const d = parseSdp(text);
  if (start !== 0) {
    for (const x of d.diagnostics)
      if (x.span) x.span = { start: x.span.start + start, end: x.span.end + start };
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Helpers for analysis and views

/** The connection that applies to a media section: its own c= or else the session-level c= (RFC 8866 §5.7). */
export function effectiveConnection(session: SdpSession, media: SdpMedia): SdpConnection | null {
  return media.connections[0] ?? session.connections[0] ?? null;
}

/**
 * The direction of a media section — RFC 3264 §5.1/§6.1: the media-level attribute, else the
 * session-level one, else sendrecv. A port of 0 (stream rejected or disabled, RFC 3264 §6) gives
 * `inactive`.
 */
export function effectiveDirection(session: SdpSession, media: SdpMedia): SdpDirection {
  if (media.port === 0) return 'inactive';
  return media.direction ?? session.direction ?? 'sendrecv';
}

/** True for the RFC 2543 hold convention: connection address 0.0.0.0 (RFC 3264 §8.4). */
export function isLegacyHold(session: SdpSession, media: SdpMedia): boolean {
  return effectiveConnection(session, media)?.address === '0.0.0.0';
}

export interface SdpCodec {
  payloadType: string;
  encoding: string;
  clockRate: number | null;
  channels: number | null;
  fmtp: string | null;
  /** True when the name came from the RFC 3551 static payload table rather than a=rtpmap. */
  static: boolean;
}

/** RFC 3551 §6 static payload types (audio and video). */
const STATIC_PT: Record<string, [string, number, number | null]> = {
  '0': ['PCMU', 8000, 1],
  '3': ['GSM', 8000, 1],
  '4': ['G723', 8000, 1],
  '5': ['DVI4', 8000, 1],
  '6': ['DVI4', 16000, 1],
  '7': ['LPC', 8000, 1],
  '8': ['PCMA', 8000, 1],
  '9': ['G722', 8000, 1],
  '10': ['L16', 44100, 2],
  '11': ['L16', 44100, 1],
  '12': ['QCELP', 8000, 1],
  '13': ['CN', 8000, 1],
  '14': ['MPA', 90000, null],
  '15': ['G728', 8000, 1],
  '16': ['DVI4', 11025, 1],
  '17': ['DVI4', 22050, 1],
  '18': ['G729', 8000, 1],
  '25': ['CelB', 90000, null],
  '26': ['JPEG', 90000, null],
  '28': ['nv', 90000, null],
  '31': ['H261', 90000, null],
  '32': ['MPV', 90000, null],
  '33': ['MP2T', 90000, null],
  '34': ['H263', 90000, null],
};

/**
 * The a=rtpmap value of an RFC 3551 static payload type (`0` → `PCMU/8000`, `10` → `L16/44100/2`),
 * as a relay that writes every codec's rtpmap (rtpengine) adds it; null for a dynamic or unknown one.
 */
export function staticRtpmap(pt: string): string | null {
  const e = Object.hasOwn(STATIC_PT, pt) ? STATIC_PT[pt] : undefined;
  if (!e) return null;
  const [enc, rate, ch] = e;
  return ch !== null && ch > 1 ? `${enc}/${rate}/${ch}` : `${enc}/${rate}`;
}

/** The codecs offered in a media section, in m= order (rtpmap first, then the RFC 3551 static table). */
export function mediaCodecs(media: SdpMedia): SdpCodec[] {
  const out: SdpCodec[] = [];
  for (const pt of media.formats) {
    const map = media.rtpmaps.find((r) => r.payloadType === pt);
    const fmtp = media.fmtps.find((f) => f.format === pt)?.params ?? null;
    if (map)
      out.push({
        payloadType: pt,
        encoding: map.encoding,
        clockRate: map.clockRate,
        channels: map.channels,
        fmtp,
        static: false,
      });
    else if (Object.hasOwn(STATIC_PT, pt) && media.proto.includes('RTP/')) {
      // (hasOwn: a format `constructor` or `toString` is not a payload type of the table)
      const [enc, rate, ch] = STATIC_PT[pt]!;
      out.push({ payloadType: pt, encoding: enc, clockRate: rate, channels: ch, fmtp, static: true });
    } else out.push({ payloadType: pt, encoding: pt, clockRate: null, channels: null, fmtp, static: false });
  }
  return out;
}
