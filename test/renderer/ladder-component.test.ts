/**
 * The Ladder component in happy-dom: a virtualized DOM (rows in view only), lane headers, zoom
 * controls, collapse/expand, merge by host, keyboard selection, and colour bands for several calls.
 */
import { describe, expect, it } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import type { MessageRow } from '../../src/shared/api';
import Ladder from '../../src/renderer/src/lib/ladder/Ladder.svelte';
import { LadderViewState } from '../../src/renderer/src/lib/ladder/ladder-state.svelte';

function row(id: number, src: string, dst: string, p: Partial<MessageRow> = {}): MessageRow {
  return {
    id,
    frame: id + 1,
    time: 1_700_000_000 + id * 0.01,
    src,
    dst,
    transport: 'UDP',
    kind: 'request',
    method: 'INFO',
    requestUri: null,
    status: null,
    reason: null,
    callId: 'c1',
    cseq: 1,
    cseqMethod: 'INFO',
    fromTag: 'a',
    toTag: null,
    body: null,
    diagnostics: 0,
    maxSeverity: null,
    transaction: `T${id >> 1}`,
    dialog: 'D1',
    call: 'C1',
    retransmission: false,
    ...p,
  };
}

const A = '127.0.0.10:5060',
  P = '127.0.0.20:5060',
  P2 = '127.0.0.20:5080',
  B = '127.0.0.30:5060';

function call(n: number): MessageRow[] {
  const hops: [string, string][] = [
    [A, P],
    [P2, B],
    [B, P2],
    [P, A],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [s, d] = hops[i % 4];
    return row(i, s, d, i % 4 >= 2 ? { kind: 'response', method: null, status: 200, reason: 'OK' } : {});
  });
}

