/**
 * The user's split and join through the service API (`calls:split`, `calls:join`): the calls list,
 * its counts and a call's messages change at once, every client is told (`calls:changed`), the edits
 * are remembered per capture file (never written into it) and applied when it is opened again, and a
 * bad request answers an error without harming the host.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiError, Events, Invoke, type CallDto } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { TraceAnalyzer } from '../../src/sip-core/analysis/analyzer';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import type { ServiceHost } from '../../src/main/service/host';
import { LEG_A, LEG_B, UNRELATED, writeB2buaCapture } from '../helpers/b2bua-capture';

const dir = mkdtempSync(join(tmpdir(), 'sipscope-call-edits-'));
const file = writeB2buaCapture(join(dir, 'b2bua.pcap'));
const editsFile = join(dir, 'config', 'call-edits.json');
const sha = (): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const original = sha();
const hosts: ServiceHost[] = [];

function newHost(): ServiceHost {
  const h = createHost({ mode: 'browser', recentFile: null, callEditsFile: editsFile });
  hosts.push(h);
  return h;
}

async function calls(
  h: ServiceHost,
  captureId: string,
): Promise<{ items: CallDto[]; byState: Record<string, number> }> {
  const p = await h.invoke(Invoke.callsQuery, { captureId, offset: 0, limit: 100 });
  return { items: p.items, byState: p.byState };
}

const legs = (items: CallDto[]): [string, string[]][] => items.map((c) => [c.id, c.callIds]);

afterAll(async () => {
  for (const h of hosts) await h.dispose();
});

describe('split and join through the service', () => {
  const host = newHost();
  let cap = '';
  const changed: { captureId: string; calls: number }[] = [];
  host.onEvent((e, p) => {
    if (e === Events.callsChanged) changed.push(p as { captureId: string; calls: number });
  });

  it('lists a B2BUA call with its legs and the link that joined them (reason, confidence, detail)', async () => {
    cap = (await host.openPath(file)).id;
    const { items } = await calls(host, cap);
    expect(legs(items)).toEqual([
      ['C1', [LEG_A, LEG_B]],
      ['C3', [UNRELATED]],
    ]);
    expect(items[0]!.links).toEqual([
      { a: LEG_A, b: LEG_B, reason: 'x-cid', confidence: 0.95, detail: `x-cid: ${LEG_A}` },
    ]);
    expect(items[0]!.legs).toBe(2);
    expect(items[1]!.links).toEqual([]);
  });

  it('splits the link: two calls at once, their messages, counts and states, and tells the clients', async () => {
    const before = await calls(host, cap);
    const r = await host.invoke(Invoke.callsSplit, { captureId: cap, a: LEG_A, b: LEG_B });
    expect(r).toEqual({ changed: true, calls: ['C1', 'C2'], total: 3 });
    expect(changed.at(-1)).toEqual({ captureId: cap, calls: 3 });
    const { items, byState } = await calls(host, cap);
    expect(legs(items)).toEqual([
      ['C1', [LEG_A]],
      ['C2', [LEG_B]],
      ['C3', [UNRELATED]],
    ]);
    expect(items[0]!.messages + items[1]!.messages).toBe(before.items[0]!.messages);
    expect(Object.values(byState).reduce((a, b) => a + b, 0)).toBe(3);
    const c2 = await host.invoke(Invoke.messagesPage, { captureId: cap, offset: 0, limit: 100, call: 'C2' });
    expect(c2.total).toBe(items[1]!.messages);
    expect(c2.items.every((m) => m.call === 'C2' && m.callId === LEG_B)).toBe(true);
    expect((await host.invoke(Invoke.captureList, null))[0]!.calls).toBe(3);
    // Nothing left to split: no change, no event.
    const n = changed.length;
    expect((await host.invoke(Invoke.callsSplit, { captureId: cap, a: 'C1', b: 'C2' })).changed).toBe(false);
    expect(changed.length).toBe(n);
  });

  it('joins two calls chosen in the list (reason manual), the ladder of the joined call has every leg', async () => {
    const r = await host.invoke(Invoke.callsJoin, { captureId: cap, calls: ['C3', 'C2'] });
    expect(r).toEqual({ changed: true, calls: ['C2'], total: 2 });
    const { items } = await calls(host, cap);
    expect(legs(items)).toEqual([
      ['C1', [LEG_A]],
      ['C2', [LEG_B, UNRELATED]],
    ]);
    expect(items[1]!.links).toEqual([
      { a: LEG_B, b: UNRELATED, reason: 'manual', confidence: 1, detail: 'joined by the user' },
    ]);
    const ladder = await host.invoke(Invoke.exportLadder, { captureId: cap, calls: ['C2'], format: 'text' });
    expect(ladder.text).toContain('198.51.100.30');
    const msgs = await host.invoke(Invoke.messagesPage, {
      captureId: cap,
      offset: 0,
      limit: 100,
      call: 'C2',
    });
    expect(new Set(msgs.items.map((m) => m.callId))).toEqual(new Set([LEG_B, UNRELATED]));
  });

  it('remembers the edits per capture file, never writing the file, and applies them when it is opened again', async () => {
    expect(sha()).toBe(original);
    const saved = JSON.parse(readFileSync(editsFile, 'utf8'));
    expect(saved.files[0].path).toBe(file);
    expect(saved.files[0].edits).toEqual([
      { op: 'split', a: LEG_A, b: LEG_B },
      { op: 'join', a: UNRELATED, b: LEG_B },
    ]);
    const again = newHost();
    const c = await again.openPath(file);
    await again.invoke(Invoke.captureStats, { captureId: c.id }); // waits for the full analysis
    expect(legs((await calls(again, c.id)).items)).toEqual([
      ['C1', [LEG_A]],
      ['C2', [LEG_B, UNRELATED]],
    ]);
  });

  it('answers a bad or impossible request with an error and keeps serving', async () => {
    const bad: [string, unknown, string][] = [
      [Invoke.callsJoin, { captureId: cap, calls: ['C1'] }, 'bad-request'],
      [Invoke.callsJoin, { captureId: cap, calls: 'C1,C2' }, 'bad-request'],
      [Invoke.callsJoin, { captureId: cap, calls: ['C1', 7] }, 'bad-request'],
      [Invoke.callsJoin, { captureId: cap, calls: ['C1', 'C2'], extra: 1 }, 'bad-request'],
      [Invoke.callsSplit, { captureId: cap, a: LEG_A, b: 7 }, 'bad-request'],
      [Invoke.callsUnedit, { captureId: cap, a: LEG_A }, 'bad-request'],
      [Invoke.callsUnedit, { captureId: cap, a: LEG_A, b: 'not-edited' }, 'not-found'],
      [Invoke.callsEdits, { captureId: cap, a: LEG_A }, 'bad-request'],
      [Invoke.callsSplit, { captureId: cap, a: LEG_A, b: '' }, 'bad-request'],
      [Invoke.callsSplit, null, 'bad-request'],
      [Invoke.callsSplit, { captureId: cap, a: LEG_A, b: 'C99' }, 'not-found'],
      [Invoke.callsSplit, { captureId: cap, a: LEG_A, b: LEG_A }, 'bad-request'],
      [Invoke.callsJoin, { captureId: cap, calls: ['C1', 'no-such-call-id'] }, 'not-found'],
      [Invoke.callsJoin, { captureId: 'cap999', calls: ['C1', 'C2'] }, 'not-found'],
    ];
    for (const [channel, req, code] of bad) {
      const e = await host.invoke(channel as typeof Invoke.callsJoin, req).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e, JSON.stringify(req)).toBeInstanceOf(ApiError);
      expect((e as ApiError).code, JSON.stringify(req)).toBe(code);
    }
    expect(legs((await calls(host, cap)).items)).toHaveLength(2);
  });
});

describe('a leg split off, the edits listed and taken back', () => {
  const d = mkdtempSync(join(tmpdir(), 'sipscope-unedit-'));
  const f = writeB2buaCapture(join(d, 'b2bua.pcap'));
  const store = join(d, 'config', 'call-edits.json');
  const mk = (): ServiceHost => {
    const h = createHost({
      mode: 'browser',
      recentFile: join(d, 'config', 'recent.json'),
      callEditsFile: store,
    });
    hosts.push(h);
    return h;
  };
  const host = mk();
  let cap = '';
  const auto: [string, string[]][] = [
    ['C1', [LEG_A, LEG_B]],
    ['C3', [UNRELATED]],
  ];

  it('splits one leg off its call (calls:split without b: every link it has) and lists the edit', async () => {
    cap = (await host.openPath(f)).id;
    expect(await host.invoke(Invoke.callsEdits, { captureId: cap })).toEqual([]);
    expect((await host.invoke(Invoke.recentList, null))[0]!.edits).toBeUndefined();
    const r = await host.invoke(Invoke.callsSplit, { captureId: cap, a: 'C2' });
    expect(r).toEqual({ changed: true, calls: ['C2'], total: 3 });
    expect(legs((await calls(host, cap)).items)).toEqual([
      ['C1', [LEG_A]],
      ['C2', [LEG_B]],
      ['C3', [UNRELATED]],
    ]);
    expect(await host.invoke(Invoke.callsEdits, { captureId: cap })).toEqual([
      { op: 'split', a: LEG_B, b: LEG_A },
    ]);
    // A leg with no link left: nothing to split.
    expect((await host.invoke(Invoke.callsSplit, { captureId: cap, a: 'C3' })).changed).toBe(false);
  });

  it('marks the file in the recent list while it has edits', async () => {
    await host.invoke(Invoke.callsJoin, { captureId: cap, calls: ['C3', 'C2'] });
    const [r] = await host.invoke(Invoke.recentList, null);
    expect(r).toMatchObject({ path: f, edits: 2 });
  });

  it('takes one edit back: the calls as the analysis made them for that pair, the other edit kept', async () => {
    const r = await host.invoke(Invoke.callsUnedit, { captureId: cap, a: LEG_A, b: LEG_B });
    expect(r).toEqual({ changed: true, calls: ['C1'], total: 1 });
    const { items } = await calls(host, cap);
    expect(legs(items)).toEqual([['C1', [LEG_A, LEG_B, UNRELATED]]]);
    expect(items[0]!.links.map((l) => l.reason).sort()).toEqual(['manual', 'x-cid']);
    expect(await host.invoke(Invoke.callsEdits, { captureId: cap })).toEqual([
      { op: 'join', a: UNRELATED, b: LEG_B },
    ]);
    expect(JSON.parse(readFileSync(store, 'utf8')).files[0].edits).toEqual([
      { op: 'join', a: UNRELATED, b: LEG_B },
    ]);
  });

  it('takes every edit back: the automatic answer, nothing remembered, no mark in the recent list', async () => {
    await host.invoke(Invoke.callsSplit, { captureId: cap, a: LEG_A, b: LEG_B });
    expect(await host.invoke(Invoke.callsEdits, { captureId: cap })).toHaveLength(2);
    const r = await host.invoke(Invoke.callsUnedit, { captureId: cap });
    expect(r.changed).toBe(true);
    expect(r.total).toBe(2);
    expect(legs((await calls(host, cap)).items)).toEqual(auto);
    expect(await host.invoke(Invoke.callsEdits, { captureId: cap })).toEqual([]);
    expect(JSON.parse(readFileSync(store, 'utf8')).files).toEqual([]);
    expect((await host.invoke(Invoke.recentList, null))[0]!.edits).toBeUndefined();
    const again = mk();
    const c = await again.openPath(f);
    await again.invoke(Invoke.captureStats, { captureId: c.id });
    expect(legs((await calls(again, c.id)).items)).toEqual(auto);
    // Nothing left to take back.
    const e = await host.invoke(Invoke.callsUnedit, { captureId: cap }).catch((err: unknown) => err);
    expect((e as ApiError).code).toBe('not-found');
  });
});

describe('the calls list after an edit', () => {
  const problems = join(import.meta.dirname, '../../resources/samples/sample-problems.pcap');
  async function opened(): Promise<TraceAdapter> {
    const r = await ingestCaptureFile(problems);
    const a = new TraceAdapter(r.trace, r.diagnostics, { background: true });
    await a.analyse();
    await a.checkMessages();
    return a;
  }
  const all = (a: TraceAdapter): unknown => {
    const p = a.queryCalls({ offset: 0, limit: 1000 });
    return { ...p, problems: p.problems, byState: p.byState };
  };
  it('keeps the rows of the calls it did not touch and gives the same list as the edits applied at open', async () => {
    const a = await opened();
    const before = a.queryCalls({ offset: 0, limit: 1000 }).items;
    // Calls with message-level codes (the message checks) among those joined and split.
    const [x, y, z, w] = [...before].sort((p, q) => q.diagnostics - p.diagnostics);
    a.joinCalls([x!.id, y!.id]);
    all(a);
    a.joinCalls([z!.id, w!.id]);
    all(a);
    a.splitCall(x!.callIds[0]!, y!.callIds[0]!);
    const after = a.queryCalls({ offset: 0, limit: 1000 }).items;
    expect(after).toHaveLength(before.length - 1);
    // An untouched call's row is the very object it was.
    const untouched = before.find((c) => ![x, y, z, w].includes(c))!;
    expect(after.find((c) => c.id === untouched.id)).toBe(untouched);
    const fresh = await opened();
    fresh.setCallEdits(a.callEdits());
    expect(JSON.stringify(all(a))).toBe(JSON.stringify(all(fresh)));
    // Every edit taken back: the list of an analysis never edited.
    a.uneditCalls();
    const plain = await opened();
    expect(JSON.stringify(all(a))).toBe(JSON.stringify(all(plain)));
    a.close();
    fresh.close();
    plain.close();
  });

  it('patches the list: an edit and its next page cost the calls it touches, not a pass over every call', async () => {
    const a = await opened();
    const before = a.queryCalls({ offset: 0, limit: 1000 }).items;
    const roots = vi.spyOn(TraceAnalyzer.prototype, 'callRoots');
    try {
      const r = a.joinCalls([before[2]!.id, before[0]!.id]);
      expect(r.total).toBe(before.length - 1);
      a.queryCalls({ offset: 0, limit: 1000 });
      a.splitCall(before[2]!.callIds[0]!, before[0]!.callIds[0]!);
      expect(a.callCount()).toBe(before.length);
      a.splitCall(before[1]!.id);
      a.uneditCalls();
      expect(roots).not.toHaveBeenCalled();
    } finally {
      roots.mockRestore();
    }
    expect(JSON.stringify(a.queryCalls({ offset: 0, limit: 1000 }).items)).toBe(JSON.stringify(before));
    a.close();
  });
});
