/**
 * A captured call as SIPp scenarios (export/sipp.ts), read as text: which messages become <send> and
 * <recv>, and which captured values become SIPp keywords. Running them with real SIPp is
 * test/interop/sipp-export.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import {
  SippExportError,
  sippExport,
  sippScenario,
  type SippMessageIn,
} from '../../../src/sip-core/analysis/export/sipp';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';

const repo = path.resolve(import.meta.dirname, '../../..');
const open = (name: string): ReturnType<typeof analyzeTrace> =>
  analyzeTrace(
    ingestBytes(new Uint8Array(readFileSync(path.join(repo, 'resources/samples', name))), name).trace,
  );
const sample = open('sample-call.pcap');

/**
 * The scenario's elements in order: `send INVITE`, `recv 180 optional`, `recv BYE timeout 1000 → due4`,
 * `send 200 → after5`, `label due4`, `recv CANCEL global`…
 */
function elements(xml: string): string[] {
  const out: string[] = [];
  const re = /<(send|recv|pause|label)\b([^>]*)>(?:\s*<!\[CDATA\[\s*(\S+)(?: (\S+))?)?/g;
  for (const m of xml.matchAll(re)) {
    const a = m[2]!;
    const next = /\bnext="([^"]+)"/.exec(a)?.[1];
    if (m[1] === 'pause') out.push(`pause ${/milliseconds="(\d+)"/.exec(a)?.[1]}`);
    else if (m[1] === 'label') out.push(`label ${/id="([^"]+)"/.exec(a)?.[1]}`);
    else if (m[1] === 'recv') {
      const what = /(?:request|response)="([^"]+)"/.exec(a)![1];
      const timeout = /timeout="(\d+)" ontimeout="([^"]+)"/.exec(a);
      out.push(
        `recv ${what}${/optional="true"/.test(a) ? ' optional' : ''}${/optional="global"/.test(a) ? ' global' : ''}${timeout ? ` timeout ${timeout[1]} → ${timeout[2]}` : ''}`,
      );
    } else out.push(`send ${m[3] === 'SIP/2.0' ? m[4] : m[3]}${next ? ` → ${next}` : ''}`);
  }
  return out;
}

/** The text of the n-th <send>. */
const sendText = (xml: string, n: number): string => [...xml.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)][n]![1]!;