describe('Ladder (component)', () => {
  it('draws only the rows in view of a 100,000-message ladder, with a spacer for the whole height', () => {
    const { getByTestId } = render(Ladder, { props: { messages: call(100_000), onSelect: () => {} } });
    const lad = getByTestId('ladder');
    expect(lad.getAttribute('data-ladder-rows')).toBe('100000');
    const arrows = lad.querySelectorAll('g.arrow');
    expect(arrows.length).toBeGreaterThan(10);
    expect(arrows.length).toBeLessThan(60);
    const sheet = lad.querySelector('.sheet') as HTMLElement;
    expect(parseFloat(sheet.style.height)).toBeGreaterThan(100_000 * 28);
    expect(lad.querySelectorAll('text.lane-name')).toHaveLength(4);
  });

  it('moves the window when scrolled: the rows drawn follow scrollTop', () => {
    const { getByTestId } = render(Ladder, { props: { messages: call(10_000), onSelect: () => {} } });
    const lad = getByTestId('ladder');
    lad.scrollTop = 5000 * 28;
    fireEvent.scroll(lad);
    flushSync();
    const [start, end] = (lad.getAttribute('data-window') ?? '').split(':').map(Number);
    expect(start).toBeLessThanOrEqual(5000);
    expect(end).toBeGreaterThan(5010);
    const ids = [...lad.querySelectorAll('g.arrow')].map((g) => Number(g.getAttribute('data-id')));
    expect(ids).toContain(5005);
    expect(ids).not.toContain(0);
    expect(lad.querySelector('g.arrow')?.getAttribute('aria-posinset')).toBe(String(start + 1));
  });

  it('selects with the keyboard (j/k, End, Home) and reports each selection like a click', async () => {
    const picked: number[] = [];
    const { getByTestId } = render(Ladder, {
      props: { messages: call(500), onSelect: (id: number) => picked.push(id) },
    });
    const lad = getByTestId('ladder');
    await fireEvent.keyDown(lad, { key: 'j' });
    await fireEvent.keyDown(lad, { key: 'j' });
    await fireEvent.keyDown(lad, { key: 'k' });
    await fireEvent.keyDown(lad, { key: 'End' });
    await fireEvent.keyDown(lad, { key: 'Home' });
    expect(picked).toEqual([0, 1, 0, 499, 0]);
    await fireEvent.keyDown(lad, { key: 'End' });
    // The last row is scrolled into view and is the active descendant.
    const sel = lad.querySelector('g.arrow.sel');
    expect(sel?.getAttribute('data-id')).toBe('499');
    expect(lad.getAttribute('aria-activedescendant')).toBe(sel?.id);
    expect(sel?.getAttribute('aria-label')).toMatch(/^200 OK, from 127\.0\.0\.20:5060 to 127\.0\.0\.10:5060/);
    // A click on a row in view selects it (rows above the view are overscan, not clickable by eye).
    const visible = lad.querySelectorAll('g.arrow')[12];
    const id = Number(visible.getAttribute('data-id'));
    await fireEvent.click(visible);
    expect(picked.at(-1)).toBe(id);
    expect(lad.querySelector('g.arrow.sel')?.getAttribute('data-id')).toBe(String(id));
  });

  it('zooms with the buttons and keys, and collapses, merges and restores lanes', async () => {
    const view = new LadderViewState();
    const { getByTestId, getByRole } = render(Ladder, {
      props: { messages: call(20), onSelect: () => {}, view },
    });
    const lad = getByTestId('ladder');
    const width = (): number => parseFloat((lad.querySelector('.sheet') as HTMLElement).style.width);
    const w = width();
    await fireEvent.click(getByRole('button', { name: 'Zoom in' }));
    expect(getByTestId('ladder-zoom').textContent).toBe('125%');
    expect(width()).toBeGreaterThan(w);
    await fireEvent.keyDown(lad, { key: '0' });
    await fireEvent.keyDown(lad, { key: '-' });
    expect(view.zoom).toBe(0.8);
    await fireEvent.keyDown(lad, { key: '0' });
    expect(width()).toBe(w);

    await fireEvent.click(getByRole('button', { name: `Collapse lane ${B}` }));
    expect([...lad.querySelectorAll('text.lane-name')].map((t) => t.textContent)).toEqual([A, P, P2]);
    expect(lad.querySelectorAll('g.arrow')).toHaveLength(20);
    expect([...lad.querySelectorAll('text.mark')].every((t) => t.textContent?.includes(B))).toBe(true);
    expect(lad.querySelectorAll('text.mark').length).toBeGreaterThan(0);
    expect(getByRole('button', { name: 'Show 1 collapsed lane' })).toBeTruthy();
    await fireEvent.click(getByRole('button', { name: `Expand lane ${B}` }));
    expect(lad.parentElement?.textContent).not.toContain('collapsed lane');
    expect(lad.querySelectorAll('text.lane-name')).toHaveLength(4);
    expect(lad.querySelectorAll('text.mark')).toHaveLength(0);

    const merge = getByRole('combobox', { name: 'Lanes' }) as HTMLSelectElement;
    merge.value = 'host';
    await fireEvent.change(merge);
    expect([...lad.querySelectorAll('text.lane-name')].map((t) => t.textContent)).toEqual([
      '127.0.0.10',
      '127.0.0.20',
      '127.0.0.30',
    ]);
    merge.value = 'none';
    await fireEvent.change(merge);
    expect(lad.querySelectorAll('text.lane-name')).toHaveLength(4);
  });

  it('bands each call of a multi-call ladder and marks the legs (Call-IDs) with a legend', () => {
    const msgs = [
      row(0, A, P, { call: 'C1', callId: 'leg-a' }),
      row(1, P, B, { call: 'C2', callId: 'leg-b' }),
      row(2, B, P, { call: 'C2', callId: 'leg-c', kind: 'response', status: 180, reason: 'Ringing' }),
    ];
    const { getByTestId } = render(Ladder, { props: { messages: msgs, onSelect: () => {}, bandBy: 'call' } });
    expect(getByTestId('ladder-calls').textContent?.replace(/\s+/g, ' ')).toMatch(/C1 1.*C2 2/);
    const legs = getByTestId('ladder-legs');
    expect(legs.textContent).toContain('leg-a');
    expect(legs.textContent).toContain('leg-b');
    const tags = [...getByTestId('ladder').querySelectorAll('text.leg')].map((t) => t.textContent);
    expect(tags).toEqual(['A', 'B', 'C']);
  });

  it('marks the legs of one call that groups several Call-IDs (B2BUA), not the calls of a multi-call ladder', () => {
    const b2bua = [
      row(0, A, P, { call: 'C1', callId: 'in-leg' }),
      row(1, P, B, { call: 'C1', callId: 'out-leg' }),
      row(2, B, P, { call: 'C1', callId: 'out-leg', kind: 'response', status: 200, reason: 'OK' }),
    ];
    const one = render(Ladder, { props: { messages: b2bua, onSelect: () => {} } });
    expect(one.getByTestId('ladder-legs').textContent).toContain('out-leg');
    one.unmount();
    const twoCalls = [row(0, A, P, { call: 'C1', callId: 'x' }), row(1, P, B, { call: 'C2', callId: 'y' })];
    const two = render(Ladder, { props: { messages: twoCalls, onSelect: () => {}, bandBy: 'call' } });
    expect(two.queryByTestId('ladder-legs')).toBeNull();
    expect(two.getByTestId('ladder-calls')).toBeTruthy();
  });

  it('has no legs legend for a one-Call-ID ladder and no call bands unless asked', () => {
    const { queryByTestId } = render(Ladder, { props: { messages: call(8), onSelect: () => {} } });
    expect(queryByTestId('ladder-legs')).toBeNull();
    expect(queryByTestId('ladder-calls')).toBeNull();
  });
});

