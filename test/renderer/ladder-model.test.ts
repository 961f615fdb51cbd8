import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../../src/shared/api';
import {
  COLLAPSED_W,
  HEADER_H,
  LANE_W,
  ROW_H,
  ZOOM_LEVELS,
  anchoredScrollLeft,
  arrowGeometry,
  bandsOf,
  buildLadder,
  describeArrow,
  autoZoom,
  AUTO_ZOOM_MAX,
  fitLabel,
  fitLabelWords,
  fitText,
  fitZoom,
  formatTime,
  isAddressLike,
  hostOf,
  layoutLanes,
  legTag,
  mergeByTime,
  navigate,
  scrollToRow,
  visibleWindow,
  zoomStep,
} from '../../src/renderer/src/lib/ladder/ladder-model';
import { LadderViewState } from '../../src/renderer/src/lib/ladder/ladder-state.svelte';

function row(id: number, src: string, dst: string, p: Partial<MessageRow>): MessageRow {
  return {
    id,
    frame: id + 1,
    time: 100 + id * 0.01,
    src,
    dst,
    transport: 'UDP',
    kind: 'request',
    method: null,
    requestUri: null,
    status: null,
    reason: null,
    callId: 'c1',
    cseq: 1,
    cseqMethod: 'INVITE',
    fromTag: 'a',
    toTag: null,
    body: null,
    diagnostics: 0,
    maxSeverity: null,
    transaction: null,
    dialog: null,
    call: null,
    retransmission: false,
    ...p,
  };
}

describe('buildLadder', () => {
  it('makes one lane per address in order of first appearance and one arrow per message', () => {
    const A = '127.0.0.10:5060',
      P = '127.0.0.20:5060',
      B = '127.0.0.30:5060';
    const m = buildLadder([
      row(0, A, P, { method: 'INVITE', body: 'SDP' }),
      row(1, P, A, { kind: 'response', status: 100, reason: 'Trying' }),
      row(2, P, B, { method: 'INVITE' }),
      row(3, B, P, { kind: 'response', status: 180, reason: 'Ringing' }),
    ]);
    expect(m.lanes).toEqual([A, P, B]);
    expect(m.arrows.map((a) => [a.from, a.to, a.label])).toEqual([
      [0, 1, 'INVITE'],
      [1, 0, '100 Trying'],
      [1, 2, 'INVITE'],
      [2, 1, '180 Ringing'],
    ]);
    expect(m.arrows[0].delta).toBe(0);
    expect(m.arrows[1].delta).toBeCloseTo(0.01, 6);
    expect(m.arrows[0].body).toBe('SDP');
  });

  it('names the digit an INFO carries on its arrow (INFO · DTMF 5), a plain INFO as before', () => {
    const A = '127.0.0.10:5060',
      B = '127.0.0.30:5060';
    const m = buildLadder([
      row(0, A, B, { method: 'INFO', body: 'dtmf-relay', dtmf: '5' }),
      row(1, B, A, { kind: 'response', status: 200, reason: 'OK' }),
      row(2, A, B, { method: 'INFO', body: 'broadsoft' }),
    ]);
    expect(m.arrows.map((a) => a.label)).toEqual(['INFO · DTMF 5', '200 OK', 'INFO']);
  });

  it("puts the given lane order first (a scenario's nodes), and skips nodes that sent nothing", () => {
    const A = '192.0.2.10:5060',
      P = '192.0.2.20:5060',
      B = '192.0.2.40:5060',
      X = '192.0.2.99:5060';
    const m = buildLadder(
      [row(0, B, P, { method: 'REGISTER' }), row(1, A, P, { method: 'INVITE' })],
      [A, P, X, B],
    );
    expect(m.lanes).toEqual([A, P, B]);
    expect(m.arrows.map((a) => [a.from, a.to])).toEqual([
      [2, 1],
      [0, 1],
    ]);
  });

  it('takes the lanes of the whole run while only its first messages are shown (a scenario stepped through)', () => {
    const A = '192.0.2.10:5060',
      P = '192.0.2.20:5060',
      B = '192.0.2.40:5060',
      V = '192.0.2.50:5060',
      X = '192.0.2.99:5060';
    const run = [
      row(0, B, P, { method: 'REGISTER' }),
      row(1, P, B, { kind: 'response', status: 200, reason: 'OK' }),
      row(2, A, P, { method: 'INVITE' }),
      row(3, P, V, { method: 'INVITE' }),
    ];
    // Two of four shown: every lane of the run already, the scenario's order first, V where it speaks.
    const early = buildLadder(run.slice(0, 2), [A, P, X, B], run);
    expect(early.lanes).toEqual([A, P, B, V]);
    expect(early.arrows.map((a) => [a.from, a.to, a.label])).toEqual([
      [2, 1, 'REGISTER'],
      [1, 2, '200 OK'],
    ]);
    // The lanes do not move as the rest is revealed.
    expect(buildLadder(run, [A, P, X, B], run).lanes).toEqual(early.lanes);
    // Nothing shown yet: the participants alone.
    const none = buildLadder([], [A, P, X, B], run);
    expect(none.lanes).toEqual([A, P, B, V]);
    expect(none.arrows).toEqual([]);
  });
});