describe('SIPp export of a captured call', () => {
  it("plays the caller of an answered call against the proxy, and the proxy's side as its peer", () => {
    const x = sippExport(sample, 'C1');
    expect(x.scenario.side).toBe('127.0.0.10:5060');
    expect(x.scenario.peer).toBe('127.0.0.20:5060');
    expect(x.scenario.mode).toBe('client');
    expect(elements(x.scenario.xml)).toEqual([
      'send INVITE',
      'recv 100 optional',
      'recv 180 optional',
      'recv 200',
      'send ACK',
      'send BYE',
      'recv 200',
    ]);
    expect(x.peer.mode).toBe('server');
    expect(elements(x.peer.xml)).toEqual([
      'recv INVITE',
      'send 100',
      'send 180',
      'send 200',
      'recv ACK',
      'recv BYE',
      'send 200',
    ]);
    const invite = sendText(x.scenario.xml, 0);
    expect(invite).toContain('INVITE sip:bob@[remote_ip]:[remote_port] SIP/2.0');
    expect(invite).toContain('Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]');
    expect(invite).toContain('Call-ID: [call_id]');
    expect(invite).toContain('Content-Length: [len]');
    expect(invite).toContain('Contact: <sip:alice@[local_ip]:[local_port]>');
    expect(invite).toContain('c=IN IP[media_ip_type] [media_ip]');
    expect(invite).toContain('m=audio [media_port] RTP/AVP 0 8');
    // Kept verbatim: what the capture's caller said of itself.
    expect(invite).toContain('User-Agent: SIPp sample');
    expect(invite).toContain('Subject: sample call');
    expect(invite).not.toContain('127.0.0.');
    // The 2xx gives the route set and remote target; the peer's To-tag is learned from it.
    expect(x.scenario.xml).toMatch(
      /<recv response="200" rrs="true">\s*<action>\s*<ereg .*header="To:" assign_to="peer_tag1"\/>/,
    );
    const bye = sendText(x.scenario.xml, 2);
    expect(bye).toMatch(/^\s*BYE \[next_url\] SIP\/2\.0/);
    expect(bye).toContain('[routes]');
    expect(bye).not.toMatch(/^Route:/m);
    expect(bye).toContain('To: <sip:bob@[remote_ip]:[remote_port]>[$peer_tag1]');
    // The peer answers with the request's own headers.
    const ringing = sendText(x.peer.xml, 1);
    for (const k of ['[last_Via:]', '[last_From:]', '[last_Call-ID:]', '[last_CSeq:]'])
      expect(ringing).toContain(k);
    expect(ringing).toMatch(/\[last_To:\];tag=\S+/);
    // The proxy added its Record-Route (the INVITE had none): as captured, with its own address.
    expect(ringing).toContain('Record-Route: <sip:[local_ip];lr;ftag=');
    expect(x.peer.xml).toContain('<recv request="INVITE" rrs="true"/>');
  });

  it('plays the callee (caller, callee or an address), a busy callee and an unknown user', () => {
    const callee = sippExport(sample, 'C1', { side: 'callee' });
    expect(callee.scenario.side).toBe('127.0.0.30:5060');
    expect(callee.scenario.mode).toBe('server');
    expect(elements(callee.scenario.xml)).toEqual([
      'recv INVITE',
      'send 180',
      'send 200',
      'recv ACK',
      'recv BYE',
      'send 200',
    ]);
    expect(sippExport(sample, 'C1', { side: '127.0.0.30:5060' }).scenario.xml).toBe(callee.scenario.xml);
    expect(sippExport(sample, 'C1', { side: '127.0.0.30' }).scenario.xml).toBe(callee.scenario.xml);
    const busy = sippExport(sample, 'C4');
    expect(elements(busy.scenario.xml)).toEqual(['send INVITE', 'recv 100 optional', 'recv 486', 'send ACK']);
    // The ACK of a non-2xx is part of the INVITE transaction: its branch and Request-URI (§17.1.1.3).
    const ack = sendText(busy.scenario.xml, 1);
    expect(ack).toMatch(/^\s*ACK sip:busy@\[remote_ip\]:\[remote_port\] SIP\/2\.0/);
    expect(ack).toContain('branch=[branch-3]');
    const unknown = sippExport(sample, 'C5');
    expect(elements(unknown.peer.xml)).toEqual(['recv INVITE', 'send 404', 'recv ACK']);
  });

  it('keeps the timing when asked: a pause before each message sent after a gap', () => {
    const x = sippExport(sample, 'C1', { keepTiming: true });
    expect(elements(x.scenario.xml)).toEqual([
      'send INVITE',
      'recv 100 optional',
      'recv 180 optional',
      'recv 200',
      'send ACK',
      'pause 808',
      'send BYE',
      'recv 200',
    ]);
    expect(elements(x.peer.xml)).toContain('pause 403');
  });

  it('says why not for an unknown call or side', () => {
    expect(() => sippExport(sample, 'C99')).toThrow(SippExportError);
    expect(() => sippExport(sample, 'C1', { side: '10.9.9.9:5060' })).toThrow(
      /10\.9\.9\.9:5060 is not an address of this call \(its addresses: 127\.0\.0\.10:5060, 127\.0\.0\.20:5060, 127\.0\.0\.30:5060; or caller, callee\)/,
    );
  });
});

const A = '10.0.0.1:5060';
const B = '10.0.0.2:5060';
const msg = (from: string, to: string, ms: number, lines: string[]): SippMessageIn => ({
  from,
  to,
  timeUs: ms * 1000,
  text: `${lines.join('\r\n')}\r\n\r\n`,
});
const head = (first: string, cseq: string, toTag = '', extra: string[] = []): string[] => [
  first,
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport',
  'From: <sip:a@example.com>;tag=fa',
  `To: <sip:b@example.com>${toTag}`,
  'Call-ID: x1@10.0.0.1',
  `CSeq: ${cseq}`,
  ...extra,
  'Content-Length: 0',
];

