/**
 * The dispatcher module (Kamailio 5.6): list parsing and order, the selection algorithms, failover,
 * states and probing. The expected orders and hash choices below were measured on Kamailio 5.6.3
 * with dispatcher.so on loopback (set 1 = sip:127.0.0.1:25071, :25072, :25073 in that file order,
 * flags=2, `ds_select_dst` then `ds_next_dst` until it failed, the list returned in the reply's
 * reason phrase); test/interop/dispatcher-kamailio.test.ts repeats the round robin and failover
 * comparison against a running Kamailio.
 */
import { describe, expect, it } from 'vitest';
import {
  DS_INACTIVE,
  DS_PROBING,
  DS_TRYING,
  Dispatcher,
  type DsRequestKeys,
  dsHash,
  dsParamsOf,
  dsStateText,
  parseDispatcherList,
  uriHashKeys,
} from '../../../src/sip-core/elements/dispatcher';
import { Simulation, loadScenario, type Scenario } from '../../../src/sip-core/sim';
import type { Proxy } from '../../../src/sip-core/elements/proxy';
import { setScriptCompileDefault } from '../../../src/sip-core/script';
import { ENGINES } from '../script/engines';

const LIST = `# three backends
1 sip:127.0.0.1:25071
1 sip:127.0.0.1:25072
1 sip:127.0.0.1:25073
2 sip:127.0.0.1:25071 0 5
2 sip:127.0.0.1:25072 0 10
2 sip:127.0.0.1:25073 0 1
`;

function keys(k: Partial<Record<keyof DsRequestKeys, string | null>>): DsRequestKeys {
  return {
    callId: () => k.callId ?? 'x',
    fromUri: () => k.fromUri ?? 'sip:a@b',
    toUri: () => k.toUri ?? 'sip:c@d',
    requestUri: () => k.requestUri ?? 'sip:e@f',
    authUser: () => k.authUser ?? null,
  };
}

function dispatcher(flags = 2, more: { param: string; value: string | number }[] = []): Dispatcher {
  const mps = [{ module: 'dispatcher', param: 'flags', value: flags }, ...more].map((m) => ({
    module: 'dispatcher',
    ...m,
  }));
  let seed = 1;
  return new Dispatcher(parseDispatcherList(LIST), dsParamsOf(mps), () => {
    seed = (seed * 48271) % 0x7fffffff;
    return seed / 0x7fffffff;
  });
}

const ports = (uris: readonly { uri: string }[]): string => uris.map((d) => d.uri.slice(-5)).join(' ');

describe('dispatcher list (dispatcher.list format)', () => {
  it('orders a set as Kamailio does: highest priority first, equal priorities in reverse file order', () => {
    const l = parseDispatcherList(LIST);
    expect(l.errors).toEqual([]);
    expect(ports(l.sets.get(1)!)).toBe('25073 25072 25071');
    expect(ports(l.sets.get(2)!)).toBe('25072 25071 25073');
  });

  it('reads flags, priority and attributes; weight= in 1..100 only', () => {
    const l = parseDispatcherList(
      '3 sip:gw1.example.com;transport=udp 8 7 weight=30;duid=a\n3 sip:[::1]:5070 0 0 weight=300\n',
    );
    const [a, b] = l.sets.get(3)!;
    expect(a).toMatchObject({
      host: 'gw1.example.com',
      port: null,
      flags: 8,
      priority: 7,
      weight: 30,
      line: 1,
    });
    expect(b).toMatchObject({ host: '[::1]', port: 5070, weight: 0 });
  });

  it('reports each bad line with its line and column, and keeps the good ones', () => {
    const l = parseDispatcherList(
      [
        '1 sip:10.0.0.1',
        'x sip:10.0.0.2',
        '1 http://10.0.0.3',
        '1 sip:10.0.0.4 99',
        '1 sip:10.0.0.5 0 high',
        '1',
        '  1 sip:10.0.0.6 0 0 a=b extra',
      ].join('\n'),
    );
    expect(l.errors.map((e) => `${e.line}:${e.col}`)).toEqual(['2:1', '3:3', '4:16', '5:18', '6:2', '7:26']);
    expect(l.errors[1]!.message).toMatch(/SIP URI/);
    expect(l.sets.get(1)!.map((d) => d.uri)).toEqual(['sip:10.0.0.1']);
  });

  it('a scenario locates a dispatcher list error at its line in the YAML', () => {
    const yaml = `name: t
description: d
nodes:
  - name: P
    role: proxy
    address: 192.0.2.1
    dispatcher: |
      1 sip:192.0.2.2
      1 192.0.2.3
    script: 'request_route { ds_select_dst("1", "4"); t_relay(); }'
`;
    const r = loadScenario(yaml);
    expect(r.scenario).toBeNull();
    expect(r.errors).toEqual([
      expect.objectContaining({ code: 'scenario-dispatcher', line: 9, col: 9, path: '/nodes/0/dispatcher' }),
    ]);
    expect(r.errors[0]!.message).toMatch(/dispatcher list of "P", its line 2: destination must be a SIP URI/);
  });

  it('a script calling ds_* functions on a node without a dispatcher list is an error at the call', () => {
    const r = loadScenario(`name: t
description: d
nodes:
  - name: P
    role: proxy
    address: 192.0.2.1
    script: |
      request_route {
        # ds_select_dst("1", "4") in a comment is fine
        if (!ds_select_dst("1", "4")) { sl_send_reply("503", "x"); exit; }
        t_relay();
      }
`);
    expect(r.errors).toEqual([
      expect.objectContaining({ code: 'scenario-dispatcher', line: 10, col: 14, path: '/nodes/0/script' }),
    ]);
    expect(r.errors[0]!.message).toMatch(/calls ds_select_dst\(\) but the node has no dispatcher list/);
  });
});

