/**
 * The call features library (resources/scenarios, topic "Call features") at the byte level: what
 * each RFC asks of the user agent — hold's directions and RTP (RFC 3264 §8.4), REFER with
 * Referred-By and Replaces (RFC 5589, RFC 3891), reliable provisional responses (RFC 3262), early
 * media (RFC 3960), session timers (RFC 4028), re-INVITE glare (RFC 3261 §14), presence (RFC 6665,
 * RFC 3856, RFC 3863) and MESSAGE (RFC 3428).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, type Scenario } from '../../../src/sip-core/sim';
import type { WirePacket } from '../../../src/sip-core/sim/network';
import { loadOk, runSim } from '../../helpers/sim-run';

const dir = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios');
const dec = new TextDecoder();

const scenario = (name: string): Scenario => loadOk(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
const run = runSim;

const text = (p: WirePacket): string => dec.decode(p.bytes);
/** The SIP messages `from` sent (to `to`, when given) whose text matches `re`. */
function sent(sim: Simulation, from: string, re: RegExp, to?: string): WirePacket[] {
  return sim.sipPackets.filter((p) => p.fromNode === from && (!to || p.toNode === to) && re.test(text(p)));
}
/** Seconds at which `from` sent RTP to `to`. */
function rtpTimes(sim: Simulation, from: string, to: string): number[] {
  return sim.rtpPackets.filter((p) => p.fromNode === from && p.toNode === to).map((p) => p.sentAt / 1e6);
}
const between = (ts: number[], a: number, b: number): number => ts.filter((t) => t >= a && t < b).length;
const header = (p: WirePacket, name: string): string | undefined =>
  new RegExp(`^${name}: *(.*)$`, 'mi').exec(text(p))?.[1]?.trim();

