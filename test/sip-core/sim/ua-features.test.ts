/**
 * User-agent features end to end on the simulator: hold/resume (RFC 3264 §8.4), REFER + NOTIFY
 * sipfrag (RFC 3515), PRACK/100rel (RFC 3262), UPDATE (RFC 3311), OPTIONS, MESSAGE, SUBSCRIBE/
 * NOTIFY, Max-Forwards 483, and the scenario loader's located errors.
 */
import { describe, expect, it } from 'vitest';
import {
  Simulation,
  flowLines,
  loadScenario,
  parseDuration,
  simulationJson,
  type Scenario,
} from '../../../src/sip-core/sim';

const base = (steps: Scenario['steps'], extra: Partial<Scenario['nodes'][number]> = {}): Scenario => ({
  name: 't',
  description: 't',
  nodes: [
    { name: 'Alice', role: 'ua', address: '192.0.2.10', aor: 'sip:alice@a.example', proxies: ['p.example'] },
    {
      name: 'Proxy',
      role: 'proxy',
      address: '192.0.2.20',
      domains: ['p.example'],
      locations: {
        'sip:bob@p.example': ['sip:bob@192.0.2.40'],
        'sip:carol@p.example': ['sip:carol@192.0.2.50'],
      },
    },
    {
      name: 'Bob',
      role: 'ua',
      address: '192.0.2.40',
      aor: 'sip:bob@p.example',
      proxies: ['p.example'],
      answer: { after: '1s' },
      ...extra,
    },
    { name: 'Carol', role: 'ua', address: '192.0.2.50', aor: 'sip:carol@p.example', answer: { after: '1s' } },
  ],
  steps,
});
const run = (sc: Scenario): Simulation => {
  const sim = new Simulation(sc);
  sim.run();
  return sim;
};