describe('selection algorithms (as measured on Kamailio 5.6.3)', () => {
  // the index (0 = :25073, 1 = :25072, 2 = :25071) Kamailio chose for calls i = 0..11
  const measured = {
    0: [0, 1, 1, 2, 2, 0, 0, 1, 0, 2, 1, 2],
    1: [2, 0, 1, 0, 2, 1, 2, 0, 0, 2, 2, 0],
    2: [0, 1, 2, 0, 1, 1, 0, 2, 2, 0, 1, 0],
    3: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2],
  } as const;
  const set = ['25073', '25072', '25071'];
  const request = (i: number): DsRequestKeys =>
    keys({
      callId: `c${i}`,
      fromUri: `sip:u${i * 7}@a.example`,
      toUri: `sip:t${i * 13}@b.example:5070`,
      requestUri: `sip:r${i * 5}@127.0.0.1:25060`,
    });

  for (const alg of [0, 1, 2, 3] as const)
    it(`algorithm ${alg}: the same destination as Kamailio for each of 12 requests`, () => {
      const ds = dispatcher();
      const got = Array.from({ length: 12 }, (_, i) =>
        ds.select(1, alg, request(i), 0)!.dests[0]!.uri.slice(-5),
      );
      expect(got).toEqual(measured[alg].map((k) => set[k]));
    });

  it('algorithm 5: hash over the auth username as Kamailio (10 requests); round robin without one', () => {
    const ds = dispatcher();
    const got = Array.from({ length: 10 }, (_, i) =>
      ds.select(1, 5, keys({ authUser: `user${i * 3}` }), 0)!.dests[0]!.uri.slice(-5),
    );
    expect(got).toEqual([1, 0, 1, 0, 1, 0, 0, 2, 0, 2].map((k) => set[k]));
    const rr = Array.from({ length: 4 }, () => ds.select(1, 5, keys({}), 0)!.dests[0]!.uri.slice(-5));
    expect(rr).toEqual([0, 1, 2, 0].map((k) => set[k]));
  });

  it('the hash itself: Call-IDs of every length as Kamailio hashed them (mod 3)', () => {
    const ids = [
      'a',
      'b',
      'c',
      'ab',
      'c0',
      'c1',
      'abc',
      'abcd',
      'abcde',
      'abcdef',
      'abcdefg',
      'abcdefgh',
      'x1@h',
      'call-0',
    ];
    expect(ids.map((s) => dsHash(s, null) % 3)).toEqual([1, 2, 0, 2, 0, 1, 0, 2, 2, 2, 0, 1, 0, 0]);
    expect(dsHash('', null)).toBe(1); // 0 becomes 1
  });

  it("URI hash keys: user, and host with the port unless it is the scheme's default; flags bit 1: user only", () => {
    expect(uriHashKeys('<sip:bob@b.example:5070;transport=udp>', false)).toEqual(['bob', 'b.example:5070']);
    expect(uriHashKeys('sip:bob@b.example:5060', false)).toEqual(['bob', 'b.example']);
    expect(uriHashKeys('sips:bob@b.example:5061', false)).toEqual(['bob', 'b.example']);
    expect(uriHashKeys('sip:b.example', false)).toEqual(['', 'b.example']);
    expect(uriHashKeys('sip:bob@b.example:5070', true)).toEqual(['bob', null]);
  });

  it('round robin: the next destination per call, the failover list wrapping after it', () => {
    const ds = dispatcher();
    const got = Array.from({ length: 5 }, () => ports(ds.select(1, 4, keys({}), 0)!.dests));
    expect(got).toEqual([
      '25073 25072 25071',
      '25072 25071 25073',
      '25071 25073 25072',
      '25073 25072 25071',
      '25072 25071 25073',
    ]);
  });

  it('priority order (8): the highest priority first; limit caps the list; no failover list without flags bit 2', () => {
    expect(ports(dispatcher().select(2, 8, keys({}), 0)!.dests)).toBe('25072 25071 25073');
    expect(ports(dispatcher().select(2, 8, keys({}), 2)!.dests)).toBe('25072 25071');
    expect(ports(dispatcher(0).select(2, 8, keys({}), 0)!.dests)).toBe('25072');
    expect(dispatcher().select(7, 4, keys({}), 0)).toBeNull();
  });

  it('inactive and disabled destinations are skipped (the next one after), trying ones still chosen; none left → null', () => {
    const ds = dispatcher();
    const [d73, d72, d71] = ds.sets.get(1)!;
    ds.mark(d73!, 'i');
    expect(ports(ds.select(1, 0, keys({ callId: 'c0' }), 0)!.dests)).toBe('25072 25071');
    ds.mark(d72!, 't');
    expect(dsStateText(d72!)).toBe('IX'); // threshold 1: the first failure makes it inactive
    ds.mark(d71!, 'd');
    expect(ds.select(1, 4, keys({}), 0)).toBeNull();
    ds.mark(d73!, 'a');
    expect(ports(ds.select(1, 4, keys({}), 0)!.dests)).toBe('25073');
  });

  it('weight (9): 100 calls follow the weights exactly, the last destination filling up to 100', () => {
    const l = parseDispatcherList(
      '5 sip:10.0.0.1 0 0 weight=50\n5 sip:10.0.0.2 0 0 weight=30\n5 sip:10.0.0.3 0 0 weight=10\n',
    );
    const ds = new Dispatcher(l, dsParamsOf([]), () => 0.37);
    const count = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const u = ds.select(5, 9, keys({}), 0)!.dests[0]!.uri;
      count.set(u, (count.get(u) ?? 0) + 1);
    }
    // (set order: 10.0.0.3, .2, .1; .1 is last and fills the missing 10)
    expect(Object.fromEntries(count)).toEqual({ 'sip:10.0.0.1': 60, 'sip:10.0.0.2': 30, 'sip:10.0.0.3': 10 });
  });
});

