/** The TUI's screen model and renderer, pure: keys → state and effects; state → lines of exact size. */
import { describe, expect, it } from 'vitest';
import type { CallDto, CallsPage, MessageRow } from '../../../src/shared/api';
import {
  initialState,
  press,
  receive,
  type Effect,
  type Result,
  type TuiState,
} from '../../../src/main/tui/model';
import { render } from '../../../src/main/tui/render';
import { lineText, serializeLine, stringWidth } from '../../../src/main/tui/cells';
import { ScreenWriter, decodeKeys } from '../../../src/main/tui/terminal';

const SIZE = { cols: 80, rows: 24 };

function call(i: number, over: Partial<CallDto> = {}): CallDto {
  return {
    id: `C${i + 1}`,
    callIds: [`cid-${i}`],
    type: 'call',
    state: i % 7 === 3 ? 'failed' : 'completed',
    from: `<sip:u${i}@a>`,
    to: `<sip:v${i}@b>`,
    fromUser: `u${i}`,
    toUser: `v${i}`,
    finalStatus: i % 7 === 3 ? 503 : 200,
    start: 1_700_000_000 + i,
    end: 1_700_000_010 + i,
    pdd: 0.25,
    setupTime: 0.5,
    duration: 9.5,
    startOpen: false,
    codecs: ['PCMU'],
    media: [],
    messages: 7,
    legs: 1,
    diagnostics: i % 7 === 3 ? 2 : 0,
    src: '10.0.0.1:5060',
    dst: '10.0.0.2:5060',
    links: [],
    ...over,
  };
}

/** A host of `total` calls: serves the page an effect asks for. */
function serve(total: number, e: Effect): CallsPage {
  if (e.kind !== 'calls') throw new Error('not a calls effect');
  const items: CallDto[] = [];
  for (let i = e.offset; i < Math.min(total, e.offset + e.limit); i++) items.push(call(i));
  return { total, offset: e.offset, items, byState: {}, problems: [], filterError: null };
}

/** Runs the model against a host of `total` calls until no effect is left (flow/message ignored). */
function settle(total: number, s: TuiState, effects: Effect[]): { s: TuiState; asked: Effect[] } {
  const asked: Effect[] = [];
  let queue = effects;
  while (queue.length > 0) {
    const e = queue.shift()!;
    asked.push(e);
    if (e.kind !== 'calls') continue;
    const [t, more] = receive(s, { kind: 'page', key: e.key, page: serve(total, e) }, SIZE);
    s = t;
    queue = [...queue, ...more];
  }
  return { s, asked };
}

function keys(total: number, s: TuiState, ks: string[]): { s: TuiState; asked: Effect[] } {
  const asked: Effect[] = [];
  for (const k of ks) {
    const [t, eff] = press(s, k, SIZE);
    const r = settle(total, t, eff);
    s = r.s;
    asked.push(...r.asked);
  }
  return { s, asked };
}

const text = (s: TuiState, size = SIZE): string[] => render(s, size, { ascii: false }).map(lineText);

