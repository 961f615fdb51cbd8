/**
 * The lab console's Dispatcher section: `lab:status` carries each balancer's sets and destinations'
 * states as they are now (random loopback ports): a destination listed inactive and probing comes
 * back after its OPTIONS probe gets a 200; one nobody answers stays inactive with its probe's 408.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { freePort } from '../interop/helpers/run-peers';
import { probingLabYaml } from '../helpers/dispatcher-lab';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(async () => {
  for (const l of await host.invoke(Invoke.labRunning, null)) await host.invoke(Invoke.labStop, { id: l.id });
});

describe('lab:status dispatcher', () => {
  it("carries each balancer's destinations and their state now; a probe's answer changes it", async () => {
    const [pp, pm, pd] = [await freePort(), await freePort(), await freePort()];
    const yaml = probingLabYaml(pp, pm, pd, 'a balancer probing two destinations');
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'ds.yaml' });
    try {
      expect(lab.dispatcher).toEqual([
        {
          node: 'balancer',
          sets: [
            {
              set: 1,
              destinations: [
                {
                  uri: `sip:127.0.0.1:${pm}`,
                  flags: 9,
                  state: 'IP',
                  words: 'IP (inactive, probing)',
                  priority: 5,
                  attrs: 'weight=50',
                  weight: 50,
                  lastProbe: null,
                },
                expect.objectContaining({
                  uri: `sip:127.0.0.1:${pd}`,
                  state: 'IP',
                  priority: 1,
                  lastProbe: null,
                }),
              ],
            },
          ],
        },
      ]);
      // the first probe round at 1 s: media answers 200, the other one nobody (its 408 after fr_timer)
      let dests = lab.dispatcher[0]!.sets[0]!.destinations;
      const until = Date.now() + 6000;
      while (Date.now() < until && (dests[0]!.state !== 'AX' || dests[1]!.lastProbe === null)) {
        await new Promise((r) => setTimeout(r, 100));
        dests = (await host.invoke(Invoke.labStatus, { id: lab.id })).dispatcher[0]!.sets[0]!.destinations;
      }
      expect(dests[0]).toMatchObject({ state: 'AX', flags: 0, lastProbe: 200 });
      expect(dests[1]).toMatchObject({ state: 'IP', lastProbe: expect.any(Number) });
      expect(dests[1]!.lastProbe).not.toBe(200);
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
  });

  it('a lab without a balancer has an empty list', async () => {
    const p = await freePort();
    const lab = await host.invoke(Invoke.labStart, {
      yaml: `name: plain\ndescription: x\nnodes:\n  - { name: ua, role: ua, address: '127.0.0.1:${p}', aor: 'sip:u@127.0.0.1' }\n`,
      fileName: 'plain.yaml',
    });
    try {
      expect(lab.dispatcher).toEqual([]);
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
  });
});
