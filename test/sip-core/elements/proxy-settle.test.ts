/**
 * A transaction-stateful proxy lets go of a request once its transaction is settled (final
 * response sent, every branch final): RFC 3261 §17 keeps the transactions alive for 64*T1 to absorb
 * retransmissions, and they must not keep the request, its script context and its edits alive with
 * them. A 2xx retransmitted by the callee after that is still forwarded (§16.7 step 5).
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import type { Proxy } from '../../../src/sip-core/elements/proxy';
import { basicCall } from '../../helpers/basic-call';

const scenario = (script: Scenario['nodes'][number]['script'], drop?: boolean): Scenario => ({
  ...basicCall('settle', { script }),
  // the first ACK from the proxy to Bob is lost: Bob retransmits the 2xx (§13.3.1.4)
  ...(drop ? { drop: [{ from: 'Proxy', to: 'Bob', match: 'ACK', nth: [1] }] } : {}),
  steps: [
    { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
    { at: '2s', node: 'Alice', action: 'hangup' },
  ],
});

interface TxnView {
  ctx: unknown;
  finalSent: boolean;
}

function serverTxns(sim: Simulation): { method: string; txn: TxnView | null }[] {
  const proxy = sim.elements.get('Proxy') as Proxy;
  return proxy.table.serverList.map((s) => ({ method: s.method, txn: s.userData as TxnView | null }));
}

describe('proxy: a settled transaction keeps no request', () => {
  it('drops the INVITE context once the 200 is forwarded, the BYE link once its 200 is', () => {
    const sim = new Simulation(scenario({ builtin: 'stateful-proxy' }), { seed: 3, events: false });
    sim.clock.advanceTo(1_500_000);
    const invite = serverTxns(sim).find((s) => s.method === 'INVITE');
    // settled with no request kept: the INVITE transaction keeps only its To tag (for a late CANCEL's 200)
    expect(invite).toBeDefined();
    expect(typeof invite!.txn).toBe('string');
    sim.clock.advanceTo(2_500_000);
    const bye = serverTxns(sim).find((s) => s.method === 'BYE');
    expect(bye).toBeDefined();
    expect(bye!.txn).toBeNull();
  });

  it('keeps the context when a reply route may still run on the transaction', () => {
    const script = `
request_route {
  if (has_totag()) { if (loose_route()) { t_relay(); exit; } t_relay(); exit; }
  record_route();
  t_on_reply("R");
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
onreply_route[R] { xlog("L_INFO", "reply $rs\\n"); }
`;
    const sim = new Simulation(scenario(script), { seed: 3, events: false });
    sim.clock.advanceTo(1_500_000);
    const invite = serverTxns(sim).find((s) => s.method === 'INVITE');
    expect(invite?.txn?.finalSent).toBe(true);
    expect(invite?.txn?.ctx).not.toBeNull();
  });

  it('still forwards a 2xx the callee retransmits after the transaction settled', () => {
    const sim = new Simulation(scenario({ builtin: 'stateful-proxy' }, true), { seed: 3 });
    sim.run();
    const oks = sim.sipPackets.filter(
      (p) =>
        p.fromNode === 'Proxy' &&
        p.toNode === 'Alice' &&
        /^SIP\/2\.0 200 .*\r\n[\s\S]*CSeq: 1 INVITE/.test(Buffer.from(p.bytes).toString('latin1')),
    );
    expect(oks.length).toBeGreaterThanOrEqual(2);
  });
});
