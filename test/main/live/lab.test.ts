/**
 * The lab: the simulator's elements on real loopback sockets with the real clock (UDP and TCP),
 * recorded as a live trace and a pcapng file written as it goes; every shipped lab file loads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { LabError, parseLab, startLab, type LabHandle } from '../../../src/main/live';
import { freePort, until } from '../../interop/helpers/run-peers';

const labsDir = resolve(import.meta.dirname, '../../../resources/labs');
const handles: LabHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
});

/** `Alice -> proxy: INVITE` lines from the live trace, naming nodes by address. */
function flow(h: LabHandle): string[] {
  const byAddr = new Map(h.listening.map((l) => [l.address, l.node]));
  const byHost = new Map(h.listening.map((l) => [l.address.replace(/:\d+$/, ''), l.node]));
  const t = h.live.trace;
  const out: string[] = [];
  for (let i = 0; i < t.count; i++) {
    const e = t.entry(i);
    const name = (a: string): string =>
      byAddr.get(a) ??
      (h.live.trace.transport(i) === 'TCP' ? byHost.get(a.replace(/:\d+$/, '')) : undefined) ??
      a;
    out.push(`${name(e.src)} -> ${name(e.dst)}: ${e.kind === 'request' ? e.method : e.status}`);
  }
  return out;
}

async function registrarLab(transport: 'UDP' | 'TCP', pcap?: string): Promise<LabHandle> {
  // TCP: one address per node, so messages on connections (ephemeral ports) still name their node.
  const [hp, ha, hb] =
    transport === 'TCP'
      ? ['127.0.0.61', '127.0.0.62', '127.0.0.63']
      : ['127.0.0.1', '127.0.0.1', '127.0.0.1'];
  const [pp, pa, pb] = [await freePort(hp), await freePort(ha), await freePort(hb)];
  const text = `
name: lab-test-${transport}
description: registrar+proxy and two phones on random loopback ports
nodes:
  - { name: proxy, role: proxy, address: "${hp}:${pp}", transport: ${transport}, domains: [lab.test], script: { builtin: stateful-proxy } }
  - { name: alice, role: ua, address: "${ha}:${pa}", transport: ${transport}, aor: "sip:alice@lab.test", proxies: ["${hp}:${pp}"] }
  - { name: bob, role: ua, address: "${hb}:${pb}", transport: ${transport}, aor: "sip:bob@lab.test", registrar: "${hp}:${pp}", answer: { after: 0.2s } }
steps:
  - { at: 0, node: bob, action: register }
  - { at: 0.3s, node: alice, action: call, to: "sip:bob@lab.test" }
  - { at: 1s, node: alice, action: hangup }
`;
  const h = await startLab(parseLab(text), pcap ? { pcap } : {});
  handles.push(h);
  return h;
}

const EXPECTED = [
  'bob -> proxy: REGISTER',
  'proxy -> bob: 200',
  'alice -> proxy: INVITE',
  'proxy -> bob: INVITE',
  'proxy -> alice: 100',
  'bob -> proxy: 180',
  'proxy -> alice: 180',
  'bob -> proxy: 200',
  'proxy -> alice: 200',
  'alice -> proxy: ACK',
  'proxy -> bob: ACK',
  'alice -> proxy: BYE',
  'proxy -> bob: BYE',
  'bob -> proxy: 200',
  'proxy -> alice: 200',
];

describe('lab on real sockets', () => {
  it('UDP: register, call through the record-routing proxy, hang up; recorded once per message, pcapng as it goes', async () => {
    const pcap = join(mkdtempSync(join(tmpdir(), 'sipscope-lab-')), 'lab.pcapng');
    const h = await registrarLab('UDP', pcap);
    expect(h.listening.map((l) => `${l.node} ${l.transport}`)).toEqual(['proxy UDP', 'alice UDP', 'bob UDP']);
    await until(() => h.live.total >= EXPECTED.length, 'the whole call', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const f = flow(h);
    // The 100 Trying may come before or after the forwarded INVITE ('after' by default), and a
    // retransmission could appear under load: compare the ordered, de-duplicated flow.
    expect(f.filter((l, i) => f.indexOf(l) === i || !l.endsWith('100'))).toEqual(
      expect.arrayContaining(EXPECTED),
    );
    expect(f.filter((l) => l === 'alice -> proxy: INVITE')).toHaveLength(1);
    expect(h.ua('alice')!.calls[0]!.state).toBe('terminated');
    expect(h.ua('alice')!.calls[0]!.status).toBe(200);
    expect(h.ua('bob')!.registration.state).toBe('registered');
    expect(h.events.some((e) => e.node === 'proxy' && /binding sip:bob@127\.0\.0\.1/.test(e.text))).toBe(
      true,
    );
    expect(h.live.trace.source.format).toBe('live-lab');
    await h.stop();
    const saved = ingestBytes(new Uint8Array(readFileSync(pcap)), 'lab.pcapng');
    expect(saved.trace.count).toBe(h.live.total);
    expect(saved.trace.callId(2)).toBe(h.live.trace.callId(2));
  });

  it('TCP: the same call over TCP connections (reliable: no retransmissions)', async () => {
    const h = await registrarLab('TCP');
    await until(() => h.live.total >= EXPECTED.length, 'the whole call over TCP', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const f = flow(h);
    expect(new Set(f)).toEqual(new Set(EXPECTED));
    expect(f).toHaveLength(EXPECTED.length);
    expect(h.live.trace.transport(0)).toBe('TCP');
    expect(h.ua('alice')!.calls[0]!.status).toBe(200);
  });

  it('refuses an address in use and a bad lab file with located errors', async () => {
    const h = await registrarLab('UDP');
    const busy = h.listening[0]!.address;
    await expect(
      startLab(
        parseLab(`name: x\ndescription: y\nnodes:\n  - { name: p, role: proxy, address: "${busy}" }\n`),
      ),
    ).rejects.toThrow(/node "p": cannot bind UDP 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    expect(() =>
      parseLab(
        'name: x\ndescription: y\nnodes:\n  - { name: p, role: proxyy, address: 1.2.3.4 }\n',
        'bad.yaml',
      ),
    ).toThrow(LabError);
    expect(() =>
      parseLab(
        'name: x\ndescription: y\nnodes:\n  - { name: p, role: proxyy, address: 1.2.3.4 }\n',
        'bad.yaml',
      ),
    ).toThrow(/bad\.yaml:4:\d+: scenario-schema/);
  });

  it('every shipped lab file is valid', () => {
    const files = readdirSync(labsDir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['forking.yaml', 'nat.yaml', 'registrar-proxy.yaml', 'trapezoid.yaml']);
    for (const f of files)
      expect(parseLab(readFileSync(join(labsDir, f), 'utf8'), f).nodes.length).toBeGreaterThan(0);
  });
});