describe('user agent features', () => {
  it('holds with a sendonly re-INVITE and resumes with sendrecv; the SDP answer says recvonly then sendrecv', () => {
    const sim = run(
      base([
        { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' },
        { at: '3s', node: 'Alice', action: 'hold' },
        { at: '5s', node: 'Alice', action: 'resume' },
        { at: '7s', node: 'Alice', action: 'hangup' },
      ]),
    );
    const j = simulationJson(sim);
    const invites = sim.sipPackets.filter(
      (p) => /^INVITE /.test(new TextDecoder().decode(p.bytes.subarray(0, 7))) && p.fromNode === 'Alice',
    );
    expect(invites.map((p) => /a=(sendonly|sendrecv)/.exec(new TextDecoder().decode(p.bytes))?.[1])).toEqual([
      'sendrecv',
      'sendonly',
      'sendrecv',
    ]);
    const okFromBob = sim.sipPackets.filter(
      (p) =>
        p.fromNode === 'Bob' &&
        new TextDecoder().decode(p.bytes).startsWith('SIP/2.0 200') &&
        /CSeq: \d+ INVITE/.test(new TextDecoder().decode(p.bytes)),
    );
    expect(
      okFromBob.map((p) => /a=(recvonly|sendrecv)/.exec(new TextDecoder().decode(p.bytes))?.[1]),
    ).toEqual(['sendrecv', 'recvonly', 'sendrecv']);
    expect(sim.ua('Alice')!.results).toEqual(['INVITE 200', 'INVITE 200', 'BYE 200']);
    expect(j.messages.every((m) => m.srcNode && m.dstNode)).toBe(true);
  });

  it('transfers with REFER: 202, NOTIFY 100 Trying, the new call, NOTIFY 200 OK, then the transferor hangs up', () => {
    const sim = run(
      base([
        { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' },
        { at: '3s', node: 'Bob', action: 'refer', to: 'sip:carol@p.example' },
      ]),
    );
    const f = flowLines(sim);
    const i = f.indexOf('Bob -> Proxy: REFER');
    expect(i).toBeGreaterThan(0);
    expect(f.slice(i)).toEqual(
      expect.arrayContaining([
        'Alice -> Proxy: 202',
        'Alice -> Proxy: NOTIFY',
        'Proxy -> Carol: INVITE',
        'Bob -> Proxy: BYE',
      ]),
    );
    const notifies = sim.sipPackets
      .filter((p) => p.fromNode === 'Alice' && new TextDecoder().decode(p.bytes).startsWith('NOTIFY'))
      .map((p) => new TextDecoder().decode(p.bytes));
    expect(notifies.map((n) => /\r\n\r\n(SIP\/2\.0 \d+)/.exec(n)?.[1])).toEqual([
      'SIP/2.0 100',
      'SIP/2.0 200',
    ]);
    expect(notifies[0]).toMatch(/Content-Type: message\/sipfrag/);
    expect(sim.ua('Alice')!.calls[1]!.state).toBe('confirmed');
    expect(sim.ua('Carol')!.calls[0]!.state).toBe('confirmed');
  });

  it('sends 180 reliably with Require: 100rel and RSeq, and the caller PRACKs it (RFC 3262)', () => {
    const sc = base([{ at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' }], { use100rel: true });
    sc.nodes[0]!.use100rel = true;
    const sim = run(sc);
    const f = flowLines(sim);
    expect(f).toContain('Alice -> Proxy: PRACK');
    expect(f).toContain('Proxy -> Bob: PRACK');
    const r180 = sim.sipPackets.find(
      (p) => p.fromNode === 'Bob' && new TextDecoder().decode(p.bytes).startsWith('SIP/2.0 180'),
    )!;
    expect(new TextDecoder().decode(r180.bytes)).toMatch(/Require: 100rel\r\nRSeq: 1/);
    const prack = sim.sipPackets.find(
      (p) => p.fromNode === 'Alice' && new TextDecoder().decode(p.bytes).startsWith('PRACK'),
    )!;
    expect(new TextDecoder().decode(prack.bytes)).toMatch(/RAck: 1 1 INVITE/);
  });

  it('UPDATE, OPTIONS, MESSAGE and SUBSCRIBE/NOTIFY get their answers', () => {
    const sim = run(
      base([
        { at: 0, node: 'Alice', action: 'options', to: 'sip:bob@p.example' },
        { at: '0.1s', node: 'Alice', action: 'message', to: 'sip:bob@p.example', text: 'hi' },
        { at: '0.2s', node: 'Alice', action: 'subscribe', to: 'sip:bob@p.example' },
        { at: '1s', node: 'Alice', action: 'call', to: 'sip:bob@p.example' },
        { at: '4s', node: 'Alice', action: 'update' },
      ]),
    );
    expect(sim.ua('Alice')!.results).toEqual(
      expect.arrayContaining(['OPTIONS 200', 'MESSAGE 200', 'SUBSCRIBE 200', 'UPDATE 200']),
    );
    expect(sim.ua('Bob')!.received.get('MESSAGE')).toBe(1);
    expect(sim.ua('Alice')!.received.get('NOTIFY')).toBe(1);
  });

  it('a proxy answers 483 when Max-Forwards reaches 0 (RFC 3261 §16.3 step 3)', () => {
    const sc = base([{ at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' }]);
    sc.nodes.push({
      name: 'P2',
      role: 'proxy',
      address: '192.0.2.21',
      domains: ['loop.example'],
      loopDetection: false,
      script:
        'request_route { if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; } t_relay("192.0.2.20:5060"); }',
    });
    sc.nodes[1] = {
      ...sc.nodes[1]!,
      loopDetection: false,
      script:
        'request_route { if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; } t_relay("192.0.2.21:5060"); }',
    };
    sc.nodes[3] = { ...sc.nodes[3]! };
    const sim = run(sc);
    expect(sim.ua('Alice')!.calls[0]!.status).toBe(483);
    expect(flowLines(sim).filter((l) => l.endsWith(': INVITE')).length).toBe(71);
  });
});

describe('transaction lifetimes', () => {
  it('every transaction of a call through a stateful proxy ends (a BYE server transaction reaches Completed, then Timer J)', () => {
    const sim = run(
      base([
        { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' },
        { at: '3s', node: 'Alice', action: 'hangup' },
      ]),
    );
    const proxy = sim.element('Proxy') as unknown as {
      table: { size: { clients: number; servers: number } };
    };
    expect(proxy.table.size).toEqual({ clients: 0, servers: 0 });
    expect(
      sim.eventList.some((e) => e.node === 'Proxy' && /^NIST BYE \S+ trying -> completed$/.test(e.text)),
    ).toBe(true);
    expect(sim.clock.pendingCount).toBe(0);
  });
});

describe('stepping', () => {
  it('advances to the next SIP message(s) at each step, and ends where run() ends', () => {
    const sc = base([
      { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@p.example' },
      { at: '3s', node: 'Bob', action: 'hangup' },
    ]);
    const stepped = new Simulation(sc);
    const counts: number[] = [];
    while (stepped.stepMessage()) counts.push(stepped.sipPackets.length);
    // one event can send several messages (a proxy forwards the INVITE and answers 100 at once)
    expect(counts[0]).toBe(1);
    expect(counts.every((c, i) => i === 0 || c > counts[i - 1]!)).toBe(true);
    const whole = run(sc);
    expect(flowLines(stepped)).toEqual(flowLines(whole));
  });
});

describe('scenario loader', () => {
  it('reports YAML syntax errors with line and column', () => {
    const r = loadScenario('name: x\ndescription: y\nnodes: [ {name: A\n');
    expect(r.scenario).toBeNull();
    expect(r.errors[0]!.code).toBe('scenario-yaml-syntax');
    expect(r.errors[0]!.line).toBeGreaterThan(0);
  });
  it('reports unknown keys and node references at their position', () => {
    const r = loadScenario(
      'name: x\ndescription: y\nnodes:\n  - { name: A, role: ua, address: 192.0.2.1, colour: red }\nsteps:\n  - { at: 1s, node: Zed, action: call }\n',
    );
    expect(r.errors.map((e) => [e.code, e.line])).toEqual([['scenario-schema', 4]]);
    const r2 = loadScenario(
      'name: x\ndescription: y\nnodes:\n  - { name: A, role: ua, address: 192.0.2.1 }\nsteps:\n  - { at: 1s, node: Zed, action: call }\n',
    );
    expect(r2.errors).toEqual([
      expect.objectContaining({
        code: 'scenario-reference',
        message: 'unknown node "Zed"',
        line: 6,
        col: 21,
      }),
    ]);
  });
  it('reads durations', () => {
    expect([
      parseDuration(1.5, 0),
      parseDuration('500ms', 0),
      parseDuration('2 s', 0),
      parseDuration('1m', 0),
      parseDuration(undefined, 7),
    ]).toEqual([1_500_000, 500_000, 2_000_000, 60_000_000, 7]);
  });
});
