/** The hop diff view: removed, added and changed lines marked, unchanged runs folded until clicked. */
import { describe, expect, it } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import MessageDiff from '../../../src/renderer/src/lib/capture/MessageDiff.svelte';

const msg = (mf: number, extra: string[]): string =>
  [
    'INVITE sip:bob@b.example SIP/2.0',
    ...extra,
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a',
    `Max-Forwards: ${mf}`,
    'From: <sip:alice@a.example>;tag=1',
    'To: <sip:bob@b.example>',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@10.0.0.1>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

describe('MessageDiff', () => {
  it('marks what the element changed and folds the rest', async () => {
    const previous = { id: 3, frame: 4, src: '10.0.0.1:5060', dst: '10.0.0.10:5060', time: 1700000000 };
    const { container, getByTestId } = render(MessageDiff, {
      before: msg(70, []),
      after: msg(69, ['Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-p']),
      previous,
    });
    const text = getByTestId('hop-diff').textContent ?? '';
    expect(text).toContain('#3');
    expect(text).toMatch(/0 removed\s*·\s*1 added\s*·\s*1 changed/);
    expect([...container.querySelectorAll('tr.added')].map((r) => r.textContent)).toEqual([
      '+Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-p',
    ]);
    expect(container.querySelector('tr.changed.before')?.textContent).toBe('~Max-Forwards: 70');
    expect(container.querySelector('tr.changed.after')?.textContent).toBe('Max-Forwards: 69');
    // Only the value that changed is marked.
    expect(container.querySelector('tr.changed.before .part')?.textContent).toBe('70');
    expect(container.querySelector('tr.changed.after .part')?.textContent).toBe('69');
    const fold = container.querySelector('tr.fold button') as HTMLButtonElement;
    expect(fold.textContent).toMatch(/⋯ \d+ unchanged lines/);
    const rows = container.querySelectorAll('tr').length;
    await fireEvent.click(fold);
    expect(container.querySelectorAll('tr').length).toBeGreaterThan(rows);
  });

  it('marks a header that moved, and counts it', () => {
    const lines = (l: string[]): string => [...l, '', ''].join('\r\n');
    const { container, getByTestId } = render(MessageDiff, {
      before: lines([
        'BYE sip:a@x SIP/2.0',
        'CSeq: 2 BYE',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'Call-ID: c',
      ]),
      after: lines([
        'BYE sip:a@x SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'Call-ID: c',
        'CSeq: 2 BYE',
      ]),
      previous: { id: 1, frame: 2, src: 'a', dst: 'b', time: 1 },
      against: 'pinned',
    });
    expect(getByTestId('pinned-diff').textContent).toMatch(
      /0 removed\s*·\s*0 added\s*·\s*0 changed\s*·\s*1 moved/,
    );
    expect([...container.querySelectorAll('tr.moved')].map((r) => r.textContent)).toEqual(['↕CSeq: 2 BYE']);
  });
});