/** An INVITE answered 200 at 10 ms and the 200 sent again at 510 and 1510 ms: no ACK came. */
const unacked = (): SippMessageIn[] => {
  const ok = head('SIP/2.0 200 OK', '1 INVITE', ';tag=tb');
  return [
    msg(A, B, 0, head('INVITE sip:b@example.com SIP/2.0', '1 INVITE')),
    msg(B, A, 10, ok),
    { ...msg(B, A, 510, ok), retransmission: true },
    { ...msg(B, A, 1510, ok), retransmission: true },
  ];
};

describe('SIPp scenario from messages', () => {
  it('a cancelled call: the CANCEL and the ACK of the 487 carry the INVITE branch; the 487 after the CANCEL uses the saved INVITE headers', () => {
    const ms = [
      msg(A, B, 0, head('INVITE sip:b@example.com SIP/2.0', '1 INVITE')),
      msg(B, A, 1, head('SIP/2.0 180 Ringing', '1 INVITE', ';tag=tb')),
      msg(A, B, 5000, head('CANCEL sip:b@example.com SIP/2.0', '1 CANCEL')),
      msg(B, A, 5001, head('SIP/2.0 200 OK', '1 CANCEL', ';tag=tb')),
      msg(B, A, 5002, head('SIP/2.0 487 Request Terminated', '1 INVITE', ';tag=tb')),
      msg(A, B, 5003, head('ACK sip:b@example.com SIP/2.0', '1 ACK', ';tag=tb')),
    ];
    const caller = sippScenario(ms, A, B);
    // The 180 is the last received before a send: mandatory (SIPp wants one in each run of <recv>s).
    expect(elements(caller.xml)).toEqual([
      'send INVITE',
      'recv 180',
      'send CANCEL',
      'recv 200',
      'recv 487',
      'send ACK',
    ]);
    expect(sendText(caller.xml, 1)).toContain('branch=[branch-2]');
    expect(sendText(caller.xml, 2)).toContain('branch=[branch-5]');
    expect(sendText(caller.xml, 2)).toContain('To: <sip:b@example.com>[$peer_tag1]');
    const callee = sippScenario(ms, B, A);
    expect(callee.mode).toBe('server');
    expect(callee.xml).toMatch(/<ereg regexp="\.\*" search_in="hdr" header="CSeq:" assign_to="r0_cseq"\/>/);
    const terminated = sendText(callee.xml, 2);
    expect(terminated).toContain('CSeq: [$r0_cseq]');
    expect(terminated).toContain('Via: [$r0_via]');
    expect(terminated).toContain('To: [$r0_to];tag=tb');
    // The 200 to the CANCEL answers the last message received.
    expect(sendText(callee.xml, 1)).toContain('[last_CSeq:]');
  });

  it('retransmissions of what was never answered are sent as captured: a 200 never ACKed, a BYE without its 200; the rest are left out', () => {
    const re = (m: SippMessageIn): SippMessageIn => ({ ...m, retransmission: true });
    const bye = head('BYE sip:b@10.0.0.2 SIP/2.0', '2 BYE', ';tag=tb');
    const ms = [...unacked(), msg(A, B, 5000, bye), re(msg(A, B, 5500, bye)), re(msg(A, B, 6500, bye))];
    const caller = sippScenario(ms, A, B);
    expect(elements(caller.xml)).toEqual([
      'send INVITE',
      'recv 200',
      'send BYE',
      'pause 500',
      'send BYE',
      'pause 1000',
      'send BYE',
    ]);
    // the BYE's copies carry its branch; none of them has SIPp's own retransmissions
    expect(sendText(caller.xml, 2)).toContain('branch=[branch-2];rport');
    expect(sendText(caller.xml, 3)).toContain('branch=[branch-4];rport');
    expect(caller.xml).not.toMatch(/<send retrans="500">\s*<!\[CDATA\[\s*BYE/);
    expect(caller.xml).toContain('the peer retransmitted it 2 time(s) (after 500, 1000 ms)');
    const callee = sippScenario(ms, B, A);
    expect(elements(callee.xml)).toEqual([
      'recv INVITE',
      'send 200',
      'pause 500',
      'send 200',
      'pause 1000',
      'send 200',
      'recv BYE',
    ]);
    expect(sendText(callee.xml, 1)).toBe(sendText(callee.xml, 0));
    expect(callee.xml).toContain('a retransmission, as captured: the ACK never came');
    expect(callee.xml).toContain('the peer retransmitted it 2 time(s) (after 500, 1000 ms)');
    // an ACK that came after the copies: they are left out (a replayed peer ACKs at once)
    const late = [...ms.slice(0, 4), msg(A, B, 1600, head('ACK sip:b@10.0.0.2 SIP/2.0', '1 ACK', ';tag=tb'))];
    expect(elements(sippScenario(late, B, A).xml)).toEqual(['recv INVITE', 'send 200', 'recv ACK']);
  });

  it('a message that came while copies went: between them in both ends, the sends timed as captured, and taken if it comes before the copy is due', () => {
    // the callee's 200 never ACKed; the caller's BYE comes between the second copy and the third
    const ms = [
      ...unacked(),
      msg(A, B, 2200, head('BYE sip:b@10.0.0.2 SIP/2.0', '2 BYE', ';tag=tb')),
      msg(B, A, 2210, head('SIP/2.0 200 OK', '2 BYE', ';tag=tb')),
    ];
    const callee = sippScenario(ms, B, A);
    expect(elements(callee.xml)).toEqual([
      ...['recv INVITE', 'send 200', 'pause 500', 'send 200'],
      // the BYE, should it come before the last copy is due: that copy at once, then on after the BYE
      ...['recv BYE timeout 1000 → due3', 'send 200 → after4', 'label due3'],
      ...['send 200', 'recv BYE', 'label after4', 'send 200'],
    ]);
    // the 200 and its copies the same bytes (the INVITE's headers saved: [last_Via:] would be the
    // BYE's on the early path), each copy with its own distance to the 200's element
    const texts = [0, 1, 2, 3].map((n) => sendText(callee.xml, n));
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('Via: [$r0_via]');
    expect(sendText(callee.xml, 4)).toContain('[last_CSeq:]');
    // the caller waits as captured before its BYE (the copies it gets meanwhile: SIPp drops them)
    expect(elements(sippScenario(ms, A, B).xml)).toEqual([
      ...['send INVITE', 'recv 200', 'pause 2190', 'send BYE', 'recv 200'],
    ]);
  });

  it('what an endpoint sends when its timer gives up waits for it as captured: the BYE 0.5 s after the last copy of a re-INVITE nobody answered (Timer B)', () => {
    const reinvite = head('INVITE sip:b@10.0.0.2 SIP/2.0', '3 INVITE', ';tag=tb');
    const ms = [
      msg(A, B, 0, reinvite),
      ...[500, 1500, 3500].map((t) => ({ ...msg(A, B, t, reinvite), retransmission: true })),
      msg(A, B, 4000, head('BYE sip:b@10.0.0.2 SIP/2.0', '4 BYE', ';tag=tb')),
      msg(B, A, 4010, head('SIP/2.0 200 OK', '4 BYE', ';tag=tb')),
    ];
    expect(elements(sippScenario(ms, A, B).xml)).toEqual([
      ...[
        'send INVITE',
        'pause 500',
        'send INVITE',
        'pause 1000',
        'send INVITE',
        'pause 2000',
        'send INVITE',
      ],
      ...['pause 500', 'send BYE', 'recv 200'],
    ]);
    // the other end answers the BYE at once (it went when the BYE came)
    expect(elements(sippScenario(ms, B, A).xml)).toEqual(['recv INVITE', 'recv BYE', 'send 200']);
  });

  it("copies the other end's SIPp would not take for copies get a <recv>; the message it sends again at each copy is taken anywhere (global)", () => {
    const re = (m: SippMessageIn): SippMessageIn => ({ ...m, retransmission: true });
    const invite = head('INVITE sip:b@example.com SIP/2.0', '1 INVITE');
    const cancel = head('CANCEL sip:b@example.com SIP/2.0', '1 CANCEL');
    // nothing answers: the INVITE's copies go on after the CANCEL (and the CANCEL's own)
    const dead = [
      msg(A, B, 0, invite),
      re(msg(A, B, 500, invite)),
      msg(A, B, 1000, cancel),
      re(msg(A, B, 1500, cancel)),
      re(msg(A, B, 2500, invite)),
      re(msg(A, B, 3500, cancel)),
    ];
    // the callee's SIPp drops a copy of the message it got last, not one of an older: those are <recv>s
    expect(elements(sippScenario(dead, B, A).xml)).toEqual([
      ...['recv INVITE', 'recv CANCEL', 'recv INVITE', 'recv CANCEL'],
    ]);
    expect(sippScenario(dead, B, A).xml).toContain(
      'another message came after the first, so SIPp takes this one',
    );
    // The callee's 200s lost: the caller cancels between its copies and waits for the 487 that never
    // comes. Its replayed SIPp sends the CANCEL again at each later copy of the 200 (the message it
    // received before the CANCEL): the callee takes those anywhere, before its first receive.
    const ok = head('SIP/2.0 200 OK', '1 INVITE', ';tag=tb');
    const crossed = [
      msg(A, B, 0, invite),
      msg(B, A, 10, ok),
      re(msg(B, A, 510, ok)),
      msg(A, B, 800, cancel),
      msg(B, A, 810, head('SIP/2.0 200 OK', '1 CANCEL', ';tag=tb')),
      re(msg(B, A, 1510, ok)),
      re(msg(B, A, 3510, ok)),
      msg(A, B, 4000, head('OPTIONS sip:b@10.0.0.2 SIP/2.0', '2 OPTIONS', ';tag=tb')),
      msg(B, A, 4010, head('SIP/2.0 200 OK', '2 OPTIONS', ';tag=tb')),
    ];
    const callee = elements(sippScenario(crossed, B, A).xml);
    expect(callee.slice(0, 2)).toEqual(['recv CANCEL global', 'recv INVITE']);
    expect(callee.filter((x) => x === 'send 200')).toHaveLength(6);
    // without a later message from the caller its SIPp has ended by then: no global receive
    expect(elements(sippScenario(crossed.slice(0, 7), B, A).xml)[0]).toBe('recv INVITE');
  });

  it('a capture that starts mid-call: a copy of a response left out with its original does not move the later copies onto another message', () => {
    const re = (m: SippMessageIn): SippMessageIn => ({ ...m, retransmission: true });
    const ok = head('SIP/2.0 200 OK', '1 INVITE', ';tag=tb');
    const info = head('INFO sip:a@10.0.0.1 SIP/2.0', '7 INFO', ';tag=tb');
    const ms = [
      msg(B, A, 0, ok), // the capture starts after the INVITE: left out, and its copy with it
      msg(A, B, 100, head('OPTIONS sip:b@10.0.0.2 SIP/2.0', '5 OPTIONS', ';tag=tb')),
      re(msg(B, A, 500, ok)),
      msg(B, A, 510, head('SIP/2.0 200 OK', '5 OPTIONS', ';tag=tb')),
      msg(B, A, 1000, info), // never answered: its copies are sent as captured
      re(msg(B, A, 1500, info)),
    ];
    const callee = sippScenario(ms, B, A);
    expect(elements(callee.xml)).toEqual(['recv OPTIONS', 'send 200', 'send INFO', 'pause 500', 'send INFO']);
    // the copy carries its original's branch (two elements back: the INFO, the pause)
    expect(sendText(callee.xml, 2)).toContain('branch=[branch-2];rport');
    expect(sendText(callee.xml, 2).replace('[branch-2]', '[branch]')).toBe(sendText(callee.xml, 1));
    expect(callee.xml).not.toContain('NaN');
  });

  it('credentials: after a 401 SIPp computes them ([authentication], -ap); without a challenge they are left out', () => {
    const challenge = 'WWW-Authenticate: Digest realm="example.com", nonce="n1"';
    const cred =
      'Authorization: Digest username="alice", realm="example.com", nonce="n1", uri="sip:example.com", response="0123"';
    const ms = [
      msg(A, B, 0, head('REGISTER sip:example.com SIP/2.0', '1 REGISTER')),
      msg(B, A, 1, head('SIP/2.0 401 Unauthorized', '1 REGISTER', ';tag=tb', [challenge])),
      msg(A, B, 2, head('REGISTER sip:example.com SIP/2.0', '2 REGISTER', '', [cred])),
      msg(B, A, 3, head('SIP/2.0 200 OK', '2 REGISTER', ';tag=tb2')),
    ];
    const x = sippScenario(ms, A, B);
    expect(x.xml).toContain('<recv response="401" auth="true"');
    const again = sendText(x.xml, 1);
    expect(again).toMatch(/\[authentication username=alice\]\nContent-Length: \[len\]/);
    expect(again).not.toContain('response="0123"');
    expect(x.xml).toContain('run with -ap PASSWORD');
    const uncalled = sippScenario(
      [msg(A, B, 0, head('REGISTER sip:example.com SIP/2.0', '1 REGISTER', '', [cred]))],
      A,
      B,
    );
    expect(uncalled.xml).not.toMatch(/^Authorization:/m);
    expect(uncalled.xml).toContain('a digest response cannot be replayed');
  });

  it('what SIPp cannot send as written: a binary body, no Call-ID, a third IPv6 host, Content-Length first, a T.38 line, a file over 64 KiB', () => {
    const invite = (extra: string[], body: string, type = 'application/sdp'): SippMessageIn =>
      msg(A, B, 0, [
        'INVITE sip:b@example.com SIP/2.0',
        'Content-Length: 0',
        'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc',
        'From: <sip:a@example.com>;tag=fa',
        'To: <sip:b@example.com>',
        ...extra,
        'CSeq: 1 INVITE',
        `Content-Type: ${type}`,
        '',
        body,
      ]);
    const isup = sippScenario(
      [invite(['Call-ID: x'], 'ISUP\u0000\u0001\u0002', 'application/isup')],
      A,
      B,
    ).xml;
    expect(isup).toContain('its body is not text (binary bytes): left out, with its Content-Type');
    expect(sendText(isup, 0)).not.toMatch(/Content-Type|ISUP/);
    expect(isup.includes('\u0000')).toBe(false);
    // SIPp cuts a message after a [len] followed by other headers: Content-Length goes last.
    expect(sendText(isup, 0).trimEnd()).toMatch(/CSeq: 1 INVITE\nContent-Length: \[len\]$/);
    const noCallId = sippScenario([invite(['Contact: <sip:a@[2001:db8::7]:5060>'], '')], A, B).xml;
    expect(noCallId).toContain('[call_id] added');
    expect(sendText(noCallId, 0)).toContain('Call-ID: [call_id]');
    expect(sendText(noCallId, 0)).toContain('Contact: <sip:a@2001:db8::7:5060>');
    expect(noCallId).toContain('IPv6 address 2001:db8::7 written without its brackets');
    const sdp = [
      'v=0',
      'o=- 1 1 IN IP4 10.0.0.1',
      's=-',
      'c=IN IP4 10.0.0.1',
      't=0 0',
      'm=audio 4000 RTP/AVP 0',
      'a=rtcp:4001',
      'm=image 4002 udptl t38',
      '',
    ].join('\r\n');
    const fax = sendText(sippScenario([invite(['Call-ID: x'], sdp)], A, B).xml, 0);
    expect(fax).toContain('m=audio [media_port] RTP/AVP 0\na=rtcp:4001\nm=image 4002 udptl t38');
    expect(() => sippScenario([invite(['Call-ID: x', `Subject: ${'a'.repeat(70_000)}`], '')], A, B)).toThrow(
      /would be \d+ bytes: SIPp reads scenario files of at most 65535/,
    );
  });

  it('a partial call: responses before the first request are left out; no request at all is an error', () => {
    const x = sippScenario(
      [
        msg(B, A, 0, head('SIP/2.0 200 OK', '1 INVITE', ';tag=tb')),
        msg(A, B, 1, head('BYE sip:b@10.0.0.2 SIP/2.0', '2 BYE', ';tag=tb')),
        msg(B, A, 2, head('SIP/2.0 200 OK', '2 BYE', ';tag=tb')),
      ],
      A,
      B,
    );
    expect(elements(x.xml)).toEqual(['send BYE', 'recv 200']);
    expect(x.xml).toContain('1 response(s) before the first request left out');
    // No route set was learned: the BYE goes to its captured Request-URI, the peer's address as a keyword.
    expect(sendText(x.xml, 0)).toMatch(/^\s*BYE sip:b@\[remote_ip\] SIP\/2\.0/);
    expect(() => sippScenario([msg(B, A, 0, head('SIP/2.0 200 OK', '1 INVITE'))], A, B)).toThrow(
      'the messages between 10.0.0.1:5060 and 10.0.0.2:5060 hold no request: a SIPp scenario starts with one',
    );
    expect(() => sippScenario([], A, B)).toThrow('exchanged no SIP messages');
  });
});
