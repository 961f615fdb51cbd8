/**
 * The built-in sample captures (resources/samples, made from SIPp and Kamailio by
 * tools/samples/make*-sample.sh): the host offers each with its title, and opens each by id. The
 * problems sample holds the faults its script made, and the analysis names each on its call, the way
 * a SIP engineer reads that capture:
 *  - erin: the caller sends its ACK without the route set; the proxy cannot relay it, so erin's 200
 *    is never ACKed and erin retransmits it for 32 s (RFC 3261 §13.3.1.4): ack-missing-2xx and
 *    invite-2xx-retransmitted;
 *  - dave: nothing listens; the proxy's INVITE gets no final response (Timer B, §17.1.1.2) and the
 *    proxy answers the caller 408: a failed call;
 *  - a request with Max-Forwards 0: 483 from the proxy (§16.3): a rejected call;
 *  - a MESSAGE whose Content-Length is longer than its body (§18.3): flagged on that message.
 */
import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { SAMPLES } from '../../src/main/paths';
import { ApiError, Events, Invoke, type AnalysisProgressEvent } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());

/** Opens a sample by id (null: the default) and waits for its full analysis and message checks. */
async function openSample(id: string | null) {
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const off = host.onEvent((event, payload) => {
    const p = payload as AnalysisProgressEvent;
    if (event === Events.captureAnalysis && p.complete && p.checked) ended();
  });
  const cap = await host.invoke(Invoke.captureOpenSample, id === null ? null : { id });
  await done;
  off();
  return cap;
}