describe('call features (RFC 5359 and friends)', () => {
  it('hold-resume: sendonly answered recvonly, inactive answered inactive, sendrecv; the RTP stops and starts with them', () => {
    const sim = run(scenario('hold-resume'));
    const offers = sent(sim, 'Alice', /^INVITE /).map((p) => /a=(\w+)\r\n$/.exec(text(p))?.[1]);
    expect(offers).toEqual(['sendrecv', 'sendonly', 'inactive', 'sendrecv']);
    const answers = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: \d+ INVITE/).map(
      (p) => /a=(\w+)\r\n$/.exec(text(p))?.[1],
    );
    expect(answers).toEqual(['sendrecv', 'recvonly', 'inactive', 'sendrecv']);
    // o= version up by one with each new offer (RFC 3264 §8)
    expect(sent(sim, 'Alice', /^INVITE /).map((p) => /^o=\S+ \d+ (\d+)/m.exec(text(p))?.[1])).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    const ab = rtpTimes(sim, 'Alice', 'Bob');
    const ba = rtpTimes(sim, 'Bob', 'Alice');
    // talking (2 s): both; held sendonly (5 s): Alice only; inactive (10 s): nobody; resumed (15 s): both
    expect([between(ab, 2, 5), between(ba, 2, 5)]).toEqual([5, 5]);
    expect([between(ab, 5, 10), between(ba, 5, 10)]).toEqual([5, 0]);
    expect([between(ab, 10, 15), between(ba, 10, 15)]).toEqual([0, 0]);
    expect([between(ab, 15, 20), between(ba, 15, 20)]).toEqual([5, 5]);
    // one stream each way: the sequence numbers go on from burst to burst
    const seqs = sim.rtpPackets
      .filter((p) => p.fromNode === 'Alice')
      .map((p) => (p.bytes[2]! << 8) | p.bytes[3]!);
    expect(seqs.slice(1).every((s, i) => s === ((seqs[i]! + 1) & 0xffff))).toBe(true);
    // and the timestamps follow the sampling clock, which runs while nothing is sent (RFC 3550 §5.1):
    // 8 per ms between any two packets of a stream, so its jitter stays 0 across the hold
    for (const from of ['Alice', 'Bob']) {
      const ps = sim.rtpPackets.filter((p) => p.fromNode === from);
      const ts = (b: Uint8Array): number => ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
      const steps = ps
        .slice(1)
        .map((p, i) => [((ts(p.bytes) - ts(ps[i]!.bytes)) >>> 0) / 8, (p.sentAt - ps[i]!.sentAt) / 1000]);
      expect(steps.filter(([dt, ms]) => dt !== ms)).toEqual([]);
      expect(Math.max(...steps.map(([, ms]) => ms!))).toBeGreaterThan(2000); // across the hold
    }
  });

  it('transfer-blind: REFER with Referred-By, 202, NOTIFY sipfrag 100 then 200, the new INVITE names who referred it', () => {
    const sim = run(scenario('transfer-blind'));
    const refer = sent(sim, 'Bob', /^REFER /)[0]!;
    expect(header(refer, 'Refer-To')).toBe('<sip:carol@example.com>');
    expect(header(refer, 'Referred-By')).toBe('<sip:bob@example.com>');
    const notifies = sent(sim, 'Alice', /^NOTIFY /, 'proxy.example.com');
    expect(notifies.map((p) => text(p).split('\r\n\r\n')[1])).toEqual([
      'SIP/2.0 100 Trying\r\n',
      'SIP/2.0 200 OK\r\n',
    ]);
    expect(notifies.map((p) => header(p, 'Subscription-State'))).toEqual([
      'active;expires=60',
      'terminated;reason=noresource',
    ]);
    expect(notifies.every((p) => header(p, 'Content-Type') === 'message/sipfrag;version=2.0')).toBe(true);
    const invite = sent(sim, 'Alice', /^INVITE sip:carol@/)[0]!;
    expect(header(invite, 'Referred-By')).toBe('<sip:bob@example.com>');
    expect(header(invite, 'Replaces')).toBeUndefined();
  });

  it('transfer-attended: Refer-To carries the escaped Replaces; the target matches it by Call-ID and tags, answers at once and BYEs the replaced dialog', () => {
    const sim = run(scenario('transfer-attended'));
    const consult = sent(sim, 'Bob', /^INVITE sip:carol@/)[0]!;
    const callId = header(consult, 'Call-ID')!;
    const bobTag = /tag=([^;\s]+)/.exec(header(consult, 'From')!)![1]!;
    const carol200 = sent(sim, 'Carol', /^SIP\/2\.0 200[^]*CSeq: 1 INVITE/)[0]!;
    const carolTag = /tag=([^;\s]+)/.exec(header(carol200, 'To')!)![1]!;
    const refer = sent(sim, 'Bob', /^REFER /)[0]!;
    expect(header(refer, 'Refer-To')).toBe(
      `<sip:carol@example.com?Replaces=${encodeURIComponent(`${callId};to-tag=${carolTag};from-tag=${bobTag}`)}>`,
    );
    const invite = sent(sim, 'Alice', /^INVITE sip:carol@/)[0]!;
    expect(header(invite, 'Replaces')).toBe(`${callId};to-tag=${carolTag};from-tag=${bobTag}`);
    // no ringing: the new call is answered, then the consultation dialog ended by the target
    const fromCarol = sim.sipPackets.filter((p) => p.fromNode === 'Carol' && p.sentAt > invite.sentAt);
    expect(fromCarol.slice(0, 2).map((p) => text(p).split('\r\n')[0])).toEqual([
      'SIP/2.0 200 OK',
      'BYE sip:bob@192.0.2.40:5060 SIP/2.0',
    ]);
    expect(header(fromCarol[1]!, 'Call-ID')).toBe(callId);
  });

  it('an INVITE whose Replaces names no dialog gets 481 (RFC 3891 §3)', () => {
    const sc = scenario('transfer-attended');
    sc.steps = [];
    const sim = new Simulation(sc);
    const alice = sim.ua('Alice')!;
    alice.call('sip:carol@example.com', { headers: ['Replaces: nope@x;to-tag=1;from-tag=2'] });
    sim.run();
    expect(alice.calls[0]!.status).toBe(481);
    expect(sent(sim, 'Carol', /^SIP\/2\.0 180/)).toEqual([]);
  });

  it('prack-100rel: the lost 183 is sent again at T1, PRACKed once with RAck, 200 to the PRACK, then the 2xx without SDP', () => {
    const sim = run(scenario('prack-100rel'));
    expect(header(sent(sim, 'Alice', /^INVITE /)[0]!, 'Supported')).toBe('100rel');
    const r183 = sent(sim, 'Bob', /^SIP\/2\.0 183/);
    expect(r183.map((p) => p.sentAt / 1e3)).toEqual([20, 520]); // T1 = 500 ms later
    expect(r183.every((p) => header(p, 'Require') === '100rel' && header(p, 'RSeq') === '1')).toBe(true);
    expect(text(r183[0]!)).toContain('m=audio');
    const pracks = sent(sim, 'Alice', /^PRACK /);
    expect(pracks).toHaveLength(1);
    expect(header(pracks[0]!, 'RAck')).toBe('1 1 INVITE');
    const bobFinal = sent(sim, 'Bob', /^SIP\/2\.0 200/);
    expect(bobFinal.map((p) => header(p, 'CSeq'))).toEqual(['2 PRACK', '1 INVITE', '3 BYE']);
    // the answer was given reliably in the 183: the 2xx repeats no SDP (RFC 3262 §5)
    expect(header(bobFinal[1]!, 'Content-Length')).toBe('0');
    // the answer (at 300 ms) waited for the PRACK (at 550 ms)
    expect(bobFinal[1]!.sentAt).toBeGreaterThanOrEqual(pracks[0]!.sentAt);
  });

  it('a reliable provisional response never PRACKed: retransmitted T1, 2T1, 4T1... then the INVITE rejected with 500 after 64*T1', () => {
    const sc = scenario('prack-100rel');
    sc.drop = [{ from: 'Alice', match: 'PRACK', count: 100 }];
    const sim = run(sc);
    const r183 = sent(sim, 'Bob', /^SIP\/2\.0 183/).map((p) => Math.round((p.sentAt - 20_000) / 1e3));
    expect(r183).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    const final = sent(sim, 'Bob', /^SIP\/2\.0 500/);
    expect(final).toHaveLength(1);
    expect(final[0]!.sentAt).toBe(20_000 + 32_000_000);
    expect(sim.ua('Bob')!.calls[0]!.status).toBe(500);
  });

  it('early-media: 183 with the SDP answer and RTP from the gateway before the 200, which repeats the SDP', () => {
    const sim = run(scenario('early-media'));
    const r183 = sent(sim, 'GW', /^SIP\/2\.0 183/);
    expect(r183).toHaveLength(1);
    expect(header(r183[0]!, 'Require')).toBeUndefined();
    const ok = sent(sim, 'GW', /^SIP\/2\.0 200[^]*CSeq: 1 INVITE/)[0]!;
    const early = rtpTimes(sim, 'GW', 'Alice').filter((t) => t < ok.sentAt / 1e6);
    expect(early).toHaveLength(5);
    expect(rtpTimes(sim, 'Alice', 'GW').filter((t) => t < ok.sentAt / 1e6)).toEqual([]);
    expect(text(ok).split('\r\n\r\n')[1]).toBe(text(r183[0]!).split('\r\n\r\n')[1]);
    expect(sim.ua('Alice')!.calls[0]!.mediaReceived).toBe(10);
  });

  it('session-timer: 422 with Min-SE, the retry asks for it, the 2xx names the refresher, refreshes at half the interval, BYE when one is not answered', () => {
    const sim = run(scenario('session-timer'));
    const invites = sent(sim, 'Alice', /^INVITE /);
    expect(header(invites[0]!, 'Session-Expires')).toBe('300');
    expect(header(invites[0]!, 'Supported')).toBe('timer');
    expect(header(invites[0]!, 'Min-SE')).toBeUndefined();
    const r422 = sent(sim, 'Bob', /^SIP\/2\.0 422 Session Interval Too Small/);
    expect(r422.map((p) => header(p, 'Min-SE'))).toEqual(['600']);
    expect([header(invites[1]!, 'Session-Expires'), header(invites[1]!, 'Min-SE')]).toEqual(['600', '600']);
    expect(header(invites[1]!, 'Call-ID')).toBe(header(invites[0]!, 'Call-ID'));
    expect(header(invites[1]!, 'CSeq')).toBe('2 INVITE');
    const ok = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: 2 INVITE/)[0]!;
    expect([header(ok, 'Require'), header(ok, 'Session-Expires')]).toEqual(['timer', '600;refresher=uac']);
    // refreshes: 300 s after the 2xx, then 300 s after that one's; the second is never answered
    const refreshes = invites.slice(2).filter((p) => !p.dropped || p === invites[3]);
    expect(refreshes.map((p) => Math.round(p.sentAt / 1e6))).toEqual([302, 602]);
    expect(header(refreshes[0]!, 'Session-Expires')).toBe('600;refresher=uac');
    // the refresh's SDP is the session's, unchanged: the same o= version (RFC 3264 §8)
    const version = (p: WirePacket): string | undefined => /^o=\S+ \d+ (\d+)/m.exec(text(p))?.[1];
    expect(version(refreshes[0]!)).toBe(version(invites[1]!));
    const bye = sent(sim, 'Alice', /^BYE /);
    expect(bye.map((p) => p.sentAt / 1e6)).toEqual([602.06 + 32]);
  });

  it('session timer: the side that does not refresh sends BYE at the interval less min(32 s, a third) when no refresh comes', () => {
    const sc = scenario('session-timer');
    sc.steps = [{ at: 0, node: 'Alice', action: 'call', to: 'sip:bob@192.0.2.40' }];
    // Alice's refresh and then her BYE never reach Bob
    sc.drop = [
      { from: 'Alice', to: 'Bob', match: 'INVITE', nth: [3, 4, 5, 6, 7, 8, 9] },
      { from: 'Alice', to: 'Bob', match: 'BYE', count: 20 },
    ];
    const sim = run(sc);
    // the 2xx at 2.03 s, no refresh reaches Bob: BYE at 2.03 + 600 - 32
    const bye = sent(sim, 'Bob', /^BYE /);
    expect(bye.map((p) => Math.round(p.sentAt / 1e4) / 100)).toEqual([570.03]);
  });

  it('session timer asked by a caller without timer support (Session-Expires put in by a proxy): the callee refreshes, no Require: timer (RFC 4028 §9)', () => {
    const sc = scenario('session-timer');
    sc.steps = [{ at: '400s', node: 'Alice', action: 'hangup' }];
    const alice = sc.nodes.find((n) => n.name === 'Alice')!;
    delete alice.sessionExpires;
    const sim = new Simulation(sc);
    sim.ua('Alice')!.call('sip:bob@192.0.2.40', { headers: ['Session-Expires: 600'] });
    sim.run();
    const ok = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: 1 INVITE/)[0]!;
    expect([header(ok, 'Require'), header(ok, 'Session-Expires')]).toEqual([undefined, '600;refresher=uas']);
    // Bob refreshes at half the interval, as the UAC of his re-INVITE: refresher=uac
    const refresh = sent(sim, 'Bob', /^INVITE /);
    expect(refresh.map((p) => [Math.round(p.sentAt / 1e6), header(p, 'Session-Expires')])).toEqual([
      [302, '600;refresher=uac'],
    ]);
    expect(sent(sim, 'Alice', /^SIP\/2\.0 200[^]*CSeq: 1 INVITE/)).toHaveLength(1);
  });

  it('session timer refreshed with UPDATE: no offer, the 200 names the interval; an UPDATE not answered ends the call with BYE', () => {
    const sc = scenario('session-timer');
    sc.nodes.find((n) => n.name === 'Alice')!.sessionRefresh = 'update';
    const sim = run(sc);
    const updates = sent(sim, 'Alice', /^UPDATE /);
    // the first at 302 s answered; the second at 602 s lost with its retransmissions (Bob is down)
    expect(Math.round(updates[0]!.sentAt / 1e6)).toBe(302);
    expect(updates.every((p) => header(p, 'Content-Length') === '0')).toBe(true);
    expect(header(updates[0]!, 'Session-Expires')).toBe('600;refresher=uac');
    const ok = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: \d+ UPDATE/);
    expect(ok).toHaveLength(1);
    expect([header(ok[0]!, 'Session-Expires'), header(ok[0]!, 'Content-Length')]).toEqual([
      '600;refresher=uac',
      '0',
    ]);
    expect(sent(sim, 'Alice', /^INVITE /)).toHaveLength(2); // the 422'd one and its retry: no re-INVITE
    // Timer F (64*T1) after the second UPDATE: BYE
    expect(sent(sim, 'Alice', /^BYE /).map((p) => Math.round(p.sentAt / 1e6))).toEqual([634]);
  });

  it('reinvite-glare: both answer 491; the Call-ID owner retries after 2.1-4 s, the other after 0-2 s, from the seeded source', () => {
    const waits = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const sim = run(scenario('reinvite-glare'), seed);
      const r491 = sim.sipPackets.filter((p) => /^SIP\/2\.0 491 Request Pending/.test(text(p)));
      expect(r491.map((p) => p.fromNode).sort()).toEqual(['Alice', 'Bob']);
      const retry = (node: string): number => {
        const inv = sent(sim, node, /^INVITE /).filter((p) => p.sentAt >= 5e6);
        return Math.round((inv[1]!.sentAt - 5.02e6) / 1e3); // after the 491 arrived
      };
      const a = retry('Alice');
      const b = retry('Bob');
      expect(a).toBeGreaterThanOrEqual(2100);
      expect(a).toBeLessThanOrEqual(4000);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(2000);
      expect(a % 10).toBe(0);
      expect(b % 10).toBe(0);
      waits.add(`${a}/${b}`);
      // the failed offers changed nothing: after both retries Alice holds, Bob answered recvonly
      const last = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: \d+ INVITE/).at(-1)!;
      expect(text(last)).toMatch(/a=recvonly\r\n$/);
    }
    expect(waits.size).toBeGreaterThan(1);
  });

  it('presence: SUBSCRIBE, 200 with Record-Route, NOTIFY with PIDF, a NOTIFY per change and per refresh, Expires: 0 and the terminated NOTIFY', () => {
    const sim = run(scenario('presence'));
    const subs = sent(sim, 'Alice', /^SUBSCRIBE /);
    expect(subs.map((p) => header(p, 'Expires'))).toEqual(['60', '60', '0']);
    expect(subs.every((p) => p.toNode === 'proxy.example.com')).toBe(true);
    expect(subs.every((p) => header(p, 'Event') === 'presence')).toBe(true);
    expect(header(subs[0]!, 'Accept')).toBe('application/pidf+xml');
    expect(new Set(subs.map((p) => header(p, 'Call-ID'))).size).toBe(1);
    const ok = sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: \d+ SUBSCRIBE/);
    expect(header(ok[0]!, 'Record-Route')).toBe('<sip:192.0.2.20:5060;lr>');
    const notifies = sent(sim, 'Bob', /^NOTIFY /);
    expect(notifies.map((p) => header(p, 'Subscription-State'))).toEqual([
      'active;expires=60',
      'active;expires=50',
      'active;expires=60',
      'terminated;reason=timeout',
    ]);
    expect(notifies.map((p) => /<basic>(\w+)<\/basic>/.exec(text(p))?.[1])).toEqual([
      'open',
      'closed',
      'closed',
      'closed',
    ]);
    expect(notifies.every((p) => header(p, 'Content-Type') === 'application/pidf+xml')).toBe(true);
    expect(text(notifies[0]!)).toContain(
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:bob@example.com">',
    );
    // refreshed at half the granted 60 s
    expect(Math.round(subs[1]!.sentAt / 1e6)).toBe(30);
  });

  it('presence, the refresh lost on the way: at the granted 60 s the notifier ends the subscription, NOTIFY terminated;reason=timeout (RFC 6665 §4.2.2)', () => {
    // Alice's refresh at 30 s and its retransmissions never reach the proxy; no un-subscribe.
    const yaml = readFileSync(join(dir, 'presence.yaml'), 'utf8')
      .replace(
        'network: { latency: 10ms }\n',
        'network: { latency: 10ms }\ndrop:\n  - { from: Alice, match: SUBSCRIBE, nth: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }\n',
      )
      .replace('  - { at: 45s, node: Alice, action: unsubscribe }\n', '');
    const l = loadScenario(yaml);
    expect(l.errors).toEqual([]);
    const sim = run(l.scenario!);
    expect(sent(sim, 'Bob', /^SIP\/2\.0 200[^]*CSeq: \d+ SUBSCRIBE/)).toHaveLength(1);
    const notifies = sent(sim, 'Bob', /^NOTIFY /);
    expect(notifies.map((p) => header(p, 'Subscription-State'))).toEqual([
      'active;expires=60',
      'active;expires=50',
      'terminated;reason=timeout',
    ]);
    // granted when the SUBSCRIBE arrived (0.02 s): it ends 60 s later, with the current state
    expect(notifies[2]!.sentAt / 1e6).toBeCloseTo(60.02, 3);
    expect(/<basic>(\w+)<\/basic>/.exec(text(notifies[2]!))?.[1]).toBe('closed');
    expect(sim.eventList.some((e) => /subscription of sip:alice@example\.com expired/.test(e.text))).toBe(
      true,
    );
    // Alice takes it (200): the subscription is over
    expect(
      sent(sim, 'Alice', /^SIP\/2\.0 200[^]*CSeq: \d+ NOTIFY/).map((p) => Math.round(p.sentAt / 1e6)),
    ).toEqual([0, 10, 60]);
  });

  it('presence refreshed in time: the refresh moves the expiry on, no timeout NOTIFY before the un-subscribe', () => {
    const sim = run(scenario('presence'));
    const ends = sent(sim, 'Bob', /^NOTIFY /).filter((p) =>
      header(p, 'Subscription-State')?.startsWith('terminated'),
    );
    // only the one after the Expires: 0 at 45 s (the first expiry, at 60 s, was moved to 90 s and then cancelled)
    expect(ends.map((p) => Math.round(p.sentAt / 1e6))).toEqual([45]);
    expect(sim.eventList.some((e) => /expired, not refreshed/.test(e.text))).toBe(false);
  });

  it('transfer-blind with a target that does not answer within the refer subscription (60 s): the last NOTIFY reports 180 Ringing, terminated;reason=timeout', () => {
    const yaml = readFileSync(join(dir, 'transfer-blind.yaml'), 'utf8')
      .replace(/(aor: 'sip:carol@example\.com',[^}]*answer: \{ after: )2s/, '$190s')
      .replace('  - { at: 20s, node: Carol, action: hangup }\n', '');
    const l = loadScenario(yaml);
    expect(l.errors).toEqual([]);
    const sim = run(l.scenario!);
    const notifies = sent(sim, 'Alice', /^NOTIFY /, 'proxy.example.com');
    expect(notifies.map((p) => header(p, 'Subscription-State'))).toEqual([
      'active;expires=60',
      'terminated;reason=timeout',
    ]);
    expect(text(notifies[1]!)).toMatch(/\r\n\r\nSIP\/2\.0 180 Ringing\r\n$/);
    // the REFER reached Alice at 6.02 s: its subscription ends 60 s later
    expect(notifies[1]!.sentAt / 1e6).toBeGreaterThanOrEqual(66.02);
    expect(notifies[1]!.sentAt / 1e6).toBeLessThan(66.05);
  });

  it('instant-message: MESSAGE without Contact, 200 from the phone, 202 from the store-and-forward proxy', () => {
    const sim = run(scenario('instant-message'));
    const msgs = sent(sim, 'Alice', /^MESSAGE /);
    expect(msgs).toHaveLength(2);
    expect(msgs.map((p) => header(p, 'Contact'))).toEqual([undefined, undefined]);
    expect(text(msgs[0]!).endsWith('\r\n\r\nLunch at noon?')).toBe(true);
    expect(sim.ua('Alice')!.results).toEqual(['MESSAGE 200', 'MESSAGE 202']);
    expect(sim.ua('Bob')!.received.get('MESSAGE')).toBe(1);
  });
});
