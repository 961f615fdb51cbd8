import { describe, expect, it } from 'vitest';
import { streamSrtpKeys, type SdpSecurity } from '../../../src/sip-core/media/srtp-keys';
import { sdpAnnouncements } from '../../../src/sip-core/media/call-media';
import { srtpLine } from '../../../src/shared/media-stream';

const K1 = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const K2 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';
const K3 = 'MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0';

const sec = (body: string): SdpSecurity => sdpAnnouncements(body)[0]!;
const sdp = (lines: string): string =>
  `v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n${lines.includes('m=') ? '' : 'm=audio 4000 RTP/SAVP 0\r\n'}${lines}`;

describe('which a=crypto decrypts a stream (RFC 4568 §5.1)', () => {
  const offer = sec(
    sdp(
      `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${K1}${K1.slice(0, 21)}=\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${K2}\r\n`,
    ),
  );
  const answer = sec(sdp(`a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${K3}\r\n`));

  it('the offerer sends with its line of the tag the answer chose; the answerer with its own', () => {
    const fromOfferer = streamSrtpKeys(answer, offer)!;
    expect(fromOfferer).toMatchObject({
      keying: 'sdes',
      suite: 'AES_CM_128_HMAC_SHA1_80',
      tag: 2,
      problem: null,
    });
    expect(fromOfferer.crypto).toContain(K2);
    const fromAnswerer = streamSrtpKeys(offer, answer)!;
    expect(fromAnswerer).toMatchObject({ tag: 2, problem: null });
    expect(fromAnswerer.crypto).toContain(K3);
    expect(srtpLine({ ...fromAnswerer, keyFrame: 7 })).toBe(
      'SRTP, AES_CM_128_HMAC_SHA1_80, keys from the SDP (frame 7)',
    );
  });

  it('plain RTP: null; DTLS, no a=crypto, a bad a=crypto: why', () => {
    const plain = sec(sdp('m=audio 4000 RTP/AVP 0\r\n'));
    expect(streamSrtpKeys(plain, plain)).toBeNull();
    // a=fingerprint at session level applies to the m= line.
    const dtls = sec(sdp('a=fingerprint:sha-256 AA:BB\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n'));
    expect(dtls.fingerprint).toBe(true);
    expect(streamSrtpKeys(dtls, dtls)).toMatchObject({
      keying: 'dtls',
      problem: expect.stringContaining('DTLS'),
    });
    expect(streamSrtpKeys(answer, sec(sdp('')))).toMatchObject({
      keying: 'none',
      problem: expect.stringContaining('no a=crypto for this direction'),
    });
    expect(streamSrtpKeys(answer, null)!.problem).toContain('not in the capture');
    const bad = sec(sdp('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n'));
    expect(streamSrtpKeys(answer, bad)!.problem).toMatch(
      /cannot be used: the key of AES_CM_128_HMAC_SHA1_80 is 30 octets/,
    );
  });

  it('best-effort SRTP on RTP/AVP: SRTP only when the answer keeps a=crypto, else plain RTP', () => {
    const avpOffer = sec(
      sdp(`m=audio 4000 RTP/AVP 0 101\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K2}\r\n`),
    );
    const plainAnswer = sec(sdp('m=audio 5000 RTP/AVP 0 101\r\n'));
    // Asterisk/FreeSWITCH/Cisco fall back to plain RTP when the answer has no a=crypto.
    expect(streamSrtpKeys(plainAnswer, avpOffer)).toBeNull();
    expect(streamSrtpKeys(avpOffer, plainAnswer)).toBeNull();
    const keyedAnswer = sec(
      sdp(`m=audio 5000 RTP/AVP 0 101\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K3}\r\n`),
    );
    expect(streamSrtpKeys(keyedAnswer, avpOffer)).toMatchObject({ keying: 'sdes', problem: null });
    expect(streamSrtpKeys(avpOffer, keyedAnswer)!.crypto).toContain(K3);
    // A SAVP answer without a=crypto is still SRTP (and says why it cannot be decrypted).
    expect(streamSrtpKeys(avpOffer, sec(sdp('')))!.keying).toBe('none');
  });
});
