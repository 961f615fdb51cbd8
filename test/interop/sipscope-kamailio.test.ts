/**
 * sipscope user agents (the simulator's UA on real sockets) through a real Kamailio: registrar +
 * t_relay + record_route, and Kamailio forking one AOR to two sipscope UAs. Kamailio and the lab
 * run on random loopback ports; failures print the messages both sides saw.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseLab, startLab } from '../../src/main/live';
import { requirePeer } from '../helpers/peers';
import {
  explainOnFailure,
  freePort,
  KAMAILIO_MODULES,
  startKamailio,
  until,
  waitForSip,
  workDir,
  type Peer,
  cleanupAfterEach,
  labTraceText,
} from './helpers/run-peers';

const kamailio = requirePeer('kamailio');
const cleanup = cleanupAfterEach();

async function kamailioRegistrar(): Promise<{ k: Peer; port: number }> {
  const dir = workDir('kamailio-reg');
  const port = await freePort();
  const cfg = readFileSync(join(import.meta.dirname, 'kamailio/registrar-proxy.cfg'), 'utf8')
    .replaceAll('__PROXY__', `127.0.0.1:${port}`)
    .replaceAll('__MODULES__', KAMAILIO_MODULES);
  const k = startKamailio(kamailio!, cfg, dir);
  cleanup.push(() => k.stop());
  await waitForSip('127.0.0.1', port, 10_000, k);
  return { k, port };
}

describe.skipIf(!kamailio)('sipscope UAs through Kamailio', () => {
  it('sipscope UA → Kamailio (registrar, t_relay, record_route) → sipscope UA: call set up and torn down through the route set', async () => {
    const { k, port } = await kamailioRegistrar();
    const K = `127.0.0.1:${port}`;
    const [pa, pb] = [await freePort(), await freePort()];
    const h = await startLab(
      parseLab(`
name: via-kamailio
description: two sipscope phones through Kamailio
nodes:
  - { name: alice, role: ua, address: "127.0.0.1:${pa}", aor: "sip:alice@lab.test", proxies: ["${K}"] }
  - { name: bob, role: ua, address: "127.0.0.1:${pb}", aor: "sip:bob@lab.test", registrar: "${K}", answer: { after: 0.3s } }
steps:
  - { at: 0, node: bob, action: register }
  - { at: 0.5s, node: alice, action: call, to: "sip:bob@lab.test" }
  - { at: 1.5s, node: alice, action: hangup }
`),
    );
    cleanup.push(() => h.stop());
    await explainOnFailure(
      async () => {
        await until(
          () => h.ua('alice')!.calls[0]?.state === 'terminated' && h.live.total >= 15,
          'the call to end',
          15_000,
        );
        const bob = h.ua('bob')!;
        const alice = h.ua('alice')!;
        expect(bob.registration.state).toBe('registered');
        expect(alice.calls[0]!.status).toBe(200);
        expect(bob.calls[0]!.state).toBe('terminated');
        // Kamailio record-routed: Alice's route set holds it, so the ACK and BYE go to Kamailio, not to Bob.
        expect(alice.calls[0]!.dialog!.routeSet.join(',')).toContain(K);
        const t = h.live.trace;
        const lines = Array.from({ length: t.count }, (_, i) => t.entry(i))
          .filter((e) => e.src === `127.0.0.1:${pa}` && e.kind === 'request')
          .map((e) => `${e.method} -> ${e.dst}`);
        expect(lines).toEqual([`INVITE -> ${K}`, `ACK -> ${K}`, `BYE -> ${K}`]);
        // What Bob received came through Kamailio, with its Record-Route.
        const inv = Array.from({ length: t.count }, (_, i) => i).find(
          (i) => t.entry(i).method === 'INVITE' && t.entry(i).dst === `127.0.0.1:${pb}`,
        )!;
        expect(t.entry(inv).src).toBe(K);
        expect(t.message(inv).headerAll('record-route').join(',')).toMatch(
          new RegExp(`127\\.0\\.0\\.1:${port}`),
        );
      },
      () => ({ 'sipscope trace (both UAs)': labTraceText(h), 'Kamailio output': k.output() }),
    );
  });

  it('Kamailio forks one AOR to two sipscope UAs: one answers, the other branch is CANCELled (487)', async () => {
    const { k, port } = await kamailioRegistrar();
    const K = `127.0.0.1:${port}`;
    const [pa, pd, pm] = [await freePort(), await freePort(), await freePort()];
    const h = await startLab(
      parseLab(`
name: kamailio-forking
description: Kamailio forks to two sipscope phones
nodes:
  - { name: alice, role: ua, address: "127.0.0.1:${pa}", aor: "sip:alice@lab.test", proxies: ["${K}"] }
  - { name: desk, role: ua, address: "127.0.0.1:${pd}", aor: "sip:bob@lab.test", registrar: "${K}", answer: { after: 0.5s } }
  - { name: mobile, role: ua, address: "127.0.0.1:${pm}", aor: "sip:bob@lab.test", registrar: "${K}", answer: { after: null } }
steps:
  - { at: 0, node: desk, action: register }
  - { at: 0.1s, node: mobile, action: register }
  - { at: 0.6s, node: alice, action: call, to: "sip:bob@lab.test" }
  - { at: 2s, node: alice, action: hangup }
`),
    );
    cleanup.push(() => h.stop());
    await explainOnFailure(
      async () => {
        await until(() => h.ua('alice')!.calls[0]?.state === 'terminated', 'the call to end', 15_000);
        await until(
          () => h.ua('mobile')!.calls[0]?.status === 487 && h.ua('desk')!.calls[0]?.state === 'terminated',
          'the mobile branch to be cancelled and the BYE to reach the desk phone',
          5_000,
        );
        const t = h.live.trace;
        const rows = Array.from({ length: t.count }, (_, i) => t.entry(i));
        const to = (p: number, m: string): number =>
          rows.filter((e) => e.src === K && e.dst === `127.0.0.1:${p}` && e.method === m).length;
        // Under load Kamailio may retransmit (UDP, Timer A/E): count at least one of each.
        expect(to(pd, 'INVITE')).toBeGreaterThanOrEqual(1);
        expect(to(pm, 'INVITE')).toBeGreaterThanOrEqual(1);
        expect(to(pm, 'CANCEL')).toBeGreaterThanOrEqual(1);
        expect(to(pd, 'BYE')).toBeGreaterThanOrEqual(1);
        expect(to(pm, 'BYE')).toBe(0);
        expect(rows.some((e) => e.src === `127.0.0.1:${pm}` && e.status === 487)).toBe(true);
        expect(h.ua('alice')!.calls[0]!.status).toBe(200);
        expect(h.ua('desk')!.calls[0]!.state).toBe('terminated');
        // Only the desk's answer reached Alice: every 2xx to her INVITE carries the desk's To tag.
        const tags = new Set(
          rows
            .filter(
              (e) =>
                e.dst === `127.0.0.1:${pa}` && e.status === 200 && t.methodOrCseqMethod(e.id) === 'INVITE',
            )
            .map((e) => t.message(e.id).toTag),
        );
        expect([...tags]).toEqual([h.ua('desk')!.calls[0]!.localTag]);
      },
      () => ({ 'sipscope trace (three UAs)': labTraceText(h), 'Kamailio output': k.output() }),
    );
  });
});
