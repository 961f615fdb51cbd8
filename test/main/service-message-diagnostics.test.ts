/**
 * A message's detail lists every diagnostic its row counts: the parser's and the lint's, and the
 * analysis rules' with the full analysis' own text (which message, what it saw), not only the
 * rule's title — the problems sample's erin call (tools/samples/make-problems-sample.sh): erin's 200
 * is never ACKed (RFC 3261 §13.3.1.4) and retransmitted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { Events, Invoke, type AnalysisProgressEvent } from '../../src/shared/api';
import { RULES_BY_CODE } from '../../src/sip-core/analysis';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());

describe('message details', () => {
  it("show the analysis rules' diagnostics with their own text and RFC, as many as the row counts", async () => {
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    const off = host.onEvent((event, payload) => {
      const p = payload as AnalysisProgressEvent;
      if (event === Events.captureAnalysis && p.complete && p.checked) ended();
    });
    const cap = await host.invoke(Invoke.captureOpenSample, { id: 'problems' });
    await done;
    off();
    const calls = await host.invoke(Invoke.callsQuery, { captureId: cap.id, offset: 0, limit: 100 });
    const erin = calls.items.find((c) => /sip:erin@/.test(c.to ?? ''))!;
    const rows = await host.invoke(Invoke.messagesPage, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      call: erin.id,
    });
    // erin's first 200 (from its own address, not the proxy's copy) is the one never ACKed.
    const ok = rows.items.find((m) => m.status === 200 && m.src === '127.0.0.32:5060' && !m.retransmission)!;
    const detail = await host.invoke(Invoke.messageGet, { captureId: cap.id, id: ok.id });
    const ack = detail.diagnostics.find((d) => d.code === 'ack-missing-2xx');
    expect(ack).toMatchObject({ severity: 'error', rfc: '3261 §13.3.1.4' });
    expect(ack!.message).toBe('2xx to INVITE (CSeq 1) from 127.0.0.32:5060 was never ACKed');
    expect(ack!.message).not.toBe(RULES_BY_CODE.get('ack-missing-2xx')!.title);
    expect(detail.row.diagnostics).toBe(detail.diagnostics.length);
    expect(ok.diagnostics).toBe(detail.diagnostics.length);
    // Every message of the call: the detail lists what the row counts, and the worst severity agrees.
    for (const m of rows.items) {
      const d = await host.invoke(Invoke.messageGet, { captureId: cap.id, id: m.id });
      expect([m.id, d.diagnostics.length]).toEqual([m.id, m.diagnostics]);
      const sev = d.diagnostics.some((x) => x.severity === 'error')
        ? 'error'
        : d.diagnostics.some((x) => x.severity === 'warning')
          ? 'warning'
          : d.diagnostics.length
            ? 'info'
            : null;
      expect([m.id, sev]).toEqual([m.id, m.maxSeverity]);
    }
  });
});
