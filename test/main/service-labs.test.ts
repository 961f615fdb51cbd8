/**
 * The labs a host runs, as a window sees them: `lab:running` lists them, so a window opened or
 * reloaded while a lab runs (or a second browser tab) follows and stops it instead of starting it
 * again on the sockets it holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, Invoke } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { LAB_DIR } from '../../src/main/service/labs';
import { freePort } from '../interop/helpers/run-peers';
import { sendUdp } from '../helpers/udp';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(async () => {
  for (const l of await host.invoke(Invoke.labRunning, null)) await host.invoke(Invoke.labStop, { id: l.id });
});

describe('lab:running', () => {
  it('lists the running labs with where they listen and where they came from; a stopped lab leaves it', async () => {
    expect(await host.invoke(Invoke.labRunning, null)).toEqual([]);
    const port = await freePort();
    const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    const started = await host.invoke(Invoke.labStart, { yaml, fileName: 'mine.yaml' });
    expect(started.builtin).toBeNull();
    const running = await host.invoke(Invoke.labRunning, null);
    expect(running.map((l) => [l.id, l.name, l.running, l.captureId])).toEqual([
      [started.id, 'registrar-proxy', true, started.captureId],
    ]);
    expect(running[0].listening.map((l) => l.address)).toContain(`127.0.0.1:${port}`);
    // Started again while it runs: its sockets are taken — what a second window did before it could see the lab.
    await expect(host.invoke(Invoke.labStart, { yaml, fileName: 'mine.yaml' })).rejects.toThrow(/EADDRINUSE/);
    expect((await host.invoke(Invoke.labRunning, null)).map((l) => l.id)).toEqual([started.id]);
    await host.invoke(Invoke.labStop, { id: started.id });
    expect(await host.invoke(Invoke.labRunning, null)).toEqual([]);
  });

  it("carries each proxy's routing script and, on a script run's event, the statements it ran", async () => {
    const port = await freePort();
    const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'mine.yaml' });
    try {
      expect(lab.scripts.map((x) => x.node)).toEqual(['proxy']);
      expect(lab.scripts[0].text).toContain('save("location")');
      const register = [
        'REGISTER sip:lab.example SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${port + 1};branch=z9hG4bK-labs-1;rport`,
        'Max-Forwards: 70',
        'From: <sip:alice@lab.example>;tag=l1',
        'To: <sip:alice@lab.example>',
        'Call-ID: labs-register-1@127.0.0.1',
        'CSeq: 1 REGISTER',
        `Contact: <sip:alice@127.0.0.1:${port + 1}>`,
        'Expires: 600',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      expect(await sendUdp(register, port, port + 1)).toMatch(/^SIP\/2\.0 200 /);
      const status = await host.invoke(Invoke.labStatus, { id: lab.id });
      const run = status.events.find((e) => e.kind === 'script' && /REGISTER/.test(e.text));
      expect(run?.data?.statements).toContainEqual(
        expect.objectContaining({ text: 'save("location")', result: 1 }),
      );
      // Other events stay small: no data.
      expect(status.events.filter((e) => e.kind !== 'script' && e.data)).toEqual([]);
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
  });

  it("gives a lab node's message the script runs that sent it, in the message's detail (the Inspector's Script tab)", async () => {
    const [pp, pa, pb] = [await freePort(), await freePort(), await freePort()];
    const yaml = `
name: lab-script-why
description: a stateful proxy between two phones on random loopback ports
nodes:
  - { name: proxy, role: proxy, address: "127.0.0.1:${pp}", domains: [lab.test], script: { builtin: stateful-proxy } }
  - { name: alice, role: ua, address: "127.0.0.1:${pa}", aor: "sip:alice@lab.test", proxies: ["127.0.0.1:${pp}"] }
  - { name: bob, role: ua, address: "127.0.0.1:${pb}", aor: "sip:bob@lab.test", registrar: "127.0.0.1:${pp}", answer: { after: 0.1s } }
steps:
  - { at: 0, node: bob, action: register }
  - { at: 0.2s, node: alice, action: call, to: "sip:bob@lab.test" }
  - { at: 0.5s, node: alice, action: hangup }
`;
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'why.yaml' });
    try {
      const page = async () =>
        host.invoke(Invoke.messagesPage, { captureId: lab.captureId, offset: 0, limit: 100 });
      const deadline = Date.now() + 5000;
      let rows = (await page()).items;
      while (Date.now() < deadline && !rows.some((r) => r.cseqMethod === 'BYE' && r.status === 200)) {
        await new Promise((r) => setTimeout(r, 50));
        rows = (await page()).items;
      }
      const proxy = `127.0.0.1:${pp}`;
      const why = async (pick: (r: (typeof rows)[number]) => boolean) => {
        const row = rows.find(pick);
        expect(row).toBeDefined();
        return (
          (await host.invoke(Invoke.messageGet, { captureId: lab.captureId, id: row!.id })).script ?? null
        );
      };
      // The INVITE the proxy forwarded: request_route's run, t_relay() and what led to it.
      const invite = await why((r) => r.src === proxy && r.method === 'INVITE');
      expect(invite?.node).toBe('proxy');
      expect(invite?.text).toContain('t_relay()');
      expect(invite?.runs.map((r) => r.label)).toEqual([expect.stringMatching(/^request_route on INVITE: /)]);
      expect(invite?.runs[0].statements).toContainEqual(
        expect.objectContaining({ text: 't_relay()', result: 1 }),
      );
      // The registrar's 200 to Bob's REGISTER: save("location") made it.
      const saved = await why((r) => r.src === proxy && r.status === 200 && r.cseqMethod === 'REGISTER');
      expect(saved?.runs[0].statements).toContainEqual(
        expect.objectContaining({ text: 'save("location")', result: 1 }),
      );
      // A response the proxy only relayed ran no script; a phone has none; nor does what came in.
      expect(await why((r) => r.src === proxy && r.status === 180)).toBeNull();
      expect(await why((r) => r.src === `127.0.0.1:${pa}` && r.method === 'INVITE')).toBeNull();
      // The BYE: the in-dialog branch of the script (loose_route).
      const bye = await why((r) => r.src === proxy && r.method === 'BYE');
      expect(bye?.runs[0].statements).toContainEqual(
        expect.objectContaining({ text: 'loose_route()', result: 1 }),
      );
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
    // A real call on loopback with the lab's real timers: ~0.8 s alone, over 5 s at a load of 8.
  }, 30_000);

  it("lists the registrars' location tables now: each binding with its time left, gone once un-registered", async () => {
    const [port, phone] = [await freePort(), await freePort()];
    const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'regs.yaml' });
    try {
      const register = (cseq: number, contacts: string, expires: number) =>
        sendUdp(
          [
            'REGISTER sip:lab.example SIP/2.0',
            `Via: SIP/2.0/UDP 127.0.0.1:${phone};branch=z9hG4bK-reg${cseq}`,
            'Max-Forwards: 70',
            'From: <sip:alice@lab.example>;tag=a1',
            'To: <sip:alice@lab.example>',
            'Call-ID: regs-test',
            `CSeq: ${cseq} REGISTER`,
            `Contact: ${contacts}`,
            `Expires: ${expires}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
          port,
          phone,
        );
      expect(
        await register(
          1,
          `<sip:alice@127.0.0.1:${phone}>, <sip:alice@127.0.0.1:${phone + 1}>;expires=30`,
          120,
        ),
      ).toMatch(/^SIP\/2\.0 200/);
      const status = await host.invoke(Invoke.labStatus, { id: lab.id });
      expect(status.registrations.map((r) => [r.node, r.aor, r.contact, r.q, r.received])).toEqual([
        ['proxy', 'sip:alice@lab.example', `sip:alice@127.0.0.1:${phone}`, 1, null],
        ['proxy', 'sip:alice@lab.example', `sip:alice@127.0.0.1:${phone + 1}`, 1, null],
      ]);
      expect(status.registrations.map((r) => r.expires)).toEqual([120, 30]);
      expect(await register(2, `<sip:alice@127.0.0.1:${phone + 1}>`, 0)).toMatch(/^SIP\/2\.0 200/);
      expect(
        (await host.invoke(Invoke.labStatus, { id: lab.id })).registrations.map((r) => r.contact),
      ).toEqual([`sip:alice@127.0.0.1:${phone}`]);
      // A stopped lab holds no bindings.
      expect((await host.invoke(Invoke.labStop, { id: lab.id })).registrations).toEqual([]);
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
  });

  it('says which built-in lab a running lab is', async () => {
    const lab = await host.invoke(Invoke.labStart, { name: 'trapezoid' }).catch((e: unknown) => e);
    if (lab instanceof ApiError) {
      // 127.0.0.10-40:5060 taken on this machine (another lab or a SIP server): nothing to check here.
      expect(lab.message).toMatch(/EADDRINUSE/);
      return;
    }
    expect(lab).toMatchObject({ builtin: 'trapezoid', running: true });
    await host.invoke(Invoke.labStop, { id: (lab as { id: string }).id });
  });

  it('takes no request body', async () => {
    await expect(host.invoke(Invoke.labRunning, { id: 'x' } as unknown as null)).rejects.toThrow();
  });
});
