/**
 * A lab phone keeps its live calls and its newest LAB_ENDED_CALLS_KEPT (100) ended ones, on real
 * sockets: after more calls than that, `calls` holds no more, in the order they began, the rest
 * counted (the console's "N earlier calls not kept", `LabDto.media.phones[].calls`); the `dtmf`
 * step and `lab:dtmf` still pick the newest answered call. And the echo phone sends a caller's
 * RFC 4733 digits back: the call's digits say they were echoed, the events say the phone echoed them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { traceDtmf } from '../../../src/sip-core/media/dtmf';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { summaryText } from '../../../src/main/cli/commands/analyze';
import { LAB_ENDED_CALLS_KEPT, parseLab, startLab, type LabHandle } from '../../../src/main/live';
import { TraceAdapter } from '../../../src/main/service/capture-loader';
import { dtmfSentences } from '../../../src/shared/dtmf';
import { freePort, until } from '../../interop/helpers/run-peers';
import type { Call } from '../../../src/sip-core/elements/ua/user-agent';

const handles: LabHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

async function twoPhones(): Promise<{ h: LabHandle; bobUri: string }> {
  const [pa, pb] = [await freePort('127.0.47.2'), await freePort('127.0.47.3')];
  const h = await startLab(
    parseLab(`
name: calls-kept
description: Alice calls Bob, who answers and echoes
nodes:
  - { name: alice, role: ua, address: "127.0.47.2:${pa}", aor: "sip:alice@127.0.47.2", mediaPort: 47000 }
  - { name: bob, role: ua, address: "127.0.47.3:${pb}", aor: "sip:bob@127.0.47.3", mediaPort: 47100 }
`),
    { steps: false },
  );
  handles.push(h);
  return { h, bobUri: `sip:bob@127.0.47.3:${pb}` };
}

const ended = (c: Call): boolean => c.state === 'terminated' || c.state === 'failed';

describe('a lab phone keeps its newest ended calls', () => {
  it(`keeps at most ${LAB_ENDED_CALLS_KEPT} ended calls in order, counts the rest; the newest call is the one pressed in`, async () => {
    const { h, bobUri } = await twoPhones();
    const alice = h.ua('alice')!;
    const bob = h.ua('bob')!;
    expect(bob.endedCallsKept).toBe(LAB_ENDED_CALLS_KEPT);
    const N = 130;
    // ten calls at a time, each hung up once answered
    for (let i = 0; i < N; i += 10) {
      const batch: Call[] = [];
      for (let k = 0; k < 10; k++) batch.push(alice.call(bobUri));
      await until(
        () => batch.every((c) => c.state === 'confirmed'),
        `calls ${i + 1}-${i + 10} answered`,
        10_000,
      );
      for (const c of batch) alice.hangup(c);
      await until(() => batch.every(ended), `calls ${i + 1}-${i + 10} ended`, 10_000);
    }
    await until(() => bob.callCounts().live === 0, 'Bob’s calls ended', 10_000);
    for (const ua of [alice, bob]) {
      expect(ua.calls).toHaveLength(LAB_ENDED_CALLS_KEPT);
      expect(ua.callCounts()).toEqual({ total: N, live: 0, ended: 100, forgotten: N - 100 });
      const seqs = ua.calls.map((c) => c.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    // the console's counters
    const phones = h.media().phones;
    expect(phones.find((p) => p.node === 'bob')!.calls).toEqual({
      total: N,
      live: 0,
      ended: 100,
      forgotten: 30,
    });
    // two more calls: the newer one is what lab:dtmf (and the dtmf step) presses in
    const older = alice.call(bobUri);
    await until(() => older.state === 'confirmed', 'call answered', 10_000);
    const newer = alice.call(bobUri);
    await until(() => newer.state === 'confirmed', 'call answered', 10_000);
    expect(alice.calls.at(-1)).toBe(newer);
    expect(alice.calls).toHaveLength(LAB_ENDED_CALLS_KEPT + 2);
    const r = h.dtmf('alice', '123');
    expect(r).toEqual({ method: 'rfc4733', callId: newer.callId });

    // Bob echoes the events back: the call's digits say so, Bob's events too
    const digits = (): ReturnType<TraceAdapter['callMedia']> => {
      h.live.flushUpdates();
      return new TraceAdapter(h.live.trace, []).callMedia(newer.callId);
    };
    await until(
      () => (digits()?.dtmf ?? []).filter((d) => d.echo).length === 3,
      'the three digits echoed',
      5000,
    );
    const d = digits()!.dtmf!;
    expect(d.map((x) => `${x.digit} ${x.direction} ${x.echo ? 'echo' : x.echoed ? 'echoed' : '-'}`)).toEqual([
      '1 forward echoed',
      '1 reverse echo',
      '2 forward echoed',
      '2 reverse echo',
      '3 forward echoed',
      '3 reverse echo',
    ]);
    const start = d[0]!.time - 1;
    expect(dtmfSentences(d, start)).toEqual([
      'caller pressed 1 2 3 at 00:01.0 (RTP events (RFC 4733)), echoed back by the callee',
    ]);
    const said = h.events.filter((e) => e.node === 'bob' && /echoing DTMF/.test(e.text)).map((e) => e.text);
    expect(said).toEqual(
      ['1', '2', '3'].map(
        (k) => `media: echoing DTMF ${k} back (RFC 4733 telephone-event/101, as an echo test does)`,
      ),
    );
    alice.hangup(older);
    alice.hangup(newer);

    // the same read back from the saved capture: `analyze` counts the keys pressed, the echoes apart
    await until(() => newer.state === 'terminated', 'hung up', 5000);
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-calls-kept-'));
    try {
      const file = join(dir, 'lab.pcapng');
      await h.live.save(file);
      const r = ingestBytes(new Uint8Array(readFileSync(file)), 'lab.pcapng');
      analyzeTrace(r.trace);
      const call = [...traceDtmf(r.trace).values()].find((l) => l.some((x) => x.echo))!;
      expect(call.map((x) => (x.echo ? `(${x.digit})` : x.digit)).join(' ')).toBe('1 (1) 2 (2) 3 (3)');
      expect(summaryText(r)).toContain('DTMF: 3 digits in 1 call (rtp-event 3); 3 echoed back');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
