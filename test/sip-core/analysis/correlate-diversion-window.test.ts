/**
 * B2BUA leg correlation by Diversion / History-Info (call/correlate.ts, rules `diversion` and
 * `history-info`): a new leg whose Diversion (or first History-Info) names the Request-URI user of a
 * recent leg's first INVITE joins that leg when it is sent by the element that leg went to, within 10 s.
 * For each user the latest such leg counts; legs are pruned oldest first in the order they were offered,
 * stopping at the first within the window. The index of users is built from the recent legs the first
 * time a message names a diverting target, and kept from then on: these cases check both moments.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

interface Leg {
  t: number;
  from: string;
  to: string;
  callId: string;
  /** Request-URI user. */
  user: string;
  /** A Diversion (or History-Info, `hi`) naming this user. */
  div?: string;
  hi?: boolean;
}

function invite(l: Leg): string {
  const named = l.div === undefined ? '' : `sip:${l.div}@example.com`;
  const divLine =
    l.div === undefined
      ? ''
      : l.hi
        ? `History-Info: <${named}>;index=1\n`
        : `Diversion: <${named}>;reason=unconditional\n`;
  return `@ ${l.t.toFixed(6)} ${l.from}:5060 > ${l.to}:5060
INVITE sip:${l.user}@${l.to}:5060 SIP/2.0
Via: SIP/2.0/UDP ${l.from}:5060;branch=z9hG4bK-${l.callId}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=f-${l.callId}
To: <sip:${l.user}@example.com>
Call-ID: ${l.callId}
CSeq: 1 INVITE
Contact: <sip:alice@${l.from}:5060>
${divLine}Content-Length: 0
`;
}

/** The Diversion/History-Info links of the calls analysed from these legs, as `a>b`. */
function divLinks(legs: Leg[]): string[] {
  const a = analyzeTrace(traceFromMessages(parseFixture(legs.map(invite).join('\n'))));
  const out: string[] = [];
  for (const c of a.calls())
    for (const l of c.links)
      if (l.reason === 'diversion' || l.reason === 'history-info') out.push(`${l.a}>${l.b}:${l.reason}`);
  return out.sort();
}

const A = '198.51.100.10';
const P = '198.51.100.40';
const Q = '198.51.100.41';
const U = '198.51.100.30';

describe('diversion correlation window', () => {
  it('joins a leg sent by the next hop within 10 s, not after (index built at the first diversion)', () => {
    const a: Leg = { t: 0, from: A, to: P, callId: 'a', user: 'bob' };
    expect(divLinks([a, { t: 5, from: P, to: U, callId: 'b', user: 'carol', div: 'bob' }])).toEqual([
      'a>b:diversion',
    ]);
    expect(divLinks([a, { t: 15, from: P, to: U, callId: 'b', user: 'carol', div: 'bob' }])).toEqual([]);
    expect(divLinks([a, { t: 5, from: P, to: U, callId: 'b', user: 'carol', div: 'bob', hi: true }])).toEqual(
      ['a>b:history-info'],
    );
  });

  it('names the latest leg of a user; a pruned latest leg leaves no entry', () => {
    const legs: Leg[] = [
      { t: 0, from: A, to: P, callId: 'a1', user: 'bob' },
      { t: 3, from: A, to: Q, callId: 'a2', user: 'bob' },
      // a2 is the latest leg to bob, but Q is not the sender: no link
      { t: 6, from: P, to: U, callId: 'b', user: 'carol', div: 'bob' },
      // a1 and a2 are out of the window (and a2 was bob's latest): nothing
      { t: 14, from: Q, to: U, callId: 'c', user: 'dave', div: 'bob' },
    ];
    expect(divLinks(legs)).toEqual([]);
    legs[3]!.t = 12; // a2 is within the window: c joins it
    expect(divLinks(legs)).toEqual(['a2>c:diversion']);
  });

  it('keeps the index once built: legs after the first diversion are added and pruned', () => {
    const legs: Leg[] = [
      { t: 0, from: A, to: P, callId: 'a', user: 'bob' },
      { t: 1, from: P, to: U, callId: 'b', user: 'carol', div: 'bob' },
      { t: 2, from: A, to: Q, callId: 'c', user: 'erin' },
      { t: 3, from: A, to: P, callId: 'd', user: 'bob' },
      { t: 11, from: Q, to: U, callId: 'e', user: 'frank', div: 'erin' },
      { t: 12, from: P, to: U, callId: 'f', user: 'gina', div: 'bob' },
      { t: 14, from: P, to: U, callId: 'g', user: 'hal', div: 'bob' },
    ];
    expect(divLinks(legs)).toEqual(['a>b:diversion', 'c>e:diversion', 'd>f:diversion']);
  });

  it('stops pruning at the first leg within the window, even when a later one is older', () => {
    const legs: Leg[] = [
      { t: 20, from: A, to: Q, callId: 'p', user: 'carol' },
      // a capture whose times go back: q is offered after p but 15 s earlier
      { t: 5, from: A, to: P, callId: 'q', user: 'bob' },
      { t: 26, from: P, to: U, callId: 'r', user: 'dave', div: 'bob' },
    ];
    expect(divLinks(legs)).toEqual(['q>r:diversion']);
    // Once p is out of the window too, both go: r finds nothing.
    legs[2]!.t = 31;
    expect(divLinks(legs)).toEqual([]);
  });
});
