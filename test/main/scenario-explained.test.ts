/**
 * Every line a student steps through in the built-in scenarios is explained: each of the 52
 * scenarios is run (as the player runs it) and every method, status code, header, body type and SDP
 * line and attribute of its messages must have a meaning with its RFC (headers: HEADER_INFO or a
 * note; the rest: src/shared/explain.ts). A scenario that starts sending something new without an
 * explanation fails here.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/main/service/scenarios';
import { bodyMeaning, methodMeaning, sdpLineMeaning, statusMeaning } from '../../src/shared/explain';
import { canonicalHeaderName } from '../../src/sip-core/message/header-names';
import { headerInfo } from '../../src/sip-core/message/headers/info';

interface Seen {
  methods: Set<string>;
  statuses: Set<number>;
  headers: Set<string>;
  bodies: Set<string>;
  sdp: Map<string, string>;
}

/** What the library's scenarios send: the start lines, header names, body types and SDP lines. */
function inventory(): Seen {
  const seen: Seen = {
    methods: new Set(),
    statuses: new Set(),
    headers: new Set(),
    bodies: new Set(),
    sdp: new Map(),
  };
  const dec = new TextDecoder();
  const names = readdirSync('resources/scenarios').filter((f) => f.endsWith('.yaml'));
  expect(names).toHaveLength(52);
  for (const f of names) {
    const run = runScenario({ name: f.slice(0, -5) });
    expect(run.errors, f).toEqual([]);
    const t = run.trace!;
    for (let i = 0; i < t.count; i++) {
      const text = dec.decode(t.raw(i));
      const cut = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, cut).split('\r\n');
      const status = /^SIP\/2\.0 (\d{3}) /.exec(lines[0]!);
      if (status) seen.statuses.add(Number(status[1]));
      else seen.methods.add(lines[0]!.split(' ')[0]!);
      let type = '';
      for (const l of lines.slice(1)) {
        const name = canonicalHeaderName(l.slice(0, l.indexOf(':')).trim());
        seen.headers.add(name);
        if (name === 'content-type')
          type = l
            .slice(l.indexOf(':') + 1)
            .split(';')[0]!
            .trim()
            .toLowerCase();
      }
      if (!type) continue;
      seen.bodies.add(type);
      if (type === 'application/sdp')
        for (const l of text.slice(cut + 4).split(/\r?\n/))
          if (l) seen.sdp.set(l.startsWith('a=') ? `a=${/^[^:\s]*/.exec(l.slice(2))![0]}` : l.slice(0, 2), l);
    }
  }
  return seen;
}

describe('the scenario library, every line explained', () => {
  const seen = inventory();
  const missing = <T>(all: Iterable<T>, has: (x: T) => boolean): T[] => [...all].filter((x) => !has(x));
  const rfc = /^\d{4} §\d+(\.\d+)*$/;

  it('runs the library and finds what a student reads (a sanity check of the inventory)', () => {
    expect([...seen.methods]).toEqual(
      expect.arrayContaining(['INVITE', 'REFER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE']),
    );
    expect([...seen.statuses]).toEqual(expect.arrayContaining([100, 183, 202, 302, 407, 422, 491]));
    expect([...seen.bodies]).toEqual(
      expect.arrayContaining(['application/sdp', 'message/sipfrag', 'application/pidf+xml', 'text/plain']),
    );
    expect([...seen.sdp.keys()]).toEqual(
      expect.arrayContaining(['v=', 'o=', 'm=', 'a=rtpmap', 'a=sendonly', 'a=inactive']),
    );
  });

  it('explains every method and status code, with its RFC section', () => {
    expect(missing(seen.methods, (m) => methodMeaning(m) !== null)).toEqual([]);
    // a known code, not its class's fallback
    expect(
      missing(seen.statuses, (s) => !statusMeaning(s)?.explain.includes('not a code sipscope knows')),
    ).toEqual([]);
    for (const m of seen.methods) expect(methodMeaning(m)!.rfc, m).toMatch(rfc);
    for (const s of seen.statuses) expect(statusMeaning(s)!.rfc, String(s)).toMatch(rfc);
  });

  it('explains every header (HEADER_INFO), every body type and every SDP line and attribute', () => {
    expect(missing(seen.headers, (h) => headerInfo(h) !== null)).toEqual([]);
    expect(missing(seen.bodies, (b) => bodyMeaning(b) !== null)).toEqual([]);
    expect(missing(seen.sdp.values(), (l) => sdpLineMeaning(l) !== null)).toEqual([]);
    // application/dtmf-relay (the dtmf scenario's INFO) is a de-facto format no RFC defines: said so
    for (const b of seen.bodies)
      expect(bodyMeaning(b)!.rfc, b).toMatch(
        b === 'application/dtmf-relay' ? /^none \(vendor format\)$/ : rfc,
      );
    for (const l of seen.sdp.values()) expect(sdpLineMeaning(l)!.rfc, l).toMatch(rfc);
  });

  it('reads a line by its type or attribute name, and knows nothing of what it does not know', () => {
    expect(sdpLineMeaning('a=rtpmap:101 telephone-event/8000')?.rfc).toBe('4566 §6');
    expect(sdpLineMeaning('a=rtcp-mux')?.rfc).toBe('5761 §5.1.1');
    expect(sdpLineMeaning('b=AS:64')?.rfc).toBe('4566 §5.8');
    expect(sdpLineMeaning('a=x-vendor:1')).toBeNull();
    expect(sdpLineMeaning('a=constructor')).toBeNull();
    expect(sdpLineMeaning('m')).toBeNull();
    expect(bodyMeaning('Message/SIPfrag;version=2.0')?.rfc).toBe('3515 §2.4.5');
    expect(statusMeaning(499)).toMatchObject({ rfc: '3261 §21.4' });
    // a 200 means what its request asked: a call answered, a binding stored, a dialog ended
    expect(statusMeaning(200, 'REGISTER')).toMatchObject({ rfc: '3261 §10.3' });
    expect(statusMeaning(200, 'BYE')!.explain).toMatch(/call is over/);
    expect(statusMeaning(200, 'INVITE')!.explain).toMatch(/ACK/);
    expect(statusMeaning(200, 'MESSAGE')).toEqual(statusMeaning(200));
    expect(statusMeaning(486, 'INVITE')).toEqual(statusMeaning(486));
    expect(statusMeaning(99)).toBeNull();
    expect(methodMeaning('__proto__')).toBeNull();
  });
});