describe('virtual window', () => {
  it('draws the rows in view plus overscan, whatever the total', () => {
    expect(visibleWindow(0, 10 * ROW_H, 100_000, ROW_H, 5)).toEqual({ start: 0, end: 15 });
    // Scrolled to row 1000 (+half a row): rows 1000..1010 visible, 5 more each side.
    expect(visibleWindow(1000.5 * ROW_H, 10 * ROW_H, 100_000, ROW_H, 5)).toEqual({ start: 995, end: 1016 });
    // At the end, the window stops at the last row.
    expect(visibleWindow(99_995 * ROW_H, 10 * ROW_H, 100_000, ROW_H, 5)).toEqual({
      start: 99_990,
      end: 100_000,
    });
    const w = visibleWindow(5e6 * ROW_H, 600, 1_000_000);
    expect(w.end - w.start).toBeLessThan(600 / ROW_H + 20);
  });

  it('is empty without rows, and never starts past the last row or runs negative', () => {
    expect(visibleWindow(0, 500, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleWindow(1e9, 500, 3)).toEqual({ start: 2, end: 3 });
    expect(visibleWindow(-200, 500, 3)).toEqual({ start: 0, end: 3 });
  });

  it('scrolls a row into view only when it is not fully visible', () => {
    expect(scrollToRow(5, 0, 10 * ROW_H)).toBeNull();
    expect(scrollToRow(20, 0, 10 * ROW_H)).toBe(11 * ROW_H); // its bottom at the viewport's bottom
    expect(scrollToRow(3, 10 * ROW_H, 10 * ROW_H)).toBe(3 * ROW_H); // its top at the viewport's top
    expect(HEADER_H).toBeGreaterThan(ROW_H);
  });
});

describe('zoom', () => {
  it('steps through the levels and stops at both ends', () => {
    expect(zoomStep(1, 1)).toBe(1.25);
    expect(zoomStep(1, -1)).toBe(0.8);
    expect(zoomStep(ZOOM_LEVELS[0], -1)).toBe(ZOOM_LEVELS[0]);
    expect(zoomStep(ZOOM_LEVELS.at(-1) as number, 1)).toBe(ZOOM_LEVELS.at(-1));
    // A level between steps goes to the next one in that direction.
    expect(zoomStep(1.1, 1)).toBe(1.25);
    expect(zoomStep(1.1, -1)).toBe(1);
  });

  it('scales the lane spacing, and keeps the point under the pointer still', () => {
    const lanes = ['a:1', 'b:1', 'c:1'];
    const at = (zoom: number) => layoutLanes(lanes, { merge: 'none', aliases: {}, collapsed: [], zoom });
    expect(at(1).width).toBe(3 * LANE_W);
    expect(at(2).width).toBe(6 * LANE_W);
    expect(at(2).columns[1].x).toBe(2 * at(1).columns[1].x);
    // The point 400 px into the lanes (scrollLeft 300 + pointer 300 - sticky column 200) doubles to 800.
    expect(anchoredScrollLeft(300, 300, 200, 525, 1050)).toBe(800 + 200 - 300);
    expect(anchoredScrollLeft(0, 250, 200, 500, 250)).toBe(0);
  });

  it('LadderViewState zooms in, out and back, collapses and expands, names lanes', () => {
    const v = new LadderViewState();
    v.zoomIn();
    v.zoomIn();
    expect(v.zoom).toBe(1.5);
    v.zoomOut();
    expect(v.zoom).toBe(1.25);
    v.resetZoom();
    expect(v.zoom).toBe(1);
    v.toggleCollapse('b:1');
    v.toggleCollapse('c:1');
    expect(v.collapsed).toEqual(['b:1', 'c:1']);
    v.toggleCollapse('b:1');
    expect(v.collapsed).toEqual(['c:1']);
    v.expandAll();
    expect(v.collapsed).toEqual([]);
    v.rename('a:1', ' proxy ');
    expect(v.names).toEqual({ 'a:1': 'proxy' });
    v.rename('a:1', '');
    expect(v.names).toEqual({});
  });
});

describe('lanes: collapse and merge', () => {
  const A = '10.0.0.1:5060',
    P1 = '10.0.0.2:5060',
    P2 = '10.0.0.2:5080',
    B = '10.0.0.3:5060',
    V6 = '[2001:db8::1]:5060';

  it('finds the host of IPv4 and bracketed IPv6 addresses', () => {
    expect(hostOf(A)).toBe('10.0.0.1');
    expect(hostOf(V6)).toBe('[2001:db8::1]');
    expect(hostOf('2001:db8::1')).toBe('2001:db8::1');
    expect(hostOf('host.example')).toBe('host.example');
  });

  it('collapses a lane to a narrow edge; arrows to it keep their direction and carry its name', () => {
    const l = layoutLanes([A, P1, B], { merge: 'none', aliases: { [B]: 'bob' }, collapsed: [B], zoom: 1 });
    expect(l.columns.map((c) => [c.label, c.collapsed, c.width])).toEqual([
      [A, false, LANE_W],
      [P1, false, LANE_W],
      ['bob', true, COLLAPSED_W],
    ]);
    expect(l.width).toBe(2 * LANE_W + COLLAPSED_W);
    const g = arrowGeometry({ from: 1, to: 2 }, l);
    expect(g.x2).toBeGreaterThan(g.x1);
    expect(g.x2).toBeLessThanOrEqual(l.width);
    expect([g.self, g.fromMark, g.toMark]).toEqual([false, null, 'bob']);
    expect(arrowGeometry({ from: 2, to: 0 }, l).fromMark).toBe('bob');
    // Expanding again gives the first layout back.
    const open = layoutLanes([A, P1, B], { merge: 'none', aliases: {}, collapsed: [], zoom: 1 });
    expect(open.columns.every((c) => !c.collapsed)).toBe(true);
    expect(open.width).toBe(3 * LANE_W);
  });

  it('merges all ports of one host into one lane; arrows between its ports become loops', () => {
    const lanes = [A, P1, P2, B];
    const l = layoutLanes(lanes, { merge: 'host', aliases: {}, collapsed: [], zoom: 1 });
    expect(l.columns.map((c) => [c.key, c.sub])).toEqual([
      ['10.0.0.1', null],
      ['10.0.0.2', 'ports :5060 :5080'],
      ['10.0.0.3', null],
    ]);
    expect(l.laneColumn).toEqual([0, 1, 1, 2]);
    expect(arrowGeometry({ from: 1, to: 2 }, l).self).toBe(true);
    expect(arrowGeometry({ from: 2, to: 3 }, l).self).toBe(false);
    // Collapse keys follow the merge: the merged host collapses as one.
    const c = layoutLanes(lanes, { merge: 'host', aliases: {}, collapsed: ['10.0.0.2'], zoom: 1 });
    expect(arrowGeometry({ from: 0, to: 2 }, c).toMark).toBe('10.0.0.2');
    // Unmerged again: four lanes.
    expect(layoutLanes(lanes, { merge: 'none', aliases: {}, collapsed: [], zoom: 1 }).columns).toHaveLength(
      4,
    );
  });

  it("merges lanes by the user's (or a scenario's) names; unnamed addresses keep their own lane", () => {
    const lanes = [A, P1, P2, B];
    const aliases = { [P1]: 'proxy', [P2]: 'proxy', [A]: 'alice' };
    const l = layoutLanes(lanes, { merge: 'alias', aliases, collapsed: [], zoom: 1 });
    expect(l.columns.map((c) => [c.label, c.sub, c.members])).toEqual([
      ['alice', A, [0]],
      ['proxy', '2 addresses', [1, 2]],
      [B, null, [3]],
    ]);
    // Without merging, names label the lanes and the address goes under.
    const n = layoutLanes(lanes, { merge: 'none', aliases, collapsed: [], zoom: 1 });
    expect(n.columns.map((c) => [c.label, c.sub])).toEqual([
      ['alice', A],
      ['proxy', P1],
      ['proxy', P2],
      [B, null],
    ]);
    // By host, names of the host's addresses label the merged lane.
    const h = layoutLanes(lanes, { merge: 'host', aliases, collapsed: [], zoom: 1 });
    expect(h.columns[1].label).toBe('proxy');
    expect(h.columns[1].sub).toBe('10.0.0.2 ports :5060 :5080');
  });

  it('fits long names in narrow lanes keeping their end', () => {
    expect(fitText('127.0.0.1:5060', 200)).toBe('127.0.0.1:5060');
    expect(fitText('127.0.0.1:5060', 56)).toBe('….1:5060');
    expect(fitText('abc', 0)).toBe('…c');
  });
});

describe('keyboard navigation', () => {
  it('moves by one, by a page, to the ends, clamped', () => {
    expect(navigate('j', 3, 10, 4)).toBe(4);
    expect(navigate('ArrowDown', 9, 10, 4)).toBe(9);
    expect(navigate('k', 3, 10, 4)).toBe(2);
    expect(navigate('ArrowUp', 0, 10, 4)).toBe(0);
    expect(navigate('PageDown', 3, 10, 4)).toBe(7);
    expect(navigate('PageDown', 8, 10, 4)).toBe(9);
    expect(navigate('PageUp', 3, 10, 4)).toBe(0);
    expect(navigate('Home', 5, 10, 4)).toBe(0);
    expect(navigate('End', 5, 10, 4)).toBe(9);
  });

  it('starts from the first (down) or last (up) row when nothing is selected', () => {
    expect(navigate('j', null, 10, 4)).toBe(0);
    expect(navigate('k', null, 10, 4)).toBe(9);
    expect(navigate('PageDown', null, 10, 4)).toBe(3);
  });

  it('ignores other keys and empty ladders', () => {
    expect(navigate('x', 3, 10, 4)).toBeNull();
    expect(navigate('j', null, 0, 4)).toBeNull();
  });

  it('describes an arrow for screen readers', () => {
    const m = buildLadder([
      row(0, 'a:1', 'b:1', { method: 'INVITE', body: 'SDP', transaction: 'T1', retransmission: true }),
    ]);
    expect(describeArrow(m.arrows[0], 'alice (a:1)', 'b:1', '10:00:00.000000')).toBe(
      'INVITE (SDP) · retransmission, from alice (a:1) to b:1, at 10:00:00.000000, transaction T1',
    );
  });

  it("tells an arrow's diagnostics (count and worst severity)", () => {
    const m = buildLadder([
      row(0, 'a:1', 'b:1', { method: 'ACK', diagnostics: 2, maxSeverity: 'error' }),
      row(1, 'a:1', 'b:1', { method: 'BYE', diagnostics: 1, maxSeverity: 'warning' }),
    ]);
    expect(m.arrows.map((a) => [a.diagnostics, a.severity])).toEqual([
      [2, 'error'],
      [1, 'warning'],
    ]);
    expect(describeArrow(m.arrows[0], 'a:1', 'b:1', 't')).toBe(
      'ACK, from a:1 to b:1, at t, 2 diagnostics (error)',
    );
    expect(describeArrow(m.arrows[1], 'a:1', 'b:1', 't')).toBe(
      'BYE, from a:1 to b:1, at t, 1 diagnostic (warning)',
    );
  });
});

describe('multi-call ladders', () => {
  it('merges the messages of several calls in time order, each once', () => {
    const c1 = [row(0, 'a:1', 'b:1', { time: 1, call: 'C1' }), row(5, 'b:1', 'a:1', { time: 3, call: 'C1' })];
    const c2 = [
      row(2, 'c:1', 'b:1', { time: 2, call: 'C2' }),
      row(7, 'b:1', 'c:1', { time: 3, call: 'C2' }),
      row(5, 'b:1', 'a:1', { time: 3, call: 'C1' }),
    ];
    const all = mergeByTime([c1, c2]);
    expect(all.map((m) => m.id)).toEqual([0, 2, 5, 7]);
    expect(all).toHaveLength(4);
  });

  it('gives each call (or Call-ID leg) a band with a colour, in order of first appearance', () => {
    const m = buildLadder([
      row(0, 'a:1', 'b:1', { call: 'C2', callId: 'x' }),
      row(1, 'b:1', 'c:1', { call: 'C1', callId: 'y' }),
      row(2, 'c:1', 'b:1', { call: 'C1', callId: 'y' }),
      row(3, 'b:1', 'a:1', { call: null, callId: 'x' }),
    ]);
    const calls = bandsOf(m.arrows, 'call');
    expect(calls.bands.map((b) => [b.tag, b.count])).toEqual([
      ['C2', 1],
      ['C1', 2],
    ]);
    expect([...calls.of]).toEqual([0, 1, 1, -1]);
    expect(calls.bands[0].colour).not.toBe(calls.bands[1].colour);
    const legs = bandsOf(m.arrows, 'callId');
    expect(legs.bands.map((b) => [b.key, b.tag, b.count])).toEqual([
      ['x', 'A', 2],
      ['y', 'B', 2],
    ]);
    expect([legTag(0), legTag(25), legTag(26), legTag(27)]).toEqual(['A', 'Z', 'AA', 'AB']);
  });

  it('builds a 100,000-message model quickly (once per load, not per scroll)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) =>
      row(i, `10.0.0.${i % 3}:5060`, `10.0.0.${(i + 1) % 3}:5060`, { method: 'INFO' }),
    );
    const t0 = performance.now();
    const m = buildLadder(many);
    const ms = performance.now() - t0;
    expect(m.arrows).toHaveLength(100_000);
    expect(m.lanes).toHaveLength(3);
    expect(ms).toBeLessThan(1000);
  });
});

