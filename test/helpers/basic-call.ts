/**
 * Test helper: the basic-call topology many simulator tests use — Alice (192.0.2.10) calls
 * sip:bob@biloxi.example.com through a stateful proxy (192.0.2.30) that knows Bob at 192.0.2.40,
 * who answers at once; 1 ms of latency. Each test adds its own steps, drops or expectations.
 */
import type { NodeSpec, Scenario } from '../../src/sip-core/sim';

export const BOB_URI = 'sip:bob@biloxi.example.com';

export interface BasicCallOptions {
  /** The phones' RTP burst (`rtp` node option); absent: the default. */
  rtp?: boolean;
  /** The proxy's script; default the built-in stateful proxy. */
  script?: NodeSpec['script'];
}

/** The scenario (no steps) of the basic call, named `name`. */
export function basicCall(name: string, o: BasicCallOptions = {}): Scenario {
  const rtp = o.rtp === undefined ? {} : { rtp: o.rtp };
  return {
    name,
    description: 'calls through a stateful proxy',
    network: { latency: '1ms' },
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@atlanta.example.com',
        proxies: ['biloxi.example.com'],
        ...rtp,
      },
      {
        name: 'Proxy',
        role: 'proxy',
        address: '192.0.2.30',
        domains: ['biloxi.example.com'],
        script: o.script ?? { builtin: 'stateful-proxy' },
        locations: { [BOB_URI]: ['sip:bob@192.0.2.40'] },
      },
      { name: 'Bob', role: 'ua', address: '192.0.2.40', aor: BOB_URI, answer: { after: 0 }, ...rtp },
    ],
  };
}