describe('states and probing', () => {
  it('ds_probing_threshold failures before inactive ("t"), ds_inactive_threshold successes before active', () => {
    const ds = dispatcher(2, [
      { param: 'ds_probing_threshold', value: 3 },
      { param: 'ds_inactive_threshold', value: 2 },
      { param: 'ds_probing_mode', value: 1 },
    ]);
    const d = ds.sets.get(1)![0]!;
    ds.mark(d, 'tp');
    ds.mark(d, 'tp');
    expect(d.flags & (DS_TRYING | DS_PROBING)).toBe(DS_TRYING | DS_PROBING);
    ds.mark(d, 'tp');
    expect(dsStateText(d)).toBe('IP');
    expect(ds.probeResult(d, 200)).toBeNull(); // one success of two
    expect(ds.probeResult(d, 200)).toBe('AP (active, probing)'); // mode 1 keeps probing
    expect(ds.probeResult(d, 408)).toBe('TP (trying, probing)');
  });

  it('probe targets by ds_probing_mode; mode 0 clears the probing mark after any probe, mode 2 after a success; reply codes', () => {
    const ds = dispatcher(2, [{ param: 'ds_ping_reply_codes', value: 'class=4;code=503' }]);
    const [a, b] = ds.sets.get(1)!;
    ds.mark(a!, 'ip');
    expect(ds.probeTargets().map((d) => d.uri)).toEqual([a!.uri]);
    expect(ds.acceptsReply(404) && ds.acceptsReply(503) && !ds.acceptsReply(500)).toBe(true);
    expect(ds.probeResult(a!, 404)).toBe('AX (active)');
    expect(ds.probeTargets()).toEqual([]);
    expect(b!.flags & DS_INACTIVE).toBe(0);
    // mode 0: an unanswered probe clears the mark too (Kamailio: probed once, then left inactive)
    const mode0 = dispatcher();
    const z = mode0.sets.get(1)![2]!;
    mode0.mark(z, 'ip');
    expect(mode0.probeResult(z, 408)).toBe('IX (inactive)');
    expect(mode0.probeTargets()).toEqual([]);
    const mode2 = dispatcher(2, [{ param: 'ds_probing_mode', value: 2 }]);
    const [c, e] = mode2.sets.get(1)!;
    mode2.mark(c!, 'ap');
    mode2.mark(e!, 'ip');
    expect(mode2.probeTargets().map((d) => d.uri)).toEqual([e!.uri]);
    expect(mode2.probeResult(e!, 408)).toBeNull(); // still inactive, still probed
    expect(mode2.probeResult(e!, 200)).toBe('AX (active)'); // and no longer probed
  });

  it('snapshot: each set in id order, destinations in set order with their state letters, priority, last probe', () => {
    const ds = dispatcher(2, [{ param: 'ds_probing_mode', value: 2 }]);
    const before = ds.snapshot();
    expect(
      before.map((s) => [s.set, s.destinations.map((d) => `${d.uri.slice(-5)} ${d.state} ${d.priority}`)]),
    ).toEqual([
      [1, ['25073 AX 0', '25072 AX 0', '25071 AX 0']],
      [2, ['25072 AX 10', '25071 AX 5', '25073 AX 1']],
    ]);
    const d = ds.sets.get(2)![0]!;
    ds.mark(d, 'ip');
    const marked = ds.snapshot()[1]!.destinations[0]!;
    expect(marked).toEqual({
      uri: 'sip:127.0.0.1:25072',
      flags: DS_INACTIVE | DS_PROBING,
      state: 'IP',
      words: 'IP (inactive, probing)',
      priority: 10,
      attrs: '',
      weight: 0,
      lastProbe: null,
    });
    // a copy: what was taken before does not change
    expect(before[1]!.destinations[0]!.state).toBe('AX');
    ds.probeResult(d, 408);
    expect(ds.snapshot()[1]!.destinations[0]).toMatchObject({ state: 'IP', lastProbe: 408 });
    ds.probeResult(d, 200);
    expect(ds.snapshot()[1]!.destinations[0]).toMatchObject({ state: 'AX', flags: 0, lastProbe: 200 });
    // the other set's same URI is another destination: untouched
    expect(ds.snapshot()[0]!.destinations[1]).toMatchObject({ state: 'AX', lastProbe: null });
  });

  it('modparams: both spellings of the threshold; bad values keep the defaults', () => {
    expect(
      dsParamsOf([{ module: 'dispatcher', param: 'ds_probing_threshhold', value: 4 }]).probingThreshold,
    ).toBe(4);
    const p = dsParamsOf([
      { module: 'dispatcher', param: 'ds_ping_interval', value: 'soon' },
      { module: 'dispatcher', param: 'ds_probing_mode', value: 9 },
      { module: 'dispatcher', param: 'flags', value: -1 },
    ]);
    expect(p).toMatchObject({ pingInterval: 0, probingMode: 0, flags: 0 });
  });
});