describe('tui model', () => {
  it('reads only the visible page of a million calls, and the next one when the cursor leaves it', () => {
    let { s, asked } = keys(1_000_000, initialState({ name: 'big.pcap' }), ['resize']);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ kind: 'calls', offset: 0, limit: 19 });
    expect(s.list.rows).toHaveLength(19);
    // Down within the page: no read.
    ({ s, asked } = keys(1_000_000, s, ['j', 'j']));
    expect(asked).toHaveLength(0);
    expect(s.list.cursor).toBe(2);
    // End: the last page only.
    ({ s, asked } = keys(1_000_000, s, ['end']));
    expect(asked).toEqual([expect.objectContaining({ offset: 1_000_000 - 19, limit: 19 })]);
    const lines = text(s);
    expect(lines).toHaveLength(24);
    expect(lines.every((l) => stringWidth(l) === 80)).toBe(true);
    expect(lines[0]).toContain('calls 1000000/1000000');
    expect(lines[22]).toContain('u999999');
  });

  it('filter typed after / is asked for from the first row; sort keys change the column and order', () => {
    let { s } = keys(50, initialState({ name: 'x' }), ['resize', 'j', '/']);
    let asked: Effect[];
    expect(s.input).toEqual({ text: '', pos: 0 });
    ({ s, asked } = keys(50, s, [...'call.state == "failed"', 'enter']));
    expect(s.input).toBeNull();
    expect(asked).toEqual([
      expect.objectContaining({ kind: 'calls', offset: 0, filter: 'call.state == "failed"' }),
    ]);
    expect(s.list.cursor).toBe(0);
    ({ s, asked } = keys(50, s, ['>']));
    expect(asked[0]).toMatchObject({ sort: 'from', desc: false });
    ({ s, asked } = keys(50, s, ['s']));
    expect(asked[0]).toMatchObject({ sort: 'from', desc: true });
    ({ asked } = keys(50, s, ['<', '<']));
    expect(asked.at(-1)).toMatchObject({ sort: 'rtp' });
  });

  it('a filter error is shown with its column', () => {
    let s = keys(5, initialState({ name: 'x', filter: 'call.state ==' }), ['resize']).s;
    const [t] = receive(
      s,
      {
        kind: 'page',
        key: s.list.rowsKey,
        page: {
          ...serve(5, {
            kind: 'calls',
            key: '',
            offset: 0,
            limit: 19,
            sort: 'start',
            desc: false,
            filter: '',
          }),
          filterError: { message: 'a value is expected', column: 14 },
        },
      },
      SIZE,
    );
    s = t;
    expect(text(s)[2]).toContain('error at column 14: a value is expected');
  });

  it('Space selects calls; Enter opens their merged flow; the flow asks for the first message; Tab, q, x', () => {
    const first = keys(10, initialState({ name: 'x' }), ['resize', ' ', ' ', 'enter']);
    const asked = first.asked;
    let s = first.s;
    expect(s.list.selected).toEqual(['C1', 'C2']);
    expect(asked.filter((e) => e.kind !== 'calls')).toEqual([{ kind: 'flow', calls: ['C1', 'C2'] }]);
    expect(s.view).toBe('flow');
    const rows = [0, 1, 2].map(
      (id) => ({ id, kind: 'request', method: 'INVITE', status: null }) as MessageRow,
    );
    let eff: Effect[];
    [s, eff] = receive(
      s,
      { kind: 'flow', calls: ['C1', 'C2'], text: 'Calls C1 + C2\n   a   b\n1\n2\n3\n', rows, call: null },
      SIZE,
    );
    expect(s.flow!.header).toBe(2);
    expect(eff).toEqual([{ kind: 'message', id: 0 }]);
    [s, eff] = press(s, 'down', SIZE);
    expect(eff).toEqual([{ kind: 'message', id: 1 }]);
    [s] = press(s, 'tab', SIZE);
    expect(s.flow!.tab).toBe('headers');
    expect(text(s).join('\n')).toContain('Calls C1 + C2 merged');
    [s] = press(s, 'q', SIZE);
    expect(s.view).toBe('list');
    [s, eff] = press(s, 'x', SIZE);
    expect(s.quit).toBe(true);
    expect(eff).toEqual([{ kind: 'quit' }]);
  });

  it('a flow drawn while the capture is read says so, and is asked again (cursor kept) once analysed', () => {
    let s = keys(10, initialState({ name: 'x' }), ['resize']).s;
    s = receive(s, { kind: 'summary', summary: { reading: 0.4, analysis: 0 } }, SIZE)[0];
    s = keys(10, s, ['enter']).s;
    const rows = [0, 1, 2].map(
      (id) => ({ id, kind: 'request', method: 'INVITE', status: null }) as MessageRow,
    );
    const flow: Extract<Result, { kind: 'flow' }> = {
      kind: 'flow',
      calls: ['C1'],
      text: 'Call C1\n   a   b\n1\n2\n3\n',
      rows,
      call: call(0),
    };
    let eff: Effect[];
    [s] = receive(s, { ...flow, partial: true }, SIZE);
    expect(text(s)[1]).toMatch(/^still reading: this call so far . completed/);
    [s, eff] = press(s, 'down', SIZE);
    expect(eff).toEqual([{ kind: 'message', id: 1 }]);
    // Still reading, or read but not analysed: the list only.
    [s, eff] = receive(s, { kind: 'refresh' }, SIZE);
    expect(eff.some((e) => e.kind === 'flow')).toBe(false);
    s = receive(s, { kind: 'summary', summary: { reading: null } }, SIZE)[0];
    [s, eff] = receive(s, { kind: 'refresh' }, SIZE);
    expect(eff.some((e) => e.kind === 'flow')).toBe(false);
    s = receive(s, { kind: 'summary', summary: { analysis: 1 } }, SIZE)[0];
    [s, eff] = receive(s, { kind: 'refresh' }, SIZE);
    expect(eff.filter((e) => e.kind === 'flow')).toEqual([{ kind: 'flow', calls: ['C1'] }]);
    [s, eff] = receive(s, flow, SIZE);
    expect(s.flow!.cursor).toBe(1);
    expect(eff).toEqual([{ kind: 'message', id: 1 }]);
    expect(text(s)[1]).not.toContain('still reading');
    eff = receive(s, { kind: 'refresh' }, SIZE)[1];
    expect(eff.some((e) => e.kind === 'flow')).toBe(false);
  });

  it('F2 asks where to save the call (or the selected calls) as pcap; Enter saves, Esc cancels', () => {
    let s = keys(10, initialState({ name: 'big.pcap' }), ['resize', 'j']).s;
    let eff: Effect[];
    [s] = press(s, 'f2', SIZE);
    expect(s.input).toEqual({ text: 'big-C2.pcap', pos: 11, save: ['C2'] });
    expect(text(s)[2]).toContain('Save C2 as pcap: big-C2.pcap');
    [s, eff] = press(s, 'escape', SIZE);
    expect(s.input).toBeNull();
    expect(eff).toEqual([]);
    s = keys(10, s, ['k', ' ', ' ', 'f2']).s;
    expect(s.input?.save).toEqual(['C1', 'C2']);
    expect(s.input?.text).toBe('big-2-calls.pcap');
    s = keys(10, s, ['ctrl-u', ...'/tmp/x.pcap']).s;
    [s, eff] = press(s, 'enter', SIZE);
    expect(eff).toEqual([{ kind: 'save', calls: ['C1', 'C2'], path: '/tmp/x.pcap' }]);
    expect(s.input).toBeNull();
    expect(s.list.filter).toBe(''); // (not taken as a filter)
    [s] = receive(s, { kind: 'notice', text: 'saved 2 calls to /tmp/x.pcap (1234 bytes)' }, SIZE);
    expect(text(s).at(-1)).toContain('saved 2 calls');
  });

  it('F3 searches the messages: the text becomes a `sip contains` filter (quotes and backslashes escaped)', () => {
    let s = keys(10, initialState({ name: 'x' }), ['resize', 'f3']).s;
    expect(text(s)[2]).toContain('Search messages: ');
    s = keys(10, s, [...'a"b\\c']).s;
    const [searched, eff] = press(s, 'enter', SIZE);
    s = searched;
    expect(s.list.filter).toBe('sip contains "a\\"b\\\\c"');
    expect(eff.some((e) => e.kind === 'calls' && e.filter === s.list.filter)).toBe(true);
    // Empty: the filter cleared.
    s = keys(10, s, ['f3']).s;
    [s] = press(s, 'enter', SIZE);
    expect(s.list.filter).toBe('');
  });

  it('? shows the help, any key returns; the narrow and wide flows fit the screen exactly', () => {
    let s = keys(3, initialState({ name: 'x' }), ['resize', '?']).s;
    expect(text(s)[0]).toContain('keys');
    s = keys(3, s, ['j']).s;
    expect(s.view).toBe('list');
    s = keys(3, s, ['enter']).s;
    for (const size of [SIZE, { cols: 200, rows: 50 }]) {
      const lines = text(s, size);
      expect(lines).toHaveLength(size.rows);
      expect(lines.every((l) => stringWidth(l) === size.cols)).toBe(true);
    }
  });

  it('--ascii draws no Unicode; without colour only reverse video and underline are sent', () => {
    const s = keys(30, initialState({ name: 'x' }), ['resize', ' ']).s;
    const lines = render(s, SIZE, { ascii: true });
    expect(lines.map(lineText).join('')).toMatch(/^[\x20-\x7e]*$/);
    const plain = lines.map((l) => serializeLine(l, false)).join('');
    // eslint-disable-next-line no-control-regex -- looking for SGR codes
    expect(new Set(plain.match(/\x1b\[[\d;]*m/g))).toEqual(new Set(['\x1b[7m', '\x1b[4m', '\x1b[0m']));
    const colored = lines.map((l) => serializeLine(l, true)).join('');
    expect(colored).toContain('\x1b[32m');
  });
});

