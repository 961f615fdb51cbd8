/**
 * `lab:dtmf` (a lab phone presses digits, LabHandle.dtmf) through the host, validated like the other
 * routes: digits, method and duration checked before anything runs; the lab's refusals (no phone,
 * no answered call, a stopped lab) as bad requests; RFC 4733 when the call agreed telephone-event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { freePort } from '../interop/helpers/run-peers';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(async () => {
  for (const l of await host.invoke(Invoke.labRunning, null)) await host.invoke(Invoke.labStop, { id: l.id });
});

describe('lab:dtmf', () => {
  it('refuses bad requests, presses digits in the call, and refuses a stopped lab', async () => {
    const [pa, pb] = [await freePort('127.0.47.2'), await freePort('127.0.47.3')];
    const yaml = `
name: dtmf-service
description: Alice calls Bob
nodes:
  - { name: alice, role: ua, address: "127.0.47.2:${pa}", aor: "sip:alice@127.0.47.2", mediaPort: 47000 }
  - { name: bob, role: ua, address: "127.0.47.3:${pb}", aor: "sip:bob@127.0.47.3", answer: { after: 0.05s }, mediaPort: 47100 }
steps:
  - { at: 0.05s, node: alice, action: call, to: "sip:bob@127.0.47.3:${pb}" }
`;
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'dtmf.yaml' });
    const id = lab.id;
    const bad = async (req: object, why: RegExp): Promise<void> => {
      await expect(host.invoke(Invoke.labDtmf, req as never)).rejects.toThrow(why);
    };
    await bad({ id, node: 'alice', digits: '12x' }, /digits/);
    await bad({ id, node: 'alice', digits: '1'.repeat(33) }, /digits/);
    await bad({ id, node: 'alice', digits: '1', method: 'beep' }, /unknown DTMF method/);
    await bad({ id, node: 'alice', digits: '1', durationMs: 10 }, /durationMs/);
    await bad({ id, node: 'alice', digits: '1', durationMs: 5000 }, /durationMs/);
    await bad({ id, node: 'alice', digits: '1', pauseMs: 20 }, /pauseMs/);
    await bad({ id, node: 'alice', digits: '1', pauseMs: 20_000 }, /pauseMs/);
    await bad({ id, node: 'alice', digits: '1', pauseMs: 1.5 }, /pauseMs/);
    await bad({ id, node: 'alice', digits: '1', extra: 1 }, /unexpected field/);
    await bad({ id, node: 'nobody', digits: '1' }, /no phone "nobody"/);
    // the call is answered within a second
    let r: { method: string; callId: string } | null = null;
    for (let i = 0; i < 100 && !r; i++) {
      r = await host.invoke(Invoke.labDtmf, { id, node: 'alice', digits: '5' }).catch(() => null);
      if (!r) await new Promise((res) => setTimeout(res, 30));
    }
    expect(r?.method).toBe('rfc4733'); // a lab phone offers and accepts telephone-event
    const info = await host.invoke(Invoke.labDtmf, { id, node: 'bob', digits: '#', method: 'info' });
    expect(info).toEqual({ method: 'info', callId: r!.callId });
    // two INFO digits a 100 ms duration and a 500 ms pause apart: 600 ms between them on the wire
    await host.invoke(Invoke.labDtmf, {
      id,
      node: 'bob',
      digits: '78',
      method: 'info',
      durationMs: 100,
      pauseMs: 500,
    });
    let infos: { time: number; dtmf?: string }[] = [];
    for (let i = 0; i < 100 && infos.length < 3; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const page = await host.invoke(Invoke.messagesPage, {
        captureId: lab.captureId,
        offset: 0,
        limit: 500,
      });
      infos = page.items.filter((m) => m.method === 'INFO');
    }
    const [, seven, eight] = infos;
    expect([seven?.dtmf, eight?.dtmf]).toEqual(['7', '8']);
    const gap = eight!.time - seven!.time;
    expect(gap).toBeGreaterThan(0.55);
    expect(gap).toBeLessThan(0.9);
    await host.invoke(Invoke.labStop, { id });
    await bad({ id, node: 'alice', digits: '1' }, /the lab is stopped/);
  }, 30_000);
});
