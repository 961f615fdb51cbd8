/**
 * Kamailio's tm `fr_timer` bounds a non-INVITE branch too: "Timer which hits if no final reply for a
 * request ... arrives" (tm README, fr_timer), and `t_set_fr(fr_inv_timeout, fr_timeout)` sets it per
 * transaction ("fr_timeout - new final response timeout ... for non-INVITE transaction"). Kamailio
 * 5.6.3 on loopback, fr_timer 2000 ms, an OPTIONS/MESSAGE/REGISTER relayed to a next hop that never
 * answers: the request resent at 0, 0.5 and 1.5 s, nothing more to it, and at 2 s a 408 upstream.
 * Ours does the same on the branch, but RFC 4320 §4.2 stands: "A transaction-stateful SIP element
 * MUST NOT send a response with Status-Code of 408 to a non-INVITE request" — nothing goes upstream,
 * and the server transaction stays until 64*T1 after the request arrived, absorbing the client's
 * resends (which would otherwise each start a transaction and a relay of their own, as Kamailio's do
 * once its wt_timer has let the transaction go).
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import { BUILTIN_SCRIPTS } from '../../../src/sip-core/sim/scripts';

const firstLine = (b: Uint8Array): string => new TextDecoder().decode(b).split('\r\n')[0]!;
const S = 1_000_000;

function scenario(script: string, method: 'options' | 'message' | 'call'): Scenario {
  return {
    name: 'fr-timer',
    description: 'a request through a stateful proxy with a short fr_timer to a dead server',
    duration: '80s',
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@atlanta.example.com',
        proxies: ['biloxi.example.com'],
      },
      {
        name: 'Proxy',
        role: 'proxy',
        address: '192.0.2.30',
        domains: ['biloxi.example.com'],
        script,
        locations: { 'sip:svc@biloxi.example.com': ['sip:svc@192.0.2.50'] },
      },
      { name: 'Dead', role: 'ua', address: '192.0.2.50', aor: 'sip:svc@biloxi.example.com', down: true },
      { name: 'Backup', role: 'ua', address: '192.0.2.60', aor: 'sip:svc@biloxi.example.com' },
    ],
    steps: [{ at: 0, node: 'Alice', action: method, to: 'sip:svc@biloxi.example.com' }],
  };
}

const STATEFUL = BUILTIN_SCRIPTS['stateful-proxy']!;

function run(script: string, method: 'options' | 'message' | 'call' = 'options') {
  const sim = new Simulation(scenario(script, method), { seed: 1 });
  sim.run();
  const sent = (from: string, to: string) =>
    sim.sipPackets
      .filter((p) => p.fromNode === from && p.toNode === to)
      .map((p) => `${p.sentAt / S} ${firstLine(p.bytes).replace(/ sip:\S+ SIP\/2\.0$/, '')}`);
  return { sim, sent };
}

describe('proxy: fr_timer bounds a non-INVITE branch (Kamailio tm), still no 408 upstream (RFC 4320 §4.2)', () => {
  it('modparam fr_timer 4000: the OPTIONS to the dead server resent at 0, 0.5, 1.5, 3.5 s and no more; nothing to Alice; her resends absorbed', () => {
    const { sim, sent } = run(`modparam("tm", "fr_timer", 4000)\n${STATEFUL}`);
    expect(sent('Proxy', 'Dead')).toEqual(['0.01 OPTIONS', '0.51 OPTIONS', '1.51 OPTIONS', '3.51 OPTIONS']);
    expect(sent('Proxy', 'Alice')).toEqual([]);
    // Alice resends until her Timer F (11 sends); none of them starts a new relay
    expect(sent('Alice', 'Proxy')).toHaveLength(11);
    expect(sim.ua('Alice')!.results).toEqual(['OPTIONS 408']);
    const ev = sim.eventList.filter((e) => e.node === 'Proxy');
    expect(
      ev.filter((e) => /^fr_timer: no final response to OPTIONS on branch 0/.test(e.text)).map((e) => e.time),
    ).toEqual([4_010_000]);
    expect(ev.filter((e) => /no 408 to a non-INVITE/.test(e.text)).map((e) => e.time)).toEqual([4_010_000]);
    // the server transaction ends 64*T1 after the OPTIONS arrived, not at the fr_timer
    const end = ev.filter(
      (e) => e.kind === 'transaction' && /NIST OPTIONS .* trying -> terminated/.test(e.text),
    );
    expect(end.map((e) => e.time)).toEqual([32_010_000]);
  });

  it('t_set_fr(0, 2000) in the script: the MESSAGE branch ends at 2 s (resent at 0, 0.5, 1.5 s)', () => {
    const { sent } = run(
      STATEFUL.replace('  t_relay();\n}', '  t_set_fr(0, 2000);\n  t_relay();\n}'),
      'message',
    );
    expect(sent('Proxy', 'Dead')).toEqual(['0.01 MESSAGE', '0.51 MESSAGE', '1.51 MESSAGE']);
    expect(sent('Proxy', 'Alice')).toEqual([]);
  });

  it('a failure_route fails the OPTIONS over to a backup at fr_timer: its 200 reaches Alice at 4 s, inside her Timer F', () => {
    const script = `modparam("tm", "fr_timer", 4000)
request_route {
  if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_on_failure("BACKUP");
  t_relay();
}
failure_route[BACKUP] {
  if (t_check_status("408")) { rewritehost("192.0.2.60"); t_relay(); }
}
`;
    const { sim, sent } = run(script);
    expect(sent('Proxy', 'Backup')).toEqual(['4.01 OPTIONS']);
    expect(sent('Proxy', 'Alice')).toEqual(['4.03 SIP/2.0 200 OK']);
    expect(sim.ua('Alice')!.results).toEqual(['OPTIONS 200']);
  });

  it('t_set_fr with no usable value (text, negative, beyond a timer range) leaves Timer F in charge', () => {
    for (const args of ['"soon"', '0, -5', '0, 99999999999999']) {
      const { sent } = run(STATEFUL.replace('  t_relay();\n}', `  t_set_fr(${args});\n  t_relay();\n}`));
      expect(sent('Proxy', 'Dead')).toHaveLength(11);
    }
  });

  it('modparam fr_timer with no usable value (text, negative, 0, beyond a timer range) leaves Timer F in charge', () => {
    for (const v of ['"soon"', '-5', '0', '99999999999999']) {
      const { sent } = run(`modparam("tm", "fr_timer", ${v})\n${STATEFUL}`);
      expect(sent('Proxy', 'Dead'), v).toHaveLength(11);
    }
    const { sent } = run(`modparam("tm", "fr_inv_timer", "soon")\n${STATEFUL}`, 'call');
    expect(sent('Proxy', 'Alice')).toEqual(['0.01 SIP/2.0 100 Trying', '32.01 SIP/2.0 408 Request Timeout']);
  });

  it('an INVITE keeps its fr_timer as before: no response within 4 s, 408 upstream', () => {
    const { sent } = run(`modparam("tm", "fr_timer", 4000)\n${STATEFUL}`, 'call');
    expect(sent('Proxy', 'Alice')).toEqual(['0.01 SIP/2.0 100 Trying', '4.01 SIP/2.0 408 Request Timeout']);
  });
});
