/**
 * Lane roles (caller, callee, proxy, B2BUA, registrar, UA) on captures made by real peers (SIPp through
 * Kamailio in the samples; public captures when present) and on simulated B2BUA and registration runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, type TraceAnalyzer } from '../../../src/sip-core/analysis';
import { laneRoles, proxyAddresses, type LaneRole } from '../../../src/sip-core/analysis/ladder/roles';
import { Simulation, loadScenario, simulationTrace } from '../../../src/sip-core/sim';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { traceOfText } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function open(file: string): { t: Trace; a: TraceAnalyzer } {
  const t = ingestBytes(new Uint8Array(readFileSync(file)), path.basename(file)).trace;
  return { t, a: analyzeTrace(t) };
}

const all = (t: Trace): number[] => Array.from({ length: t.count }, (_, i) => i);
const ids = (a: TraceAnalyzer, call: string): number[] => a.callMessageIds(a.resolveCall(call));
/** `address=role/user` of each lane, in order. */
const brief = (rs: LaneRole[]): string[] =>
  rs.map((r) => `${r.address}=${r.role}${r.user ? `/${r.user}` : ''}`);

function simulated(name: string): Trace {
  const l = loadScenario(readFileSync(path.join(repo, 'resources/scenarios', `${name}.yaml`), 'utf8'));
  const sim = new Simulation(l.scenario!);
  sim.run();
  return simulationTrace(sim);
}

