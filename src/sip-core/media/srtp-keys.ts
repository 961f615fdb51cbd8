/**
 * Which SRTP key decrypts a stream (RFC 4568 §5.1.1, §5.1.2): an offer's `a=crypto` is the key its
 * sender sends with, the answer picks one of the offer's tags and gives its own key for what it sends.
 * So a stream is decrypted with the key of its *sender's* SDP — the offerer's line with the tag the
 * answer chose, or the answerer's line.
 */
import type { MediaStreamSrtp } from '../../shared/media-stream';
import { parseSdesCrypto } from './srtp';

/** What an m= section says about SRTP (call-media.ts's announcements carry it). */
export interface SdpSecurity {
  /** The m= line's transport (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`). */
  proto: string;
  /** Its `a=crypto:` attribute values (`1 AES_CM_128_HMAC_SHA1_80 inline:...`). */
  crypto: string[];
  /** An a=fingerprint (session or media level): DTLS-SRTP. */
  fingerprint: boolean;
}

/**
 * A stream's keying for the analysis (the a=crypto text stays inside sipscope: not in the JSON).
 * `rekeys`: the sender's later a=crypto lines while the stream runs (a re-INVITE's new key), in order,
 * each with the first frame of the message that gave it.
 */
export type StreamSrtpKeys = MediaStreamSrtp & {
  crypto: string | null;
  rekeys?: { crypto: string; frame: number | null }[];
};

const savp = (a: SdpSecurity | null): boolean => a !== null && /SAVP/i.test(a.proto);

/**
 * Whether the stream is SRTP: a secure profile (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP[F]) on either
 * side, or — best-effort SRTP on RTP/AVP (Asterisk, FreeSWITCH, Cisco: RFC 4568 §5.1.2's offer of
 * a=crypto on RTP/AVP) — a=crypto on both sides: an answer without it falls back to plain RTP. With
 * one side missing from the capture, the other's a=crypto or a=fingerprint decides.
 */
function isSecure(recv: SdpSecurity | null, send: SdpSecurity | null): boolean {
  if (savp(recv) || savp(send)) return true;
  const keyed = (a: SdpSecurity): boolean => a.crypto.length > 0 || a.fingerprint;
  if (recv && send) return keyed(recv) && keyed(send);
  const one = recv ?? send;
  return one !== null && keyed(one);
}

/**
 * The keying of a stream from its receiver's and its sender's m= sections (either null when the
 * capture lacks it); null when they do not agree on SRTP (plain RTP). `keyMessage`/`keyFrame` are
 * filled by the caller.
 */
export function streamSrtpKeys(recv: SdpSecurity | null, send: SdpSecurity | null): StreamSrtpKeys | null {
  if (!isSecure(recv, send)) return null;
  const base = { suite: null, tag: null, keyMessage: null, keyFrame: null, crypto: null };
  const sendCrypto = send?.crypto ?? [];
  if (sendCrypto.length === 0) {
    if (recv?.fingerprint || send?.fingerprint)
      return {
        ...base,
        keying: 'dtls',
        problem: 'SRTP keyed by DTLS (a=fingerprint): not decryptable without the DTLS keys',
      };
    return {
      ...base,
      keying: 'none',
      problem: send
        ? 'SRTP, but no a=crypto for this direction (its sender’s SDP has none)'
        : 'SRTP, but no a=crypto for this direction (its sender’s SDP is not in the capture)',
    };
  }
  const tagOf = (t: string): string => /^(?:crypto:)?(\d+)\s/i.exec(t)?.[1] ?? '';
  const recvTags = new Set((recv?.crypto ?? []).map(tagOf));
  const line = (recvTags.size === 1 && sendCrypto.find((c) => recvTags.has(tagOf(c)))) || sendCrypto[0]!;
  const c = parseSdesCrypto(line);
  if (typeof c === 'string')
    return { ...base, keying: 'sdes', crypto: null, problem: `the sender’s a=crypto cannot be used: ${c}` };
  return { ...base, keying: 'sdes', suite: c.suite.name, tag: c.tag, crypto: line, problem: null };
}
