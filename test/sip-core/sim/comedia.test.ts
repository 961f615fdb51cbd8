/**
 * `comedia: true` on a simulated phone (as on a lab phone): once the peer's first RTP packet came,
 * the rest of its burst goes to where that packet came from, not to the peer's SDP address. Bob on
 * the public side, Alice behind a NAT with only her private address in her SDP: without comedia all
 * of Bob's packets are lost at the NAT (one-way audio, nat-fix-nated-contact); with it the packets
 * he sends after Alice's first one reach her through the NAT's mapping (nat-media-comedia), also
 * behind a symmetric NAT.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../src/sip-core/sim';
import { loadOk, runSim } from '../../helpers/sim-run';

const dir = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios');
const scenario = loadOk(readFileSync(join(dir, 'nat-media-comedia.yaml'), 'utf8'));

function withBob(sc: Scenario, comedia: boolean, natType?: 'symmetric'): Scenario {
  return {
    ...sc,
    nodes: sc.nodes.map((n) =>
      n.name === 'Bob' ? { ...n, comedia } : n.role === 'nat' && natType ? { ...n, type: natType } : n,
    ),
  };
}

function run(sc: Scenario) {
  const sim = runSim(sc);
  const texts = sim.eventList.map((e) => `${e.node}: ${e.text}`);
  return {
    alice: sim.ua('Alice')!.calls[0]!.mediaReceived,
    bob: sim.ua('Bob')!.calls[0]!.mediaReceived,
    latched: texts.filter((t) => t.includes('comedia')),
    lost: texts.filter((t) => /^Bob: packet to Alice lost/.test(t)).length,
  };
}

describe('comedia on a simulated phone', () => {
  it('sends the rest of the burst where the peer’s RTP comes from: both directions through the NAT', () => {
    const r = run(scenario);
    expect(r.latched).toEqual([
      "Bob: media: comedia: RTP now to 203.0.113.5:20001, where the peer's comes from (its SDP said 192.168.1.10:49170)",
    ]);
    // Bob's first three packets (before Alice's first arrived) went to her private address
    expect(r.lost).toBe(3);
    expect(r.alice).toBe(2);
    expect(r.bob).toBe(5);
  });

  it('without comedia, every packet of Bob’s is lost at the NAT: one-way audio', () => {
    const r = run(withBob(scenario, false));
    expect(r.latched).toEqual([]);
    expect(r.lost).toBe(5);
    expect(r.alice).toBe(0);
    expect(r.bob).toBe(5);
  });

  it('works behind a symmetric NAT too: Bob answers from the very address the NAT mapped', () => {
    const r = run(withBob(scenario, true, 'symmetric'));
    expect(r.latched).toHaveLength(1);
    expect(r.latched[0]).toMatch(/^Bob: media: comedia: RTP now to 203\.0\.113\.5:\d+, where/);
    expect(r.alice).toBe(2);
  });

  it('says nothing when the peer sends from the address its SDP gave (no NAT)', () => {
    const sc = withBob(scenario, true);
    const r = run({
      ...sc,
      nodes: sc.nodes.map((n) => (n.name === 'Alice' ? { ...n, behind: undefined } : n)),
    });
    expect(r.latched).toEqual([]);
    expect(r.alice).toBe(5);
  });
});
