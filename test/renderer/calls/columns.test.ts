import { describe, expect, it } from 'vitest';
import type { CallDto } from '../../../src/shared/api';
import {
  fitCell,
  columnById,
  CALL_COLUMNS,
  COLUMNS_KEY,
  DEFAULT_COLUMNS,
  cellText,
  typeTag,
  loadColumns,
  moveColumn,
  saveColumns,
  toggleColumn,
  type KeyValueStore,
} from '../../../src/renderer/src/lib/calls/columns';

function memoryStore(init: Record<string, string> = {}): KeyValueStore & { data: Record<string, string> } {
  const data = { ...init };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

const call: CallDto = {
  id: 'C1',
  callIds: ['a@h', 'b@h'],
  type: 'call',
  state: 'completed',
  from: 'sip:alice@a.example',
  to: 'sip:bob@b.example',
  fromUser: 'alice',
  toUser: null,
  finalStatus: 200,
  start: 1700000000.5,
  end: 1700000003,
  pdd: 0.1234,
  setupTime: 0.4,
  duration: 2.25,
  startOpen: false,
  codecs: ['PCMU', 'PCMA'],
  media: [],
  messages: 13,
  legs: 2,
  diagnostics: 0,
  src: '10.0.0.1:5060',
  dst: '10.0.0.2:5060',
  links: [{ a: 'a@h', b: 'b@h', reason: 'x-cid', confidence: 0.95, detail: 'X-CID: a@h' }],
};

describe('calls list columns', () => {
  it('offers every column the issue lists, sortable where the core sorts', () => {
    expect(CALL_COLUMNS.map((c) => c.id)).toEqual([
      'start',
      'from',
      'to',
      'state',
      'final',
      'pdd',
      'setup',
      'duration',
      'messages',
      'legs',
      'callId',
      'src',
      'dst',
      'codecs',
      'media',
      'dtmf',
      'diag',
    ]);
    expect(CALL_COLUMNS.filter((c) => !c.sort).map((c) => c.id)).toEqual(['callId', 'codecs']);
    // The digits pressed: in the chooser, off by default, sorted as text by the core.
    expect(DEFAULT_COLUMNS).not.toContain('dtmf');
    expect(columnById('dtmf')).toMatchObject({ label: 'DTMF', sort: 'dtmf' });
  });

  it('loads the default without a stored choice, and drops unknown or repeated ids', () => {
    expect(loadColumns(null)).toEqual(DEFAULT_COLUMNS);
    expect(loadColumns(memoryStore())).toEqual(DEFAULT_COLUMNS);
    expect(loadColumns(memoryStore({ [COLUMNS_KEY]: 'not json' }))).toEqual(DEFAULT_COLUMNS);
    expect(loadColumns(memoryStore({ [COLUMNS_KEY]: '["nope"]' }))).toEqual(DEFAULT_COLUMNS);
    expect(loadColumns(memoryStore({ [COLUMNS_KEY]: '["src","bogus","from","src"]' }))).toEqual([
      'src',
      'from',
    ]);
  });

  it('remembers a choice in order', () => {
    const s = memoryStore();
    saveColumns(s, ['dst', 'start']);
    expect(loadColumns(s)).toEqual(['dst', 'start']);
  });

  it('toggles (shown columns go last; the last column stays) and moves, clamped', () => {
    expect(toggleColumn(['start', 'from'], 'src')).toEqual(['start', 'from', 'src']);
    expect(toggleColumn(['start', 'from'], 'start')).toEqual(['from']);
    expect(toggleColumn(['start'], 'start')).toEqual(['start']);
    expect(moveColumn(['a', 'b', 'c'] as never, 'c' as never, -1)).toEqual(['a', 'c', 'b']);
    expect(moveColumn(['a', 'b', 'c'] as never, 'a' as never, -1)).toEqual(['a', 'b', 'c']);
    expect(moveColumn(['a', 'b', 'c'] as never, 'a' as never, 5)).toEqual(['b', 'c', 'a']);
  });

  it('tags non-call items shortly (the state cell holds the tag and the state chip)', () => {
    expect(['call', 'registration', 'subscription', 'options', 'message', 'other'].map(typeTag)).toEqual([
      '',
      'REG',
      'SUB',
      'OPT',
      'MSG',
      'OTH',
    ]);
  });

  it('formats cells', () => {
    const t = (x: number): string => `t${x}`;
    expect(cellText(call, 'start', t)).toBe('t1700000000.5');
    expect(cellText(call, 'from', t)).toBe('alice');
    expect(cellText(call, 'to', t)).toBe('sip:bob@b.example');
    expect(cellText(call, 'pdd', t)).toBe('123 ms');
    expect(cellText(call, 'setup', t)).toBe('400 ms');
    expect(cellText(call, 'duration', t)).toBe('2.3 s');
    // Answered, no BYE when the capture ends: the duration is open (to the call's last message).
    expect(cellText({ ...call, state: 'in-call' }, 'duration', t)).toBe('≥ 2.3 s');
    // Answered before the capture began (its INVITE and 2xx not in it): open at the start.
    expect(cellText({ ...call, startOpen: true }, 'duration', t)).toBe('≥ 2.3 s');
    expect(cellText(call, 'callId', t)).toBe('a@h, b@h');
    // A request without a Call-ID header is a call group of its own, its Call-ID ''.
    expect(cellText({ ...call, callIds: [''] }, 'callId', t)).toBe('(no Call-ID)');
    expect(cellText(call, 'src', t)).toBe('10.0.0.1:5060');
    expect(cellText(call, 'codecs', t)).toBe('PCMU, PCMA');
    expect(cellText({ ...call, dtmf: '1 2 3 #' }, 'dtmf', t)).toBe('1 2 3 #');
    expect(cellText(call, 'dtmf', t)).toBe('');
    expect(cellText(call, 'diag', t)).toBe('');
    // Media: the verdict in a word or two, a one-way call's direction, the worst stream's loss.
    expect(cellText(call, 'media', t)).toBe('');
    const media = (rtp: CallDto['rtp'], rtpOneWay: CallDto['rtpOneWay'], rtpLoss: number | null): string =>
      cellText({ ...call, rtp, rtpOneWay, rtpLoss }, 'media', t);
    expect(media('two-way', null, 0)).toBe('two-way');
    expect(media('two-way', null, 3.25)).toBe('two-way 3.3%');
    expect(media('two-way', null, 0.04)).toBe('two-way <0.1%');
    expect(media('one-way', 'forward', 0)).toBe('one-way →');
    expect(media('one-way', 'reverse', 100)).toBe('one-way ← 100%');
    expect(media('no-media', null, null)).toBe('no media');
    expect(media('not-captured', null, null)).toBe('not captured');
    expect(media('not-expected', null, null)).toBe('');
    const mediaCol = columnById('media');
    expect(fitCell(media('one-way', 'reverse', 100), mediaCol.width! - 12)).toBe('one-way ← 100%');
    expect(fitCell(media('one-way', 'forward', 12.5), mediaCol.width! - 12)).toBe('one-way → 13%');
    expect(cellText({ ...call, pdd: null, src: null }, 'pdd', t)).toBe('');
    // Delays in at most six characters, whole in their column (17.8 s was '17846 ms', cut to '1784…').
    const d = (pdd: number): string => cellText({ ...call, pdd }, 'pdd', t);
    expect([0.0004, 0.409, 0.9996, 1.234, 9.996, 17.846, 99.96, 1784.4].map(d)).toEqual([
      '0 ms',
      '409 ms',
      '1.00 s',
      '1.23 s',
      '10.0 s',
      '17.8 s',
      '100 s',
      '1784 s',
    ]);
    const pddCol = columnById('pdd');
    for (const x of [0.409, 1.234, 17.846, 1784.4]) expect(fitCell(d(x), pddCol.width! - 12)).toBe(d(x));
    expect(cellText({ ...call, src: null }, 'src', t)).toBe('');
  });
});

describe('calls list layout', () => {
  it('gives the default columns a least width that fits the calls pane of a 1400 px window', async () => {
    const { minTableWidth, FLEX_MIN } = await import('../../../src/renderer/src/lib/calls/columns');
    const w = minTableWidth(DEFAULT_COLUMNS.map(columnById));
    // The pane: 43% of 1400 - 64 (the compact rail), less a classic 15 px scrollbar.
    expect(w).toBeLessThanOrEqual(Math.floor((1400 - 64) * 0.43) - 15);
    expect(minTableWidth([columnById('from'), columnById('src')])).toBe(FLEX_MIN + columnById('src').width!);
  });
});

describe('fitCell', () => {
  it('keeps what fits and cuts the rest with an ellipsis, to the column width', () => {
    expect(fitCell('12 ms', 42)).toBe('12 ms');
    expect(fitCell('123456 ms', 42)).toBe('12345…');
    expect(fitCell('1 INVITE', 80, true)).toBe('1 INVITE');
    expect(fitCell('123456 SUBSCRIBE', 80, true)).toBe('123456 SU…');
    expect(fitCell('x', 0)).toBe('x');
  });
});

describe('linkReasonText', () => {
  it("names each leg-correlation reason for the legs panel, the user's join as the user's", async () => {
    const { linkReasonText } = await import('../../../src/renderer/src/lib/calls/columns');
    expect(call.links.map((l) => linkReasonText(l.reason))).toEqual(['X-CID header']);
    expect(linkReasonText('manual')).toBe('joined by you');
    expect(linkReasonText('sdp-media')).toBe('same SDP media');
    expect(linkReasonText('some-new-rule')).toBe('some-new-rule');
  });
});