describe('built-in samples', () => {
  it('lists every installed sample with its file, size, title and description, the basic one first', async () => {
    const info = await host.invoke(Invoke.appInfo, null);
    expect(info.samples.map((s) => s.id)).toEqual(['calls', 'problems', 'media']);
    for (const [i, s] of info.samples.entries()) {
      expect(s.bytes).toBe(statSync(SAMPLES[i]!.path).size);
      expect(s.name).toBe(SAMPLES[i]!.path.split('/').pop());
      expect(s.title.length).toBeGreaterThan(0);
      expect(s.description.length).toBeGreaterThan(20);
    }
  });

  it('opens the first sample without an id, a named one by id, and refuses an unknown id', async () => {
    const first = await host.invoke(Invoke.captureOpenSample, null);
    expect([first.name, first.messages]).toEqual(['sample-call.pcap', 49]);
    await expect(host.invoke(Invoke.captureOpenSample, { id: 'nope' })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('installed: calls, problems, media'),
    });
    await expect(host.invoke(Invoke.captureOpenSample, { id: 'nope' })).rejects.toBeInstanceOf(ApiError);
    expect(() => validateRequest(Invoke.captureOpenSample, { id: 3 })).toThrow(/id/);
    expect(() => validateRequest(Invoke.captureOpenSample, { id: 'calls', x: 1 })).toThrow();
  });

  it('the problems sample: each fault found on its call, with the call states a SIP engineer gives', async () => {
    const cap = await openSample('problems');
    expect([cap.name, cap.messages, cap.state]).toEqual(['sample-problems.pcap', 69, 'ready']);
    const all = await host.invoke(Invoke.callsQuery, { captureId: cap.id, offset: 0, limit: 100 });
    const user = (c: { to: string | null }) => /sip:(\w+)@/.exec(c.to ?? '')?.[1];
    expect(all.items.map((c) => [user(c), c.type, c.state, c.finalStatus])).toEqual([
      ['bob', 'call', 'completed', 200],
      ['erin', 'call', 'completed', 200],
      ['dave', 'call', 'failed', 408],
      ['bob', 'call', 'rejected', 483],
      ['frank', 'message', 'rejected', 404],
      ['bob', 'call', 'completed', 200],
    ]);
    // The analysis' codes and, from the message checks, the MESSAGE's bad Content-Length (its title
    // and RFC section from the message catalogue).
    expect(all.problems.map((p) => [p.code, p.severity, p.calls])).toEqual([
      ['ack-missing-2xx', 'error', 1],
      ['ack-not-relayed', 'error', 1],
      ['content-length-exceeds-body', 'error', 1],
      ['in-dialog-request-without-route-set', 'error', 1],
      ['invite-no-final-response', 'error', 1],
      ['max-forwards-exhausted', 'error', 1],
      ['bye-rejected', 'warning', 1],
      ['invite-2xx-retransmitted', 'warning', 1],
    ]);
    expect(all.problems[2]).toMatchObject({
      title: 'Content-Length larger than the body',
      rfc: '3261 §18.3',
    });
    // erin's ACK and BYE left without the route set Kamailio's Record-Route gave: the cause of the
    // 2xx never ACKed, named with the analysis catalogue's title and RFC section.
    expect(all.problems[3]).toMatchObject({
      code: 'in-dialog-request-without-route-set',
      title: 'In-dialog request ignores the route set',
      rfc: '3261 §12.2.1.1',
    });
    // ... and where that ACK died: Kamailio received it and sent no copy on to erin's phone.
    expect(all.problems[1]).toMatchObject({
      code: 'ack-not-relayed',
      title: 'ACK not relayed by a proxy',
      rfc: '3261 §16.7',
    });
    // frank's call counts its message's diagnostic; its MESSAGE's row and detail carry the code.
    const frank = all.items.find((c) => user(c) === 'frank')!;
    expect(frank.diagnostics).toBe(1);
    const rows = await host.invoke(Invoke.messagesPage, {
      captureId: cap.id,
      offset: 0,
      limit: 10,
      call: frank.id,
    });
    expect(rows.items[0]!.diagnostics).toBe(1);
    const detail = await host.invoke(Invoke.messageGet, { captureId: cap.id, id: rows.items[0]!.id });
    expect(detail.row.method).toBe('MESSAGE');
    expect(detail.row.maxSeverity).toBe('error');
    expect(detail.diagnostics.map((d) => [d.code, d.rfc])).toContainEqual([
      'content-length-exceeds-body',
      '3261 §18.3',
    ]);
    // erin's ACK and BYE (frames 21 and 38): their rows and details carry the route-set rule; the
    // first ACK (frame 21, not its retransmissions) the ack-not-relayed rule.
    const erin = all.items.find((c) => user(c) === 'erin')!;
    const erinRows = await host.invoke(Invoke.messagesPage, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      call: erin.id,
    });
    const flagged: unknown[][] = [];
    for (const r of erinRows.items) {
      const d = await host.invoke(Invoke.messageGet, { captureId: cap.id, id: r.id });
      for (const hit of d.diagnostics)
        if (hit.code === 'in-dialog-request-without-route-set' || hit.code === 'ack-not-relayed')
          flagged.push([r.frame, r.method, r.maxSeverity, hit.code, hit.severity, hit.rfc]);
    }
    expect(flagged).toEqual([
      [21, 'ACK', 'error', 'in-dialog-request-without-route-set', 'error', '3261 §12.2.1.1'],
      [21, 'ACK', 'error', 'ack-not-relayed', 'error', '3261 §16.7'],
      [38, 'BYE', 'error', 'in-dialog-request-without-route-set', 'error', '3261 §12.2.1.1'],
    ]);
    const callsWith = async (code: string) => {
      const page = await host.invoke(Invoke.callsQuery, {
        captureId: cap.id,
        offset: 0,
        limit: 100,
        filter: `sip.diagnostic == "${code}"`,
      });
      expect(page.filterError).toBeNull();
      return page.items.map((c) => `${user(c)} ${c.finalStatus}`);
    };
    expect(await callsWith('ack-missing-2xx')).toEqual(['erin 200']);
    expect(await callsWith('in-dialog-request-without-route-set')).toEqual(['erin 200']);
    expect(await callsWith('ack-not-relayed')).toEqual(['erin 200']);
    expect(await callsWith('invite-2xx-retransmitted')).toEqual(['erin 200']);
    expect(await callsWith('invite-no-final-response')).toEqual(['dave 408']);
    expect(await callsWith('max-forwards-exhausted')).toEqual(['bob 483']);
    expect(await callsWith('content-length-exceeds-body')).toEqual(['frank 404']);
  });

  it('the problems sample opens sorted by Diag: the calls with an error first (by start), the clean ones last', async () => {
    const info = await host.invoke(Invoke.appInfo, null);
    expect(info.samples.map((s) => s.sort ?? null)).toEqual([null, 'diagnostics', null]);
    const cap = await openSample('problems');
    const user = (c: { to: string | null }) => /sip:(\w+)@/.exec(c.to ?? '')?.[1];
    const page = await host.invoke(Invoke.callsQuery, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      sort: 'diagnostics',
    });
    expect(page.items.map((c) => [user(c), c.finalStatus, c.diagnostics > 0])).toEqual([
      ['erin', 200, true],
      ['dave', 408, true],
      ['bob', 483, true],
      ['frank', 404, true],
      ['bob', 200, false],
      ['bob', 200, false],
    ]);
    // (by start within a severity)
    expect(page.items.slice(0, 4).map((c) => c.start)).toEqual(
      page.items
        .slice(0, 4)
        .map((c) => c.start)
        .sort((x, y) => x - y),
    );
    // The second click: the other way round, the clean calls first.
    const back = await host.invoke(Invoke.callsQuery, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      sort: 'diagnostics',
      desc: true,
    });
    expect(back.items.map((c) => c.id)).toEqual(page.items.map((c) => c.id).reverse());
  });

  it('lists the messages of the calls a filter keeps, paged, in trace order; none when it keeps none', async () => {
    const cap = await openSample('problems');
    const page = (offset: number, limit: number, filter?: string) =>
      host.invoke(Invoke.messagesPage, { captureId: cap.id, offset, limit, ...(filter ? { filter } : {}) });
    expect((await page(0, 10)).total).toBe(69);
    const failed = await host.invoke(Invoke.callsQuery, {
      captureId: cap.id,
      offset: 0,
      limit: 10,
      filter: 'call.state == "rejected"',
    });
    expect(failed.total).toBe(2);
    const want: number[] = [];
    for (const c of failed.items) {
      const rows = await host.invoke(Invoke.messagesPage, {
        captureId: cap.id,
        offset: 0,
        limit: 100,
        call: c.id,
      });
      want.push(...rows.items.map((m) => m.id));
    }
    want.sort((a, b) => a - b);
    const first = await page(0, 3, 'call.state == "rejected"');
    const rest = await page(3, 100, 'call.state == "rejected"');
    expect(first.total).toBe(want.length);
    expect([...first.items, ...rest.items].map((m) => m.id)).toEqual(want);
    expect(rest.offset).toBe(3);
    // A filter that keeps no call: no message (the calls list says "Calls 0").
    const none = await page(0, 50, 'call.state == "no-such-state"');
    expect([none.total, none.items.length]).toEqual([0, 0]);
    // One that does not parse: every message, as the calls list is then unfiltered.
    expect((await page(0, 10, 'call.state ==')).total).toBe(69);
    // A call given: its messages, whatever the filter.
    const one = await host.invoke(Invoke.messagesPage, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      call: failed.items[0]!.id,
      filter: 'call.state == "no-such-state"',
    });
    expect(one.total).toBeGreaterThan(0);
    expect(() =>
      validateRequest(Invoke.messagesPage, { captureId: cap.id, offset: 0, limit: 1, filter: 3 }),
    ).toThrow(/filter/);
  });
});
