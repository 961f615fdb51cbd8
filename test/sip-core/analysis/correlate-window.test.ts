/**
 * B2BUA leg correlation by SDP media (call/correlate.ts, rule `sdp-media`): a new leg's offer joins the
 * recent leg with the same media address:port when it is sent by the element that leg went to, within
 * 10 s of that leg's offer. Recent offers are pruned oldest first (in the order they were offered; an
 * endpoint offered again moves to the end with its new time), stopping at the first within the window.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

interface Leg {
  t: number;
  from: string;
  to: string;
  callId: string;
  media: string;
}

function invite(l: Leg): string {
  const [addr, port] = l.media.split(':');
  return `@ ${l.t.toFixed(6)} ${l.from}:5060 > ${l.to}:5060
INVITE sip:bob@${l.to}:5060 SIP/2.0
Via: SIP/2.0/UDP ${l.from}:5060;branch=z9hG4bK-${l.callId}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=f-${l.callId}
To: <sip:bob@example.com>
Call-ID: ${l.callId}
CSeq: 1 INVITE
Contact: <sip:alice@${l.from}:5060>
Content-Type: application/sdp
Content-Length: auto

v=0
o=- 1 1 IN IP4 ${addr}
s=-
c=IN IP4 ${addr}
t=0 0
m=audio ${port} RTP/AVP 0
a=sendrecv
`;
}

/** The media links of the calls analysed from these legs, as `a>b`. */
function mediaLinks(legs: Leg[]): string[] {
  const a = analyzeTrace(traceFromMessages(parseFixture(legs.map(invite).join('\n'))));
  const out: string[] = [];
  for (const c of a.calls()) for (const l of c.links) if (l.reason === 'sdp-media') out.push(`${l.a}>${l.b}`);
  return out.sort();
}

const M = '203.0.113.7:4000';

describe('sdp-media correlation window', () => {
  it('does not join a call that ended before the new one began (sequential calls reusing a media port)', () => {
    // SIPp's calls one after another from one host all offer 127.0.0.1:6000 (sipp-udp.pcap.gz): each
    // call's BYE comes before the next INVITE, so none is a leg of another.
    const call = (t: number, id: string, from: string, to: string): string =>
      `${invite({ t, from, to, callId: id, media: '127.0.0.1:6000' })}
@ ${(t + 0.1).toFixed(6)} ${from}:5060 > ${to}:5060
BYE sip:bob@${to}:5060 SIP/2.0
Via: SIP/2.0/UDP ${from}:5060;branch=z9hG4bK-bye-${id}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=f-${id}
To: <sip:bob@example.com>;tag=t-${id}
Call-ID: ${id}
CSeq: 2 BYE
Content-Length: 0
`;
    const links = (text: string): string[] => {
      const a = analyzeTrace(traceFromMessages(parseFixture(text)));
      return a.calls().flatMap((c) => c.links.map((l) => `${l.a}>${l.b}:${l.reason}`));
    };
    const lo = '127.0.0.1';
    expect(
      links([call(0, 'c1', lo, lo), call(0.2, 'c2', lo, lo), call(0.4, 'c3', lo, lo)].join('\n')),
    ).toEqual([]);
    // ...while a leg still in progress is joined: the B2BUA (127.0.0.2) sends its INVITE on, no BYE yet.
    const leg1 = invite({ t: 0, from: lo, to: '127.0.0.2', callId: 'c1', media: '127.0.0.1:6000' });
    expect(links([leg1, call(0.2, 'c2', '127.0.0.2', '127.0.0.3')].join('\n'))).toEqual(['c1>c2:sdp-media']);
  });

  it('joins a leg sent by the next hop within 10 s, not after', () => {
    const a: Leg = { t: 0, from: '198.51.100.10', to: '198.51.100.40', callId: 'a', media: M };
    expect(
      mediaLinks([a, { t: 5, from: '198.51.100.40', to: '198.51.100.30', callId: 'b', media: M }]),
    ).toEqual(['a>b']);
    expect(
      mediaLinks([a, { t: 15, from: '198.51.100.40', to: '198.51.100.30', callId: 'b', media: M }]),
    ).toEqual([]);
  });

  it('keeps an endpoint offered again with its new time (moved to the end of the order)', () => {
    const legs: Leg[] = [
      { t: 0, from: '198.51.100.10', to: '198.51.100.40', callId: 'p', media: M },
      { t: 1, from: '198.51.100.12', to: '198.51.100.42', callId: 'x', media: '203.0.113.9:5000' },
      // the same media from elsewhere: not p's next hop, so no link, but the endpoint is now q's
      { t: 9, from: '198.51.100.11', to: '198.51.100.41', callId: 'q', media: M },
      { t: 15, from: '198.51.100.41', to: '198.51.100.31', callId: 'r', media: M },
    ];
    expect(mediaLinks(legs)).toEqual(['q>r']);
  });

  it('stops pruning at the first offer within the window, even when a later one is older', () => {
    const legs: Leg[] = [
      { t: 20, from: '198.51.100.10', to: '198.51.100.40', callId: 'p', media: '203.0.113.9:5000' },
      // a capture whose times go back: q is offered after p but 15 s earlier
      { t: 5, from: '198.51.100.11', to: '198.51.100.41', callId: 'q', media: M },
      { t: 26, from: '198.51.100.41', to: '198.51.100.31', callId: 'r', media: M },
    ];
    expect(mediaLinks(legs)).toEqual(['q>r']);
    // Once p is out of the window too, both go: r finds nothing.
    legs[2]!.t = 31;
    expect(mediaLinks(legs)).toEqual([]);
  });
});
