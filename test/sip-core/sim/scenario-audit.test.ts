/**
 * The built-in scenarios read message by message against the RFCs (issue #6, session 16 audit): each
 * test pins one defect found in a scenario's wire messages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../../../src/sip-core/sim';
import { textLadder } from '../../../src/sip-core/sim/output';

const dir = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios');

interface Msg {
  from: string;
  to: string;
  dst: string;
  text: string;
  dropped: string | null;
}

/** Runs a built-in scenario; its SIP packets as text, in sending order. */
function sipOf(name: string): Msg[] {
  const l = loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
  expect(l.errors).toEqual([]);
  const sim = new Simulation(l.scenario!);
  sim.run();
  const dec = new TextDecoder();
  return sim.sipPackets.map((p) => ({
    from: p.fromNode,
    to: p.toNode,
    dst: `${p.to.host}:${p.to.port}`,
    text: dec.decode(p.bytes),
    dropped: p.dropped,
  }));
}

const header = (m: Msg, name: string): string | undefined =>
  new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(m.text.slice(0, m.text.indexOf('\r\n\r\n')))?.[1];
const startLine = (m: Msg): string => m.text.slice(0, m.text.indexOf('\r\n'));

describe('scenario audit', () => {
  it('redirect: the INVITE to the 3xx Contact keeps the To of the first INVITE (RFC 3261 §8.1.3.4, RFC 3665 §3.6 F4)', () => {
    for (const name of ['redirect', 'rfc3665-3.6']) {
      const msgs = sipOf(name);
      const vias = (m: Msg): number => (m.text.match(/^Via:/gm) ?? []).length;
      const fromCaller = msgs.filter((m) => startLine(m).startsWith('INVITE ') && vias(m) === 1);
      expect(fromCaller.length, name).toBe(2);
      const [first, second] = fromCaller;
      expect(startLine(second)).not.toBe(startLine(first));
      expect(header(second, 'To'), name).toBe(header(first, 'To'));
      // and every message of the dialog after it has the same To URI
      const callId = header(second, 'Call-ID');
      const dialog = msgs.filter((x) => header(x, 'Call-ID') === callId && !/ BYE$/.test(header(x, 'CSeq')!));
      expect(dialog.length).toBeGreaterThan(4);
      for (const m of dialog)
        expect(header(m, 'To')!.replace(/;tag=.*$/, ''), `${name}: ${startLine(m)}`).toBe(
          header(first, 'To'),
        );
    }
  });

  it('nat-alg: the ALG leaves the Call-ID alone, so the phone gets its responses with its own Call-ID (RFC 3261 §8.1.1.4)', () => {
    const msgs = sipOf('nat-alg');
    const sent = new Set(msgs.filter((m) => m.from === 'Alice').map((m) => header(m, 'Call-ID')));
    const got = msgs.filter((m) => m.to === 'Alice' && m.dst.startsWith('192.168.1.10:'));
    expect(got.length).toBeGreaterThan(3);
    for (const m of got)
      expect(sent.has(header(m, 'Call-ID')), `${startLine(m)} ${header(m, 'Call-ID')}`).toBe(true);
    // and the ALG still rewrites the addresses it is there for
    const register = msgs.find((m) => startLine(m).startsWith('REGISTER') && m.from === 'Home NAT')!;
    expect(header(register, 'Contact')).toBe('<sip:alice@203.0.113.5:20000>');
    expect(header(register, 'Via')).toMatch(/^SIP\/2\.0\/UDP 203\.0\.113\.5:20000;/);
  });

  it('rfc3665-2.2 and 2.3: the 200 OK lists the bindings the descriptions speak of (RFC 3261 §10.3 step 8)', () => {
    const contacts = (name: string): string[] => {
      const ok = sipOf(name).find((m) => startLine(m) === 'SIP/2.0 200 OK')!;
      return [...ok.text.matchAll(/^Contact:[ \t]*(.*)$/gm)].map((x) => x[1]!.replace(/;expires=\d+$/, ''));
    };
    // §2.2: a new contact is added to the one there was: both listed
    expect(contacts('rfc3665-2.2').sort()).toEqual([
      '<sip:bob@192.0.2.40:5060>',
      '<sip:bob@192.0.2.41:5060>',
    ]);
    // §2.3: the query changes nothing and lists the current binding
    expect(contacts('rfc3665-2.3')).toEqual(['<sip:bob@192.0.2.40:5060>']);
  });

  it('b2bua and rfc3665-3.5: no Contact in BYE or CANCEL requests or their 2xx (RFC 3261 Table 3, "not applicable")', () => {
    for (const name of ['b2bua', 'rfc3665-3.5', 'trapezoid', 'cancel', 'cf-no-answer']) {
      const msgs = sipOf(name).filter((m) => / (BYE|CANCEL)$/.test(header(m, 'CSeq') ?? ''));
      expect(msgs.length, name).toBeGreaterThan(0);
      for (const m of msgs)
        expect(header(m, 'Contact'), `${name}: ${startLine(m)} ${header(m, 'CSeq')}`).toBeUndefined();
    }
  });

  it('nat-binding-timeout: the binding found expired says it ended 20 s after its last use, as the description says (RFC 4787 REQ-5)', () => {
    const l = loadScenario(readFileSync(join(dir, 'nat-binding-timeout.yaml'), 'utf8'));
    const sim = new Simulation(l.scenario!);
    sim.run();
    const removed = sim.eventList.filter((e) => e.node === 'Home NAT' && / removed /.test(e.text));
    expect(removed.map((e) => e.text)).toEqual([
      'binding 192.168.1.10:5060 -> 203.0.113.5:20000 removed (timeout: idle since 0.01 s, expired at 20.01 s)',
    ]);
    expect(removed[0]!.data).toMatchObject({ removed: 'timeout' });
  });

  it('rfc3665-3.3: the INVITE answering the second proxy sends the first realm again with the next nonce-count, not a replay (RFC 2617 §3.2.2)', () => {
    const invites = sipOf('rfc3665-3.3').filter(
      (m) => m.from === 'Alice' && startLine(m).startsWith('INVITE ') && /Proxy-Authorization/.test(m.text),
    );
    const atlanta = invites.map((m) => {
      const v = [...m.text.matchAll(/^Proxy-Authorization:[ \t]*(.*)$/gm)].map((x) => x[1]!);
      return v.find((x) => x.includes('realm="atlanta.example.com"'))!;
    });
    expect(atlanta.length).toBe(2);
    const nc = (v: string): string | undefined => /nc=([0-9a-f]{8})/.exec(v)?.[1];
    const response = (v: string): string | undefined => /response="([0-9a-f]+)"/.exec(v)?.[1];
    expect(atlanta.map(nc)).toEqual(['00000001', '00000002']);
    expect(response(atlanta[1]!)).not.toBe(response(atlanta[0]!));
  });

  it('nat-stun-symmetric: the text ladder with --events shows what STUN learned and the other binding the REGISTER got (the story is in no SIP message)', () => {
    const l = loadScenario(readFileSync(join(dir, 'nat-stun-symmetric.yaml'), 'utf8'));
    const sim = new Simulation(l.scenario!);
    sim.run();
    const text = textLadder(sim, { events: true });
    expect(text).toContain('~ Alice: STUN: public address is 203.0.113.5:20000');
    expect(text).toContain(
      '~ STUN Server: Binding request from 203.0.113.5:20000: mapped address 203.0.113.5:20000',
    );
    expect(text).toContain(
      '~ Home NAT: binding 192.168.1.10:5060 -> 203.0.113.5:20002 (only for 198.51.100.10:5060) created',
    );
    // without --events, only the messages
    expect(textLadder(sim)).not.toContain('~ ');
  });
});
