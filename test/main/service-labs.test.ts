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
