/**
 * The calls query of the service on the sample capture (SIPp → Kamailio → SIPp): each call's first
 * request source/destination, sorting on every field the calls list offers, and the previous
 * hop's copy of a proxied request in the message detail.
 */
import { describe, expect, it } from 'vitest';
import { Invoke, type CallSortField } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { sampleHost } from '../helpers/sample-host';

const sample = sampleHost();

describe('calls query', () => {
  it("gives each call its first INVITE's source and destination", async () => {
    const page = await sample.host.invoke(Invoke.callsQuery, {
      captureId: sample.cap.id,
      offset: 0,
      limit: 100,
    });
    expect(page.total).toBe(5);
    const calls = page.items.filter((c) => c.type === 'call');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.src).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
      expect(c.dst).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
      expect(c.src).not.toBe(c.dst);
      // The first INVITE of the call, as the messages page shows it.
      const msgs = await sample.host.invoke(Invoke.messagesPage, {
        captureId: sample.cap.id,
        offset: 0,
        limit: 500,
        call: c.id,
      });
      const invite = msgs.items.find((m) => m.method === 'INVITE')!;
      expect([c.src, c.dst]).toEqual([invite.src, invite.dst]);
    }
  });

  const fields: [CallSortField, (c: { [k: string]: unknown }) => unknown][] = [
    ['setupTime', (c) => c.setupTime],
    ['legs', (c) => c.legs],
    ['src', (c) => c.src],
    ['dst', (c) => c.dst],
    ['pdd', (c) => c.pdd],
    ['finalStatus', (c) => c.finalStatus],
  ];
  it.each(fields)('sorts on %s (nulls last), and desc reverses', async (sort, get) => {
    const asc = await sample.host.invoke(Invoke.callsQuery, {
      captureId: sample.cap.id,
      offset: 0,
      limit: 100,
      sort,
    });
    const values = asc.items.map((c) => get(c as unknown as { [k: string]: unknown }));
    const nonNull = values.filter((v) => v !== null);
    expect(values.slice(0, nonNull.length)).toEqual(nonNull);
    const sorted = [...nonNull].sort((a, b) =>
      typeof a === 'number'
        ? a - (b as number)
        : String(a).localeCompare(String(b), undefined, { numeric: true }),
    );
    expect(nonNull).toEqual(sorted);
    const desc = await sample.host.invoke(Invoke.callsQuery, {
      captureId: sample.cap.id,
      offset: 0,
      limit: 100,
      sort,
      desc: true,
    });
    expect(desc.items.map((c) => c.id)).toEqual(asc.items.map((c) => c.id).reverse());
  });

  it('pages through one sorted, filtered view, and a new filter or sort gives a new one', async () => {
    const q = (o: { offset: number; limit: number; sort?: CallSortField; desc?: boolean; filter?: string }) =>
      sample.host.invoke(Invoke.callsQuery, { captureId: sample.cap.id, ...o });
    const whole = await q({ offset: 0, limit: 100, sort: 'src', desc: true });
    const pages = [];
    for (let off = 0; off < whole.total; off += 2)
      pages.push(...(await q({ offset: off, limit: 2, sort: 'src', desc: true })).items);
    expect(pages.map((c) => c.id)).toEqual(whole.items.map((c) => c.id));
    const busy = await q({ offset: 0, limit: 100, sort: 'src', desc: true, filter: 'call.state == "busy"' });
    expect(busy.items.map((c) => c.state)).toEqual(['busy']);
    expect(busy.byState).toEqual({ busy: 1 });
    busy.byState.busy = 99; // the caller's copy: the kept view is not changed
    expect(
      (await q({ offset: 0, limit: 1, sort: 'src', desc: true, filter: 'call.state == "busy"' })).byState,
    ).toEqual({ busy: 1 });
    const bad = await q({ offset: 0, limit: 100, filter: 'call.state ==' });
    expect(bad.filterError?.column).toBeGreaterThan(0);
    expect(bad.total).toBe(5);
    expect((await q({ offset: 0, limit: 100, sort: 'start' })).items.map((c) => c.id)).toEqual(
      [...whole.items].sort((a, b) => a.start - b.start).map((c) => c.id),
    );
  });

  it('rejects a sort field the core does not know', () => {
    expect(() =>
      validateRequest(Invoke.callsQuery, { captureId: 'c', offset: 0, limit: 10, sort: 'codecs' }),
    ).toThrow(/unknown sort field/);
    expect(() =>
      validateRequest(Invoke.callsQuery, { captureId: 'c', offset: 0, limit: 10, sort: 'setupTime' }),
    ).not.toThrow();
  });
});

describe('message detail: the previous hop', () => {
  it('gives the proxied INVITE the copy Kamailio received, and the first copy none', async () => {
    const page = await sample.host.invoke(Invoke.messagesPage, {
      captureId: sample.cap.id,
      offset: 0,
      limit: 100,
    });
    const invites = page.items.filter((m) => m.method === 'INVITE').slice(0, 2);
    const [first, second] = await Promise.all(
      invites.map((m) => sample.host.invoke(Invoke.messageGet, { captureId: sample.cap.id, id: m.id })),
    );
    expect(first!.path?.hop?.copies.map((c) => c.id)).toEqual([invites[0]!.id, invites[1]!.id]);
    expect(first!.previousHop).toBeNull();
    const prev = second!.previousHop!;
    expect(prev.id).toBe(invites[0]!.id);
    expect([prev.src, prev.dst]).toEqual([invites[0]!.src, invites[0]!.dst]);
    expect(prev.text).toBe(first!.text);
    expect(prev.text).toMatch(/^INVITE sip:/);
    expect(second!.text).toMatch(/^Max-Forwards: 69\r?$/m);
    expect(prev.text).toMatch(/^Max-Forwards: 70\r?$/m);
  });
});
