/**
 * The phones' RTP burst and its `rtp` node option: by default each phone sends 5 RTP packets once a
 * call is set up (the media check of the NAT scenarios); `rtp: false` sends none and leaves the SIP
 * exchange byte for byte as it was.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, type Scenario } from '../../../src/sip-core/sim';

const scenario = (rtp: boolean | undefined): Scenario => ({
  name: 'rtp',
  description: 'one basic call through a stateful proxy',
  network: { latency: '1ms' },
  nodes: [
    {
      name: 'Alice',
      role: 'ua',
      address: '192.0.2.10',
      aor: 'sip:alice@atlanta.example.com',
      proxies: ['biloxi.example.com'],
      ...(rtp === undefined ? {} : { rtp }),
    },
    {
      name: 'Proxy',
      role: 'proxy',
      address: '192.0.2.30',
      domains: ['biloxi.example.com'],
      script: { builtin: 'stateful-proxy' },
      locations: { 'sip:bob@biloxi.example.com': ['sip:bob@192.0.2.40'] },
    },
    {
      name: 'Bob',
      role: 'ua',
      address: '192.0.2.40',
      aor: 'sip:bob@biloxi.example.com',
      answer: { after: 0 },
      ...(rtp === undefined ? {} : { rtp }),
    },
  ],
  steps: [
    { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
    { at: '1s', node: 'Alice', action: 'hangup' },
  ],
});

function run(rtp: boolean | undefined): Simulation {
  const sim = new Simulation(scenario(rtp), { seed: 7 });
  sim.run();
  return sim;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('UA rtp burst option', () => {
  it('sends 5 RTP packets per phone by default, and none with rtp: false', () => {
    const on = run(undefined).network.packets.filter((p) => p.kind === 'rtp');
    expect(on.filter((p) => p.fromNode === 'Alice')).toHaveLength(5);
    expect(on.filter((p) => p.fromNode === 'Bob')).toHaveLength(5);
    expect(run(true).network.packets.filter((p) => p.kind === 'rtp')).toHaveLength(10);
    expect(run(false).network.packets.filter((p) => p.kind === 'rtp')).toHaveLength(0);
  });

  it('leaves the SIP messages as they were (same bytes, same order, same times)', () => {
    const sip = (s: Simulation): string[] =>
      s.sipPackets.map((p) => `${p.sentAt} ${p.fromNode}>${p.toNode} ${hex(p.bytes)}`);
    const on = sip(run(undefined));
    expect(on).toHaveLength(13); // INVITE x2, 100, 180 x2, 200 x2, ACK x2, BYE x2, 200 x2
    expect(sip(run(false))).toEqual(on);
  });

  it('is a boolean node option of the scenario schema', () => {
    const yaml = (v: string): string =>
      `name: t\ndescription: t\nnodes:\n  - name: Alice\n    role: ua\n    address: 192.0.2.10\n    rtp: ${v}\n`;
    expect(loadScenario(yaml('false')).errors).toEqual([]);
    expect(loadScenario(yaml('false')).scenario?.nodes[0]?.rtp).toBe(false);
    expect(loadScenario(yaml('"no"')).errors.length).toBeGreaterThan(0);
  });
});