describe('lane roles', () => {
  const problems = open(path.join(repo, 'resources/samples/sample-problems.pcap'));
  const proxies = proxyAddresses(problems.t, all(problems.t));

  it('names the caller, the proxy and the callee of a call through Kamailio, with their agents', () => {
    const r = laneRoles(problems.t, ids(problems.a, 'C1'), proxies);
    expect(brief(r)).toEqual([
      '127.0.0.10:5060=caller/alice',
      '127.0.0.20:5060=proxy',
      '127.0.0.30:5060=callee/bob',
    ]);
    expect(r[0]!.agent).toBe('SIPp sample');
    // Kamailio's own 100 Trying says who it is; the callee sent no Server.
    expect(r[1]!.agent).toMatch(/^kamailio/);
    // Without the trace-wide proxies the call alone shows the forwarding too.
    expect(brief(laneRoles(problems.t, ids(problems.a, 'C1')))).toEqual(brief(r));
  });

  it("keeps the proxy a proxy in a call it rejects itself (483), from the trace's other calls", () => {
    expect([...proxies]).toEqual(['127.0.0.20:5060']);
    const c4 = ids(problems.a, 'C4');
    expect(brief(laneRoles(problems.t, c4, proxies))).toEqual([
      '127.0.0.10:5066=caller/alice',
      '127.0.0.20:5060=proxy',
    ]);
    // Alone, the element that answered the INVITE looks like its callee.
    expect(brief(laneRoles(problems.t, c4))).toEqual([
      '127.0.0.10:5066=caller/alice',
      '127.0.0.20:5060=callee/bob',
    ]);
  });

  it('tells a B2BUA from a proxy (simulated b2bua: two Call-IDs, the middle answers one and originates the other)', () => {
    const t = simulated('b2bua');
    const r = laneRoles(t, all(t), proxyAddresses(t, all(t)));
    expect(brief(r)).toEqual([
      '192.0.2.10:5060=caller/alice',
      '192.0.2.25:5060=b2bua',
      '192.0.2.40:5060=callee/bob',
    ]);
  });

  it('names a registrar and the user agent that registers', () => {
    const t = simulated('registration-digest');
    const r = laneRoles(t, all(t), proxyAddresses(t, all(t)));
    expect(r.map((x) => x.role).sort()).toEqual(['registrar', 'ua']);
    expect(r.find((x) => x.role === 'ua')!.user).toMatch(/\w/);
  });

  it('counts a proxy that receives on one port and sends from another (a WebSocket gateway)', () => {
    const file = path.join(pub, 'heplify__sip_tcp_websocket.pcap');
    if (!existsSync(file)) return void console.warn(`skipped: ${file} absent (../shared/captures/public)`);
    const { t, a } = open(file);
    const px = proxyAddresses(t, all(t));
    expect([...px].sort()).toEqual(['10.243.0.157:5060', '10.243.0.157:8080']);
    const c2 = brief(laneRoles(t, ids(a, 'C2'), px));
    expect(c2[0]).toMatch(/^10\.243\.17\.55:\d+=caller\//);
    // FreeSWITCH puts its User-Agent in its responses.
    expect(laneRoles(t, ids(a, 'C2'), px)[3]!.agent).toMatch(/^FreeSWITCH/);
    // (since session 17 the call holds FreeSWITCH's B-leg too, joined by its XCall-ID header: FreeSWITCH
    // is the B2BUA between the two legs, the carrier's SBC the callee, its second address the ACK's and
    // BYE's Record-Route target)
    expect(c2.slice(1)).toEqual([
      '10.243.0.157:8080=proxy',
      '10.243.0.157:5060=proxy',
      '10.243.0.143:5060=b2bua',
      '10.243.1.36:5090=callee/9998112263382742',
      '18.214.104.248:5090=ua',
    ]);
  });

  it('reads an IPv6 trapezoid half (sngrep ipv6frag: SIPp through a proxy)', () => {
    const file = path.join(pub, 'sngrep__ipv6frag.pcap');
    if (!existsSync(file)) return void console.warn(`skipped: ${file} absent (../shared/captures/public)`);
    const { t, a } = open(file);
    expect(brief(laneRoles(t, ids(a, 'C1'), proxyAddresses(t, all(t))))).toEqual([
      '[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060=caller/sipp',
      '[fd17:625c:f037:2:a00:27ff:feb9:3519]:5062=proxy',
      '[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060=callee/mcr',
    ]);
  });

  it("names both sides of a B2BUA whose legs have two addresses: one leg's responses relayed onto the other", () => {
    // The X-CID fixture's B2BUA (198.51.100.40) with its B leg sent from a second, private address.
    const text = readFileSync(path.join(repo, 'test/fixtures/analysis/calls/b2bua-x-cid.sip'), 'utf8');
    const twoSided = text.replace(
      /^@ ([\d.]+) (\S+) > (\S+)$/gm,
      (line, at: string, src: string, dst: string) =>
        src === '198.51.100.30:5060' || dst === '198.51.100.30:5060'
          ? `@ ${at} ${src.replace('198.51.100.40', '10.0.0.40')} > ${dst.replace('198.51.100.40', '10.0.0.40')}`
          : line,
    );
    expect(twoSided).toContain('10.0.0.40:5060 > 198.51.100.30:5060');
    const t = traceOfText(twoSided);
    expect(brief(laneRoles(t, all(t)))).toEqual([
      '198.51.100.10:5060=caller/alice',
      '198.51.100.40:5060=b2bua',
      '10.0.0.40:5060=b2bua',
      '198.51.100.30:5060=callee/bob',
    ]);
    // The same two calls where the A leg's answers are not the B leg's (183 and 486, not 180 and 200):
    // two user agents, not one B2BUA.
    const unrelated = traceOfText(
      twoSided
        .replace(
          /(@ 0\.050000 198\.51\.100\.40:5060 > 198\.51\.100\.10:5060\n)SIP\/2\.0 180 Ringing/,
          '$1SIP/2.0 183 Session Progress',
        )
        .replace(
          /(@ 2\.000000 198\.51\.100\.40:5060 > 198\.51\.100\.10:5060\n)SIP\/2\.0 200 OK/,
          '$1SIP/2.0 486 Busy Here',
        ),
    );
    expect(unrelated.status(4)).toBe(183);
    expect(brief(laneRoles(unrelated, all(unrelated)))).toEqual([
      '198.51.100.10:5060=caller/alice',
      '198.51.100.40:5060=callee/bob',
      '10.0.0.40:5060=caller/alice',
      '198.51.100.30:5060=callee/bob',
    ]);
  });

  it('keeps two user agents with overlapping calls a caller and a callee (responses in the relay order, but between the same two)', () => {
    const msg = (at: number, src: string, dst: string, head: string, call: number, toTag = ''): string =>
      [
        `@ ${at.toFixed(6)} ${src} > ${dst}`,
        head,
        `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-c${call}`,
        'Max-Forwards: 70',
        `From: <sip:alice@example.com>;tag=f${call}`,
        `To: <sip:bob@example.com>${toTag}`,
        `Call-ID: call-${call}@10.0.0.1`,
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        '',
      ].join('\n');
    const inv = (at: number, c: number): string =>
      msg(at, '10.0.0.1:5060', '10.0.0.2:5060', 'INVITE sip:bob@10.0.0.2 SIP/2.0', c);
    const res = (at: number, c: number, st: string): string =>
      msg(at, '10.0.0.2:5060', '10.0.0.1:5060', `SIP/2.0 ${st}`, c, `;tag=t${c}`);
    // Call 2 starts after call 1 arrived; each of call 1's answers follows the same one of call 2.
    const t = traceOfText(
      [
        inv(0, 1),
        inv(0.01, 2),
        res(0.02, 2, '180 Ringing'),
        res(0.03, 1, '180 Ringing'),
        res(1, 2, '200 OK'),
        res(1.1, 1, '200 OK'),
      ].join('\n'),
    );
    expect(brief(laneRoles(t, all(t)))).toEqual(['10.0.0.1:5060=caller/alice', '10.0.0.2:5060=callee/bob']);
  });

  it('names an SBC that keeps the Call-ID but makes its own From tag (erspan capture: public and private side)', () => {
    const file = path.join(pub, 'heplify__erspan_sip_ipv4_udp.pcapng');
    if (!existsSync(file)) return void console.warn(`skipped: ${file} absent (../shared/captures/public)`);
    const { t, a } = open(file);
    const px = proxyAddresses(t, all(t));
    // C5: 180.173.83.248 calls through the SBC (101.231.48.19 outside, 192.168.1.222 inside, port
    // 5260 both) to 192.168.1.191; its 407, 180 and 200 are relayed from the inside leg.
    expect(brief(laneRoles(t, ids(a, 'C5'), px))).toEqual([
      '180.173.83.248:53221=caller/20008909',
      '101.231.48.19:5260=b2bua',
      '192.168.1.222:5260=b2bua',
      '192.168.1.191:5060=callee/20008910',
    ]);
    // C3 the other way round.
    expect(brief(laneRoles(t, ids(a, 'C3'), px))).toEqual([
      '192.168.1.191:5060=caller/20008777',
      '192.168.1.222:5260=b2bua',
      '101.231.48.19:5260=b2bua',
      '180.173.83.248:53221=callee/20008909',
    ]);
  });

  it('reads only the first messages of a long ladder', () => {
    const c1 = ids(problems.a, 'C1');
    // The first message alone: the INVITE's sender originated it (caller); the proxy has not answered.
    expect(brief(laneRoles(problems.t, c1, new Set(), 1))).toEqual(['127.0.0.10:5060=caller/alice']);
  });
});