describe('tui terminal', () => {
  it('decodes keys, escape sequences and UTF-8 text', () => {
    expect(decodeKeys('\x1b[A\x1b[B\x1bOC\x1b[5~\x1b[6~\x1b[H\x1b[4~\r\t\x7f\x03\x15jé')).toEqual([
      'up',
      'down',
      'right',
      'pageup',
      'pagedown',
      'home',
      'end',
      'enter',
      'tab',
      'backspace',
      'ctrl-c',
      'ctrl-u',
      'j',
      'é',
    ]);
    expect(decodeKeys('\x1b')).toEqual(['escape']);
  });

  it('a second frame writes only the lines that changed', () => {
    let out = '';
    const w = new ScreenWriter((x) => (out += x), true);
    let s = keys(100, initialState({ name: 'x' }), ['resize']).s;
    const first = w.draw(render(s, SIZE, { ascii: false }));
    expect(first).toBeGreaterThan(800);
    s = keys(100, s, ['j']).s;
    out = '';
    const second = w.draw(render(s, SIZE, { ascii: false }));
    // The title (cursor position), the old and the new cursor rows.
    expect(out.match(/\x1b\[\d+;1H/g)).toHaveLength(3); // eslint-disable-line no-control-regex -- cursor moves
    expect(second).toBeLessThan(first / 3);
  });
});

describe('tui screen writer scrolling', () => {
  it('a list scrolled by a row is sent as a terminal scroll and one new row, and the screen is the same', async () => {
    const { VtScreen } = await import('./vt-screen');
    const vt = new VtScreen(80, 24);
    let out = '';
    const w = new ScreenWriter((x) => {
      out += x;
      vt.write(x);
    }, true);
    let s = keys(1000, initialState({ name: 'x' }), ['resize']).s;
    w.draw(render(s, SIZE, { ascii: false }));
    for (let i = 0; i < 18; i++) s = keys(1000, s, ['j']).s;
    w.draw(render(s, SIZE, { ascii: false }));
    s = keys(1000, s, ['j']).s; // the cursor leaves the page: every row moves up one
    out = '';
    const bytes = w.draw(render(s, SIZE, { ascii: false }));
    expect(out).toMatch(/\x1b\[5;2\dr\x1b\[1S\x1b\[r/); // eslint-disable-line no-control-regex -- the scroll
    expect(bytes).toBeLessThan(700);
    expect(vt.lines()).toEqual(render(s, SIZE, { ascii: false }).map((l) => lineText(l).trimEnd()));
    // And back up: a scroll down.
    for (let i = 0; i < 19; i++) s = keys(1000, s, ['k']).s;
    w.draw(render(s, SIZE, { ascii: false }));
    expect(vt.lines()).toEqual(render(s, SIZE, { ascii: false }).map((l) => lineText(l).trimEnd()));
  });
});
