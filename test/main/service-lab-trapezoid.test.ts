/**
 * The shipped trapezoid lab as a trainer starts it (on free ports here: the file's 5060s may be
 * taken — the phones still reach the proxies by domain, as an SRV record would give the port):
 * Bob registers, Alice's call crosses both proxies, Bob answers, Alice presses 1 2 3 as RFC 4733
 * events on her real RTP; the call's media says the digits and audio both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Invoke, type CallMediaDto } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { LAB_DIR } from '../../src/main/service/labs';
import { freePort } from '../interop/helpers/run-peers';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(async () => {
  for (const l of await host.invoke(Invoke.labRunning, null)) await host.invoke(Invoke.labStop, { id: l.id });
});

describe('resources/labs/trapezoid.yaml', () => {
  it('puts the call through both proxies and sends the DTMF step as RFC 4733 events', async () => {
    let yaml = readFileSync(join(LAB_DIR, 'trapezoid.yaml'), 'utf8');
    for (const h of ['127.0.0.10', '127.0.0.20', '127.0.0.30', '127.0.0.40'])
      yaml = yaml.replaceAll(`${h}:5060`, `${h}:${await freePort(h)}`);
    expect(yaml).not.toMatch(/:5060\b/);
    const lab = await host.invoke(Invoke.labStart, { yaml, fileName: 'trapezoid.yaml' });
    try {
      // the call starts at 2 s, the digits at 4 s (100 ms each, 100 ms apart), the hangup at 7 s
      let media: CallMediaDto | null = null;
      let call = '';
      for (let i = 0; i < 80; i++) {
        await new Promise((res) => setTimeout(res, 100));
        const calls = await host.invoke(Invoke.callsQuery, {
          captureId: lab.captureId,
          offset: 0,
          limit: 10,
        });
        call = calls.items.find((c) => c.type === 'call')?.id ?? '';
        if (!call) continue;
        media = await host.invoke(Invoke.callMedia, { captureId: lab.captureId, call }).catch(() => null);
        if (media?.dtmf?.length === 6) break;
      }
      // Alice's stream carries the events; Bob echoes every packet, the events too (as an echo test does)
      const events = media?.streams.map(
        (s) => `${s.direction}: ${s.events?.list.map((e) => e.event).join(' ')}`,
      );
      expect(events?.sort()).toEqual(['forward: 1 2 3', 'reverse: 1 2 3']);
      const digits = media?.dtmf?.filter((d) => d.direction === 'forward');
      expect(digits?.map((d) => `${d.digit} ${d.method} ${d.durationMs}`)).toEqual([
        '1 rtp-event 100',
        '2 rtp-event 100',
        '3 rtp-event 100',
      ]);
      // 100 ms each and 100 ms apart: 200 ms from one digit's start to the next's (±60 ms of timers)
      expect(Math.abs(digits![1]!.time - digits![0]!.time - 0.2)).toBeLessThan(0.06);
      expect(media?.verdict).toBe('two-way');
    } finally {
      await host.invoke(Invoke.labStop, { id: lab.id });
    }
  }, 30_000);
});