describe('in a proxy', () => {
  const scenario = (script: string, dispatcherList?: string): Scenario => ({
    name: 'ds',
    description: 'ds functions in a proxy',
    duration: '30s',
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@a.example',
        proxies: ['192.0.2.30'],
      },
      {
        name: 'LB',
        role: 'proxy',
        address: '192.0.2.30',
        script,
        ...(dispatcherList !== undefined ? { dispatcher: dispatcherList } : {}),
      },
      { name: 'B1', role: 'ua', address: '192.0.2.51', aor: 'sip:svc@192.0.2.51' },
      { name: 'B2', role: 'ua', address: '192.0.2.52', aor: 'sip:svc@192.0.2.52', answer: { after: 0.2 } },
    ],
    steps: [{ at: 0, node: 'Alice', action: 'call', to: 'sip:svc@lb.example' }],
  });

  it('without a dispatcher list ds_select_dst fails (-1) and says why', () => {
    const sim = new Simulation(
      scenario(
        'request_route { if (!ds_select_dst("1", "4")) { sl_send_reply("503", "No list"); exit; } t_relay(); }',
      ),
      { seed: 1 },
    );
    sim.run();
    expect(sim.ua('Alice')!.calls[0]!.status).toBe(503);
    const lb = sim.element('LB') as Proxy;
    const rec = lb.runs[0]!.records.find((r) => r.text.includes('ds_select_dst'));
    expect(rec?.note).toMatch(/no dispatcher list on this element/);
  });

  for (const engine of ENGINES)
    it(`set and algorithm from variables ("$var(alg)", as Kamailio's docs write it), ${engine} engine`, () => {
      const prev = setScriptCompileDefault(engine);
      try {
        const script = `request_route {
          $var(set) = 1; $var(alg) = 8;
          if (!ds_select_dst("$var(set)", "$var(alg)")) { sl_send_reply("503", "none"); exit; }
          if ($du != "sip:192.0.2.52:5060") { sl_send_reply("500", "wrong $du"); exit; }
          if (has_totag()) { if (loose_route()) { t_relay(); } exit; }
          record_route();
          t_relay();
        }`;
        const sim = new Simulation(
          scenario(script, '1 sip:192.0.2.52:5060 0 9\n1 sip:192.0.2.51:5060 0 1\n'),
          {
            seed: 1,
          },
        );
        sim.run();
        expect(sim.ua('Alice')!.calls[0]!.status).toBe(200);
        expect(sim.ua('B2')!.calls).toHaveLength(1);
        expect((sim.element('LB') as Proxy).interp.engine).toBe(engine);
      } finally {
        setScriptCompileDefault(prev);
      }
    });

  it('ds_is_from_list: the same eight answers as Kamailio 5.6.3 (groups, mode bits, a URI, the protocol)', () => {
    const t = (cond: string, k: string): string =>
      `if (${cond}) { $var(r) = $var(r) + "${k}1"; } else { $var(r) = $var(r) + "${k}0"; }`;
    const script = `request_route {
      $var(r) = "";
      ${t('ds_is_from_list()', 'a')}
      ${t('ds_is_from_list("1")', 'b')}
      ${t('ds_is_from_list("4")', 'c')}
      ${t('ds_is_from_list("1", "1")', 'd')}
      ${t('ds_is_from_list("4", "0", "sip:192.0.2.10:25071")', 'e')}
      ${t('ds_is_from_list("1", "0", "sip:192.0.2.10:25071")', 'f')}
      ${t('ds_is_from_list("-1", "0", "sip:192.0.2.10:5060")', 'g')}
      ${t('ds_is_from_list("1", "2", "sip:192.0.2.10:25072;transport=tcp")', 'h')}
      sl_send_reply("200", "$var(r)");
    }`;
    const list =
      '1 sip:192.0.2.10:25071\n1 sip:192.0.2.10:25072\n1 sip:192.0.2.10:25073\n4 sip:192.0.2.10:5060\n';
    const sim = new Simulation(scenario(script, list), { seed: 1 });
    sim.run();
    const reply = sim.sipPackets.find((p) => p.fromNode === 'LB' && p.toNode === 'Alice')!;
    // Kamailio, the request from 127.0.0.1:25099 over UDP and the same list on 127.0.0.1:
    expect(new TextDecoder().decode(reply.bytes).split('\r\n')[0]).toBe('SIP/2.0 200 a1b0c1d0e0f1g1h1');
  });

  it('ds_select_domain rewrites the Request-URI host:port; ds_is_from_list matches the backends, not the caller', () => {
    const script = `request_route {
      if (ds_is_from_list("1")) { sl_send_reply("403", "From a backend"); exit; }
      if (!ds_list_exists("1") || ds_list_exists("2") || !ds_is_active("1", "sip:192.0.2.52:5060;transport=udp")) { sl_send_reply("500", "x"); exit; }
      if (has_totag()) { if (loose_route()) { t_relay(); } exit; }
      record_route();
      ds_select_domain("1", "8");
      t_relay();
    }`;
    const sim = new Simulation(
      scenario(script, '1 sip:192.0.2.52:5060;transport=udp 0 9\n1 sip:192.0.2.51:5060 0 1\n'),
      { seed: 1 },
    );
    sim.run();
    const inv = sim.sipPackets.find(
      (p) => p.toNode === 'B2' && new TextDecoder().decode(p.bytes).startsWith('INVITE'),
    );
    // (Kamailio 5.6.3: the destination URI, its parameters too, with the Request-URI's user)
    expect(new TextDecoder().decode(inv!.bytes).split('\r\n')[0]).toBe(
      'INVITE sip:svc@192.0.2.52:5060;transport=udp SIP/2.0',
    );
    expect(sim.ua('Alice')!.calls[0]!.status).toBe(200);
  });
});