describe('Ladder lane names', () => {
  it('names a lane from its header; lanes with one name merge in the by-name mode, and unmerge', async () => {
    const view = new LadderViewState();
    const { getByTestId, getByRole, getByLabelText } = render(Ladder, {
      props: { messages: call(8), onSelect: () => {}, view },
    });
    const lad = getByTestId('ladder');
    const names = (): (string | null)[] =>
      [...lad.querySelectorAll('text.lane-name')].map((t) => t.textContent);
    for (const addr of [P, P2]) {
      await fireEvent.click(getByRole('button', { name: `Name lane ${addr}` }));
      const input = getByLabelText(`Lane name for ${addr}`) as HTMLInputElement;
      input.value = 'proxy';
      await fireEvent.input(input);
      await fireEvent.keyDown(input, { key: 'Enter' });
    }
    expect(view.names).toEqual({ [P]: 'proxy', [P2]: 'proxy' });
    expect(names()).toEqual([A, 'proxy', 'proxy', B]);
    const merge = getByRole('combobox', { name: 'Lanes' }) as HTMLSelectElement;
    merge.value = 'alias';
    await fireEvent.change(merge);
    expect(names()).toEqual([A, 'proxy', B]);
    expect(lad.querySelectorAll('g.arrow')).toHaveLength(8);
    merge.value = 'none';
    await fireEvent.change(merge);
    expect(names()).toEqual([A, 'proxy', 'proxy', B]);
  });
});

describe('Ladder loops', () => {
  it('draws a message between two ports of one host as a loop once the host is merged', async () => {
    const view = new LadderViewState();
    const msgs = [row(0, A, P), row(1, P, P2), row(2, P2, B)];
    const { getByTestId } = render(Ladder, { props: { messages: msgs, onSelect: () => {}, view } });
    const lad = getByTestId('ladder');
    const loops = (): number => lad.querySelectorAll('g.arrow path').length;
    expect(loops()).toBe(0);
    view.setMerge('host');
    flushSync();
    expect(loops()).toBe(1);
    expect(lad.querySelector('g.arrow[data-id="1"] path')).not.toBeNull();
    expect(lad.querySelectorAll('g.arrow line')).toHaveLength(2);
  });
});
