/** readSdpCached gives what readSdp gives, whatever the sequence of bodies (the o= line ignored only). */
import { describe, expect, it } from 'vitest';
import { type SdpMemo, buildSdp, readSdp, readSdpCached } from '../../../src/sip-core/elements/ua/sdp';

describe('readSdpCached', () => {
  it('agrees with readSdp on bodies that differ in the o= line, the address, the port or the direction', () => {
    const bodies: string[] = [];
    for (const ip of ['192.0.2.10', '192.0.2.11'])
      for (const port of [49170, 49172])
        for (const direction of ['sendrecv', 'sendonly', 'inactive'] as const)
          for (const sessionId of [1, 22, 333])
            bodies.push(buildSdp({ user: 'alice', sessionId, version: sessionId, ip, port, direction }));
    bodies.push(
      'v=0\r\nc=IN IP4 198.51.100.1\r\nm=audio 5004 RTP/AVP 0\r\n',
      'o=x 1 1 IN IP4 h\nc=IN IP4 h2\n',
      '',
    );
    // every order that matters: each body after each other one
    const memo: SdpMemo = { last: null };
    for (const a of bodies)
      for (const b of bodies) {
        readSdpCached(a, memo);
        expect(readSdpCached(b, memo)).toEqual(readSdp(b));
      }
  });
});
