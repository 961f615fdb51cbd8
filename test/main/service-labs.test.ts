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
