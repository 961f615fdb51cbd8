/** The scenario player's state panel: transactions grouped by node with their timers, registrations, NAT. */
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/svelte';
import SimStatePanel from '../../../src/renderer/src/lib/scenarios/SimStatePanel.svelte';
import type { SimState } from '../../../src/renderer/src/lib/scenarios/sim-state';

const state: SimState = {
  transactions: [
    {
      node: 'Alice',
      role: 'ICT',
      method: 'INVITE',
      branch: 'z9hG4bK47c60b39',
      state: 'calling',
      since: 1,
      timers: [
        { timer: 'Timer A', due: 1.5, left: 0.5 },
        { timer: 'Timer B', due: 33, left: 32 },
      ],
    },
    {
      node: 'proxy',
      role: 'IST',
      method: 'INVITE',
      branch: 'z9hG4bK47c60b39',
      state: 'proceeding',
      since: 1.01,
      timers: [],
    },
  ],
  terminated: 2,
  registrations: [
    {
      node: 'registrar',
      aor: 'sip:bob@b.example',
      contact: 'sip:bob@192.0.2.4',
      expiresAt: 3601,
      left: 3600,
      received: null,
    },
  ],
  nat: [{ node: 'nat', inside: '10.0.0.2:5060', public: '198.51.100.1:40000', remote: null, since: 0.5 }],
  dispatcher: [],
};

describe('SimStatePanel', () => {
  it('shows each live transaction with its running timers and what they are for', () => {
    const { getAllByTestId, getByTestId } = render(SimStatePanel, { state, now: 1 });
    expect(getByTestId('sim-state').querySelector('h3')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Transactions at 1.000 s 2 live · 2 terminated',
    );
    const txs = getAllByTestId('sim-tx');
    expect(txs.map((t) => t.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^ICT INVITE calling …c60b39 A 0\.500 s ?B 32\.0 s$/),
      'IST INVITE proceeding …c60b39',
    ]);
    expect(txs[0]!.title).toContain('INVITE client transaction (RFC 3261 §17.1.1)');
    const timers = getAllByTestId('sim-timer');
    expect(timers[0]!.title).toBe('INVITE retransmission (unreliable transport): fires at 1.500 s');
    expect(getByTestId('sim-registrations').textContent).toMatch(
      /sip:bob@b\.example → sip:bob@192\.0\.2\.4\s*expires in 60 min/,
    );
    expect(getByTestId('sim-nat').textContent).toContain('10.0.0.2:5060 ⇄ 198.51.100.1:40000');
  });

  it('says when nothing is live', () => {
    const { container } = render(SimStatePanel, {
      state: { transactions: [], terminated: 0, registrations: [], nat: [], dispatcher: [] },
      now: -1,
    });
    expect(container.textContent).toContain('No transaction is live at this step.');
    expect(container.textContent).toContain('Transactions at —');
    expect(container.querySelector('[data-testid="sim-dispatcher"]')).toBeNull();
  });

  it("lists each balancer's dispatcher destinations with their state letters and what they mean", () => {
    const { getAllByTestId, getByTestId } = render(SimStatePanel, {
      state: {
        transactions: [],
        terminated: 0,
        registrations: [],
        nat: [],
        dispatcher: [
          {
            node: 'Balancer',
            sets: [
              {
                set: 1,
                destinations: [
                  {
                    uri: 'sip:192.0.2.51:5060',
                    state: 'IP',
                    priority: 10,
                    attrs: '',
                    lastProbe: 408,
                    since: 2.01,
                  },
                  {
                    uri: 'sip:192.0.2.52:5060',
                    state: 'AX',
                    priority: 5,
                    attrs: 'weight=50',
                    lastProbe: null,
                    since: null,
                  },
                ],
              },
            ],
          },
        ],
      },
      now: 3,
    });
    expect(getByTestId('sim-dispatcher').textContent).toContain('Balancer');
    const rows = getAllByTestId('dispatcher-dest');
    expect(rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'IP sip:192.0.2.51:5060 prio 10 probe 408 since 2.010 s',
      'AX sip:192.0.2.52:5060 prio 5 weight=50',
    ]);
    expect(rows[0]!.title).toBe('sip:192.0.2.51:5060: inactive, probing');
    expect(rows[1]!.title).toBe('sip:192.0.2.52:5060: active');
  });
});
