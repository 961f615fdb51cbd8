/**
 * The location service's key, as Kamailio's usrloc `use_domain` (default 0): without the domain, a
 * call to `sip:bob@127.0.0.1` finds `bob@lab.example` (one server reached by name or by address);
 * with it, users of several domains stay apart. Kamailio 5.6.3 run as reference
 * (test/interop/location-use-domain.test.ts runs both against the same SIPp phone).
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message';
import { NO_EVENTS } from '../../../src/sip-core/elements/events';
import { LocationService } from '../../../src/sip-core/elements/registrar';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';

const reg = (aor: string, contact: string, callId = 'r1'): ReturnType<typeof parseMessage> =>
  parseMessage(
    new TextEncoder().encode(
      `REGISTER sip:lab.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <${aor}>;tag=1\r\nTo: <${aor}>\r\nCall-ID: ${callId}\r\nCSeq: 1 REGISTER\r\nContact: <${contact}>\r\nContent-Length: 0\r\n\r\n`,
    ),
  );

describe('location service: use_domain', () => {
  it('by default (use_domain=0) the user alone is the key: bob@lab.example is found as bob@127.0.0.1', () => {
    const l = new LocationService('R', NO_EVENTS);
    expect(l.useDomain).toBe(false);
    l.register(reg('sip:bob@lab.example', 'sip:bob@192.0.2.4'), 0, null);
    expect(l.lookup('sip:bob@127.0.0.1:5060;transport=udp', 0).map((b) => b.contact)).toEqual([
      'sip:bob@192.0.2.4',
    ]);
    // the binding keeps the AOR it was registered with
    expect(l.all(0).map((b) => b.aor)).toEqual(['sip:bob@lab.example']);
    // a REGISTER of bob in another domain adds a contact to the same AOR (its 200 lists both)
    expect(l.register(reg('sip:bob@127.0.0.1', 'sip:bob@192.0.2.5', 'r2'), 0, null).headers).toHaveLength(2);
    expect(l.lookup('sip:alice@lab.example', 0)).toEqual([]);
  });

  it('with use_domain=1, user and domain: another domain finds nothing', () => {
    const l = new LocationService('R', NO_EVENTS);
    l.useDomain = true;
    l.register(reg('sip:bob@lab.example', 'sip:bob@192.0.2.4'), 0, null);
    expect(l.lookup('sip:bob@127.0.0.1', 0)).toEqual([]);
    expect(l.lookup('sip:bob@LAB.example', 0)).toHaveLength(1);
  });

  it('changing the setting re-keys what is stored; a URI with no user is keyed by its host', () => {
    const l = new LocationService('R', NO_EVENTS);
    l.useDomain = true;
    l.add('sip:bob@a.example', 'sip:bob@192.0.2.4', 0);
    l.add('sip:bob@b.example', 'sip:bob@192.0.2.5', 0);
    l.add('sip:a.example', 'sip:192.0.2.9', 0);
    l.useDomain = false;
    expect(l.lookup('sip:bob@c.example', 0).map((b) => b.contact)).toEqual([
      'sip:bob@192.0.2.4',
      'sip:bob@192.0.2.5',
    ]);
    expect(l.lookup('sip:a.example', 0)).toHaveLength(1);
    expect(l.lookup('sip:a@x.example', 0)).toEqual([]);
    l.useDomain = true;
    expect(l.lookup('sip:bob@b.example', 0).map((b) => b.contact)).toEqual(['sip:bob@192.0.2.5']);
  });
});

describe('proxy node: useDomain setting and modparam("usrloc", "use_domain", 1)', () => {
  const scenario = (proxy: Partial<Scenario['nodes'][number]>): Scenario => ({
    name: 'use-domain',
    description: 'Bob registers as bob@lab.example; Alice calls sip:bob@192.0.2.30 (the proxy by address)',
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@lab.example',
        proxies: ['192.0.2.30'],
      },
      { name: 'Proxy', role: 'proxy', address: '192.0.2.30', domains: ['lab.example'], ...proxy },
      {
        name: 'Bob',
        role: 'ua',
        address: '192.0.2.40',
        aor: 'sip:bob@lab.example',
        registrar: '192.0.2.30',
        answer: { after: 0 },
      },
    ],
    steps: [
      { at: 0, node: 'Bob', action: 'register' },
      { at: '1s', node: 'Alice', action: 'call', to: 'sip:bob@192.0.2.30' },
      { at: '2s', node: 'Alice', action: 'hangup' },
    ],
  });
  const status = (proxy: Partial<Scenario['nodes'][number]>): number | null => {
    const sim = new Simulation(scenario(proxy), { seed: 1 });
    sim.run();
    return sim.ua('Alice')!.calls[0]!.status ?? null;
  };

  it('finds Bob by default (as Kamailio), not with useDomain: true or the modparam', () => {
    expect(status({})).toBe(200);
    expect(status({ useDomain: false })).toBe(200);
    expect(status({ useDomain: true })).toBe(404);
    const script = `modparam("usrloc", "use_domain", 1)\nrequest_route { if (is_method("REGISTER")) { save("location"); exit; } if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; } t_relay(); }`;
    expect(status({ script })).toBe(404);
    // the node setting wins over the script
    expect(status({ script, useDomain: false })).toBe(200);
  });
});
