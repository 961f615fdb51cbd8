/**
 * The scenario player's Script tab: for a message a proxy sent, the runs of its routing script that
 * made it, from a real simulation run of the trapezoid (Bob registers with biloxi; Alice calls Bob
 * through atlanta and biloxi, both record-routing stateful proxies).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/main/service/scenarios';
import { resultSense, scriptWhy, statementsByLine } from '../../src/renderer/src/lib/scenarios/script-why';
import { BUILTIN_SCRIPTS } from '../../src/sip-core/sim/scripts';
import { TraceAdapter } from '../../src/main/service/capture-loader';

const run = runScenario({ name: 'trapezoid' });
const adapter = new TraceAdapter(run.trace!, []);
const msgs = Array.from({ length: adapter.count() }, (_, i) => adapter.row(i));
const addr = (name: string): string => run.nodes.find((n) => n.name === name)!.address;
const sent = (from: string, label: RegExp, nth = 0) =>
  msgs.filter((m) => m.src === addr(from) && label.test(m.method ?? String(m.status)))[nth];

describe('scriptWhy', () => {
  it('every proxy and registrar of a scenario carries its routing script, builtin resolved; phones none', () => {
    expect(run.nodes.map((n) => [n.name, n.script === null ? null : n.script.length > 0])).toEqual([
      ['Alice', null],
      ['atlanta.example.com', true],
      ['biloxi.example.com', true],
      ['Bob', null],
    ]);
    expect(run.nodes[1].script).toBe(BUILTIN_SCRIPTS['stateful-proxy']);
  });

  it("a forwarded INVITE: atlanta's request_route that record-routed and relayed it", () => {
    const invite = sent('atlanta.example.com', /^INVITE/);
    const why = scriptWhy(run.nodes, run.events, invite)!;
    expect(why.node).toBe('atlanta.example.com');
    expect(why.runs.map((r) => r.label)).toEqual([
      expect.stringMatching(/^request_route on INVITE: end, lines /),
    ]);
    const byLine = statementsByLine(why.runs[0]);
    const lineOf = (t: string): number => why.text.split('\n').findIndex((l) => l.includes(t)) + 1;
    expect(byLine.get(lineOf('record_route()'))!.map((s) => [s.text, s.result])).toContainEqual([
      'record_route()',
      1,
    ]);
    expect(byLine.get(lineOf('if (has_totag())'))!.map((s) => s.result)).toEqual([-1, false]);
    expect(byLine.has(lineOf('lookup("location")'))).toBe(false); // atlanta is not Bob's domain
  });

  it('the 200 to a REGISTER: biloxi\'s save("location")', () => {
    const ok = sent('biloxi.example.com', /^200/);
    const why = scriptWhy(run.nodes, run.events, ok)!;
    expect(why.runs[0].label).toMatch(/^request_route on REGISTER: exit/);
    expect(why.runs[0].statements.some((s) => s.text === 'save("location")' && s.result === 1)).toBe(true);
  });

  it('a response a stateful proxy relays, and what a phone sends: no script run made them', () => {
    expect(scriptWhy(run.nodes, run.events, sent('atlanta.example.com', /^180/))).toBeNull();
    expect(scriptWhy(run.nodes, run.events, sent('Alice', /^INVITE/))).toBeNull();
    expect(
      scriptWhy(run.nodes, run.events, { ...sent('atlanta.example.com', /^INVITE/), callId: null }),
    ).toBeNull();
  });

  it("serial forking: the failure_route's new branch, not tm's hop-by-hop ACK for the 486 it ran on", () => {
    const serial = runScenario({ name: 'forking-serial' });
    const a = new TraceAdapter(serial.trace!, []);
    const rows = Array.from({ length: a.count() }, (_, i) => a.row(i));
    const proxy = serial.nodes.find((n) => n.name === 'Proxy')!.address;
    const fromProxy = rows.filter((r) => r.src === proxy);
    const ack = fromProxy.find((r) => r.method === 'ACK')!;
    const second = fromProxy.filter((r) => r.method === 'INVITE')[1];
    expect(Math.abs(ack.time - second.time)).toBeLessThan(1e-6); // the same instant
    expect(scriptWhy(serial.nodes, serial.events, ack)).toBeNull();
    expect(scriptWhy(serial.nodes, serial.events, second)!.runs.map((r) => r.label)).toEqual([
      expect.stringMatching(/^failure_route\[NEXT_CONTACT\] on 486 INVITE/),
    ]);
  });

  it('reads results as Kamailio does', () => {
    expect([1, -1, 0, true, false, 'x', null].map(resultSense)).toEqual([
      'ok',
      'fail',
      'stop',
      'ok',
      'fail',
      null,
      null,
    ]);
  });
});