describe('arrow labels', () => {
  it('shortens a long label to the space between its lanes, keeping its start', () => {
    expect(fitLabel('180 Ringing', 200)).toBe('180 Ringing');
    expect(fitLabel('100 trying -- your call is important to us', 72)).toBe('100 tryin…');
    // on screen: cut after a whole word when that keeps half of what fits (the words are the name's)
    expect(fitLabelWords('100 Trying -- Your call is important to us', 155)).toBe('100 Trying -- Your…');
    expect(fitLabelWords('180 Ringing', 200)).toBe('180 Ringing');
    expect(fitLabelWords('INVITE sip:verylongusername@example.com', 72)).toBe('INVITE…');
    expect(fitLabelWords('Supercalifragilistic', 72)).toBe('Supercali…');
  });
});

describe('fit to width', () => {
  it('zooms so that all lanes fit, within the zoom range; collapsed lanes keep their width', () => {
    const lanes = ['a:1', 'b:1', 'c:1', 'd:1'];
    const l = layoutLanes(lanes, { merge: 'none', aliases: {}, collapsed: [], zoom: 1 });
    expect(fitZoom(4 * LANE_W, l)).toBe(1);
    expect(fitZoom(2 * LANE_W, l)).toBe(0.5);
    expect(fitZoom(10, l)).toBe(ZOOM_LEVELS[0]);
    const c = layoutLanes(lanes, { merge: 'none', aliases: {}, collapsed: ['d:1'], zoom: 1 });
    expect(fitZoom(3 * LANE_W + COLLAPSED_W, c)).toBe(1);
    const z = fitZoom(700, l);
    expect(
      layoutLanes(lanes, { merge: 'none', aliases: {}, collapsed: [], zoom: z }).width,
    ).toBeLessThanOrEqual(700);
  });

  it('zooms by itself to spread few lanes over the width, at most AUTO_ZOOM_MAX, shrinking only when asked', () => {
    const three = layoutLanes(['a:1', 'b:1', 'c:1'], { merge: 'none', aliases: {}, collapsed: [], zoom: 1 });
    expect(autoZoom(3 * LANE_W * 1.2, three, false)).toBe(1.2);
    expect(autoZoom(3 * LANE_W * 4, three, false)).toBe(AUTO_ZOOM_MAX);
    expect(autoZoom(3 * LANE_W * 0.5, three, false)).toBe(1);
    expect(autoZoom(3 * LANE_W * 0.5, three, true)).toBe(0.5);
    expect(autoZoom(3 * LANE_W * 4, three, true)).toBe(AUTO_ZOOM_MAX);
  });

  it('tells addresses (shortened keeping the port) from names', () => {
    expect(isAddressLike('192.0.2.10:5060')).toBe(true);
    expect(isAddressLike('[2001:db8::1]:5060')).toBe(true);
    expect(isAddressLike('atlanta.example.com')).toBe(false);
    expect(isAddressLike('Alice')).toBe(false);
  });
});

describe('formatTime', () => {
  it('writes UTC time of day with microseconds, or the digits asked for', () => {
    const t = Date.UTC(2026, 10, 23, 3, 45, 24) / 1000 + 0.083345;
    expect(formatTime(t)).toBe('03:45:24.083345');
    expect(formatTime(t, 3)).toBe('03:45:24.083');
    expect(formatTime(t, 0)).toBe('03:45:24');
  });

  it('carries a fraction that rounds up into the next second (and the next day)', () => {
    const t = Date.UTC(2026, 10, 23, 23, 59, 59) / 1000;
    expect(formatTime(t + 0.9996, 3)).toBe('00:00:00.000');
    expect(formatTime(t + 0.9994, 3)).toBe('23:59:59.999');
    expect(formatTime(t - 59 + 0.9999996)).toBe('23:59:01.000000');
  });
});
