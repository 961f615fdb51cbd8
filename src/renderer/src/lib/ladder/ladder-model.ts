/**
 * Ladder view model: lanes (one per host:port, in order of first appearance), one arrow per message,
 * and the pure geometry the component draws from: the virtual window of rows in view, lane zoom,
 * collapsed and merged lanes, keyboard moves, and the colour bands of a multi-call ladder.
 * No DOM here; everything is tested in test/renderer/ladder-*.test.ts.
 */
import type { MediaStreamDto, MessageRow, ScenarioStreamDto } from '@shared/api';
export { roleLabel } from '../../../../shared/lane-roles';
export { fitLabel, fitLabelWords, fitText } from '../../../../shared/text-fit';

export interface LadderArrow {
  /** The message's id; an RTP stream's is negative (`mediaArrowId`). */
  id: number;
  /** Indexes into `LadderModel.lanes` (addresses), before any merge or collapse. */
  from: number;
  to: number;
  label: string;
  /** `media`: an RTP stream, drawn at its first packet. */
  kind: MessageRow['kind'] | 'media';
  status: number | null;
  time: number;
  delta: number;
  /** The body in a word (`SDP`, `dtmf-relay`...), null without one. */
  body: string | null;
  retransmission: boolean;
  transaction: string | null;
  dialog: string | null;
  /** The analysis call (`C3`) and the Call-ID (the leg, for B2BUA calls grouping several). */
  call: string | null;
  callId: string | null;
  /** How many diagnostics the message has, and the worst one's severity (a marker on the arrow). */
  diagnostics: number;
  severity: MessageRow['maxSeverity'];
  /** The RTP stream a `media` arrow stands for. */
  stream?: MediaStreamDto;
  /** Which run of the stream's packets it is, when the stream stopped and started again. */
  span?: ArrowSpan;
}

/** One run of a stream's packets (`MediaStreamDto.spans`) as its arrow shows it. */
export interface ArrowSpan {
  /** 0 for the first run. */
  k: number;
  start: number;
  end: number;
  packets: number;
  /** Seconds without a packet before it (0 for the first run). */
  after: number;
}

/** Arrow ids of a stream's later runs are `mediaArrowId(index) - k * SPAN_STRIDE` (streams < 2^26). */
const SPAN_STRIDE = 2 ** 26;

/**
 * The arrow id of RTP stream `index` (negative: never a message's), of its run `k` when it stopped
 * and started again (`MediaStreamDto.spans`).
 */
export function mediaArrowId(index: number, k = 0): number {
  return -1 - index - k * SPAN_STRIDE;
}

/** The stream index of a media arrow's id (`mediaArrowId`), whichever run it is. */
export function mediaStreamIndex(id: number): number {
  return (-1 - id) % SPAN_STRIDE;
}

/** `10.0.0.1`, 5004 → `10.0.0.1:5004`; an IPv6 address in brackets, as message addresses are. */
export function mediaAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `SRTP` for a stream its SDP says is SRTP (its `srtp` block, not a guess), else `RTP`. */
const rtpWord = (s: MediaStreamDto): string => (s.srtp && s.srtp.keying !== 'unknown' ? 'SRTP' : 'RTP');

/** An RTP stream's figures in a few lines (the arrow's hover text); `span`: the run its arrow is. */
export function mediaTitle(s: WithDrops, span?: ArrowSpan): string {
  const ms = (v: number): string => (v < 0 ? '–' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
  return [
    `${rtpWord(s)} ${s.codecs.join('/') || `PT ${s.payloadTypes.join('/')}`} ${mediaAddress(s.src, s.srcPort)} → ${mediaAddress(s.dst, s.dstPort)}, SSRC ${s.ssrc}`,
    ...(span ? [spanTitle(span)] : []),
    `${s.packets.toLocaleString('en')} packets of ${s.expected.toLocaleString('en')} expected: ${s.lost} lost (${s.lossPercent.toFixed(1)}%) over ${(s.end - s.start).toFixed(2)} s`,
    `jitter mean ${ms(s.jitter.mean)}, max ${ms(s.jitter.max)} · delta max ${ms(s.delta.max)}`,
    ...(s.dropped ? [`${s.dropped} dropped by the network: ${s.dropReason ?? '?'}`] : []),
    'select it for the whole analysis',
  ].join('\n');
}

/**
 * The line of a run's hover text: `this arrow, run 2: 5 packets over 0.08 s, after 2.92 s
 * without any` (the figures under it are the whole stream's).
 */
function spanTitle(p: ArrowSpan): string {
  const s = (v: number): string => `${v.toFixed(2)} s`;
  const pk = `${p.packets.toLocaleString('en')} packet${p.packets === 1 ? '' : 's'} over ${s(p.end - p.start)}`;
  return p.k === 0
    ? `this arrow, run 1: ${pk}, then none for over a second (the stream's figures below)`
    : `this arrow, run ${p.k + 1}: ${pk}, after ${s(p.after)} without any (the stream's figures below)`;
}

/**
 * A run's label: its packets, not the whole stream's — the first `RTP g711U · 5 pkts`, a later one
 * `RTP · 5 pkts · again after 9.9 s` (short: the codec is on the first). The stream's own label
 * (`mediaLabel`) when it ran in one piece.
 */
export function spanLabel(s: WithDrops, p: ArrowSpan): string {
  const codec = p.k > 0 ? '' : s.codecs.length ? ` ${s.codecs.join('/')}` : '';
  const pk = `${rtpWord(s)}${codec} · ${p.packets.toLocaleString('en')} pkt${p.packets === 1 ? '' : 's'}`;
  const dropped = s.dropped ? ` · stream: ${s.dropped.toLocaleString('en')} dropped` : '';
  return p.k === 0 ? `${pk}${dropped}` : `${pk} · again after ${p.after.toFixed(1)} s${dropped}`;
}

/** A simulated run's stream also says what the network dropped (ScenarioStreamDto). */
type WithDrops = MediaStreamDto & Partial<Pick<ScenarioStreamDto, 'dropped' | 'dropReason'>>;

/**
 * An RTP stream in a word: `RTP PCMU · 790 pkts · 0.1% lost`; a simulated one whose packets the
 * network dropped: `RTP g711U · 5 sent, 5 dropped (unroutable)`.
 */
export function mediaLabel(s: WithDrops): string {
  const codec = s.codecs.length ? s.codecs.join('/') : 'RTP';
  if (s.dropped)
    return `RTP ${codec} · ${s.packets.toLocaleString('en')} sent, ${s.dropped.toLocaleString('en')} dropped${s.dropReason ? ` (${s.dropReason.split(':')[0]})` : ''}`;
  const lost = s.lost > 0 ? ` · ${s.lossPercent < 0.1 ? '<0.1' : s.lossPercent.toFixed(1)}% lost` : '';
  // The digits its RFC 4733 events carried, before the counts: the arrow's label is cut to its width.
  const dtmf = s.events?.list.length
    ? ` · DTMF ${s.events.list.map((e) => (e.event.length === 1 ? e.event : `[${e.event}]`)).join(' ')}`
    : '';
  return `${rtpWord(s)} ${codec}${dtmf} · ${s.packets.toLocaleString('en')} pkt${s.packets === 1 ? '' : 's'}${lost}`;
}

export interface LadderModel {
  lanes: string[];
  arrows: LadderArrow[];
}

/**
 * @param laneOrder addresses to put first, in this order (a scenario's nodes), when they appear.
 * @param laneMessages the messages whose addresses make the lanes, when more than `messages` (a
 *   scenario stepped through: every lane of the whole run from the first step, so lanes and zoom stay
 *   put as messages are revealed).
 */
export function buildLadder(
  messages: readonly MessageRow[],
  laneOrder: readonly string[] = [],
  laneMessages: readonly MessageRow[] = messages,
  media: readonly MediaStreamDto[] = [],
): LadderModel {
  const seen = new Set<string>();
  for (const m of laneMessages) seen.add(m.src).add(m.dst);
  for (const m of messages) seen.add(m.src).add(m.dst);
  const lanes: string[] = laneOrder.filter((a) => seen.has(a));
  const index = new Map<string, number>();
  lanes.forEach((a, i) => index.set(a, i));
  const lane = (addr: string): number => {
    let i = index.get(addr);
    if (i === undefined) {
      i = lanes.push(addr) - 1;
      index.set(addr, i);
    }
    return i;
  };
  if (laneMessages !== messages) {
    for (const m of laneMessages) {
      lane(m.src);
      lane(m.dst);
    }
  }
  let prev: number | null = null;
  const arrows = new Array<LadderArrow>(messages.length);
  for (let k = 0; k < messages.length; k++) {
    const m = messages[k]!;
    const from = lane(m.src);
    const to = lane(m.dst);
    const delta = prev === null ? 0 : m.time - prev;
    prev = m.time;
    const label =
      m.kind === 'request'
        ? m.dtmf
          ? `${m.method ?? '?'} · DTMF ${m.dtmf}`
          : (m.method ?? '?')
        : m.kind === 'response'
          ? `${m.status ?? '?'} ${m.reason ?? ''}`.trim()
          : 'malformed';
    arrows[k] = {
      id: m.id,
      from,
      to,
      label,
      kind: m.kind,
      status: m.status,
      time: m.time,
      delta,
      body: m.body,
      retransmission: m.retransmission,
      transaction: m.transaction,
      dialog: m.dialog,
      call: m.call,
      callId: m.callId,
      diagnostics: m.diagnostics,
      severity: m.maxSeverity,
    };
  }
  if (media.length === 0) return { lanes, arrows };
  return { lanes, arrows: withMedia(arrows, media, lanes, lane) };
}

/**
 * The RTP streams as arrows among the messages, each at its first packet (ties after the message);
 * a stream that stopped and started again (`spans`: a hold, a re-INVITE's new direction) has one
 * arrow per run of packets, each at the run's first packet.
 * A stream's end is on the lane of its host's SIP address when there is one (the phone's media
 * port is not its SIP port), else on a lane of its own (a media server, a relay). Where several
 * lanes share the host (phones on one machine: a lab or SIPp on loopback), the caller's end goes to
 * the lane that sent the call's first INVITE and the callee's to the lane that sent its first answer
 * with SDP, when those lanes are on the stream's host.
 */
function withMedia(
  arrows: LadderArrow[],
  media: readonly MediaStreamDto[],
  lanes: readonly string[],
  lane: (addr: string) => number,
): LadderArrow[] {
  const byHost = new Map<string, number>();
  lanes.forEach((a, i) => {
    const h = hostOf(a);
    if (!byHost.has(h)) byHost.set(h, i);
  });
  // Each call's caller and callee lanes, as its messages show them.
  const parties = new Map<string, { caller: number; callee: number }>();
  for (const a of arrows) {
    if (a.call === null || a.retransmission) continue;
    let p = parties.get(a.call);
    if (!p) parties.set(a.call, (p = { caller: -1, callee: -1 }));
    if (p.caller < 0 && a.kind === 'request' && a.label === 'INVITE') p.caller = a.from;
    if (p.callee < 0 && a.kind === 'response' && a.body === 'SDP' && (a.status ?? 0) < 300) p.callee = a.from;
  }
  const laneOf = (host: string, port: number, party: number): number => {
    const addr = mediaAddress(host, port);
    const h = hostOf(addr);
    if (party >= 0 && hostOf(lanes[party]!) === h) return party;
    let i = byHost.get(h);
    if (i === undefined) {
      i = lane(addr);
      byHost.set(h, i);
    }
    return i;
  };
  /** The lane of the party at a stream's end (-1: not known): the caller sends forward streams. */
  const end = (s: MediaStreamDto, which: 'src' | 'dst'): number => {
    const p = s.call === null ? undefined : parties.get(s.call);
    if (!p || s.direction === null) return -1;
    return (s.direction === 'forward') === (which === 'src') ? p.caller : p.callee;
  };
  const runs: { s: MediaStreamDto; span: ArrowSpan | null; start: number }[] = [];
  for (const s of media) {
    if (!s.spans?.length) {
      runs.push({ s, span: null, start: s.start });
      continue;
    }
    s.spans.forEach((p, k) => {
      const after = k === 0 ? 0 : p.start - s.spans![k - 1]!.end;
      runs.push({ s, span: { k, start: p.start, end: p.end, packets: p.packets, after }, start: p.start });
    });
  }
  runs.sort((a, b) => a.start - b.start || a.s.index - b.s.index || (a.span?.k ?? 0) - (b.span?.k ?? 0));
  const out: LadderArrow[] = [];
  let k = 0;
  const push = (a: LadderArrow): void => {
    const prev = out.at(-1);
    out.push(prev ? { ...a, delta: a.time - prev.time } : { ...a, delta: 0 });
  };
  for (const { s, span, start } of runs) {
    while (k < arrows.length && arrows[k]!.time <= start) push(arrows[k++]!);
    push({
      id: mediaArrowId(s.index, span?.k ?? 0),
      from: laneOf(s.src, s.srcPort, end(s, 'src')),
      to: laneOf(s.dst, s.dstPort, end(s, 'dst')),
      label: span ? spanLabel(s, span) : mediaLabel(s),
      kind: 'media',
      status: null,
      time: start,
      delta: 0,
      body: null,
      retransmission: false,
      transaction: null,
      dialog: null,
      call: s.call,
      callId: null,
      diagnostics: 0,
      severity: null,
      stream: s,
      ...(span && { span }),
    });
  }
  while (k < arrows.length) push(arrows[k++]!);
  return out;
}

/**
 * Seconds since the epoch → `HH:MM:SS.mmmmmm` (UTC), the precision captures carry; `digits` fraction
 * digits (the calls list shows milliseconds).
 */
export function formatTime(t: number, digits = 6): string {
  const scale = 10 ** digits;
  let secs = Math.floor(t);
  // t - secs is exact; a fraction that rounds up to a whole second carries (…59.9999996 → the next second).
  let frac = Math.round((t - secs) * scale);
  if (frac >= scale) {
    secs += 1;
    frac -= scale;
  }
  const day = ((secs % 86400) + 86400) % 86400;
  const hh = String(Math.floor(day / 3600)).padStart(2, '0');
  const mm = String(Math.floor((day % 3600) / 60)).padStart(2, '0');
  const ss = String(day % 60).padStart(2, '0');
  return digits > 0 ? `${hh}:${mm}:${ss}.${String(frac).padStart(digits, '0')}` : `${hh}:${mm}:${ss}`;
}

/** Row index of each message id. */
export function indexById(arrows: readonly LadderArrow[]): ReadonlyMap<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < arrows.length; i++) m.set(arrows[i].id, i);
  return m;
}

/** How many distinct addresses (sources and destinations) the messages have. */
export function countAddresses(messages: readonly Pick<MessageRow, 'src' | 'dst'>[]): number {
  const s = new Set<string>();
  for (const m of messages) s.add(m.src).add(m.dst);
  return s.size;
}

/** The colour class of an arrow: requests, then responses by class, unparsable messages. */
export function arrowClass(a: Pick<LadderArrow, 'kind' | 'status'>): string {
  if (a.kind === 'request') return 'req';
  if (a.kind === 'media') return 'media';
  if (a.status === null) return 'err';
  if (a.status < 200) return 'resp1';
  if (a.status < 300) return 'resp2';
  if (a.status < 400) return 'resp3';
  return 'resp4';
}

// ---------------------------------------------------------------------------------------------
// Virtual window: only the rows in view (plus overscan) are drawn; rows have a fixed height.

export const ROW_H = 28;
export const HEADER_H = 52;
export const OVERSCAN = 8;

export interface RowWindow {
  /** First row drawn (inclusive) and last (exclusive). */
  start: number;
  end: number;
}

/**
 * Rows to draw when the rows area is scrolled by `scrollTop` px and `viewport` px of it are visible.
 * Cost is independent of `total`.
 */
export function visibleWindow(
  scrollTop: number,
  viewport: number,
  total: number,
  rowH = ROW_H,
  overscan = OVERSCAN,
): RowWindow {
  if (total <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowH);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewport)) / rowH);
  const start = Math.max(0, Math.min(total - 1, first - overscan));
  const end = Math.min(total, Math.max(start + 1, last + overscan));
  return { start, end };
}

/**
 * The scrollTop that brings row `index` into view (rows area of `viewport` px), or null when it
 * already is fully visible.
 */
export function scrollToRow(index: number, scrollTop: number, viewport: number, rowH = ROW_H): number | null {
  const top = index * rowH;
  if (top < scrollTop) return top;
  if (top + rowH > scrollTop + viewport) return Math.max(0, top + rowH - viewport);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Zoom: the lane spacing scales; rows keep their height.

export const LANE_W = 175;
export const COLLAPSED_W = 30;
export const ZOOM_LEVELS = [0.4, 0.5, 0.65, 0.8, 1, 1.25, 1.5, 2, 2.5, 3] as const;

/** The next zoom level in direction `dir` (+1 in, -1 out), clamped to the levels. */
export function zoomStep(zoom: number, dir: 1 | -1): number {
  if (dir > 0) return ZOOM_LEVELS.find((z) => z > zoom + 1e-9) ?? ZOOM_LEVELS[ZOOM_LEVELS.length - 1];
  return [...ZOOM_LEVELS].reverse().find((z) => z < zoom - 1e-9) ?? ZOOM_LEVELS[0];
}

/** The zoom that fits every lane of `layout` in `avail` px (within the zoom levels' range). */
export function fitZoom(avail: number, layout: Pick<LaneLayout, 'columns'>): number {
  const open = layout.columns.filter((c) => !c.collapsed).length;
  const shut = layout.columns.length - open;
  if (!open || avail <= 0) return 1;
  const z = (avail - shut * COLLAPSED_W) / (open * LANE_W);
  const lo = ZOOM_LEVELS[0];
  const hi = ZOOM_LEVELS[ZOOM_LEVELS.length - 1];
  return Math.floor(Math.max(lo, Math.min(hi, z)) * 100) / 100;
}

/** The widest zoom a ladder takes by itself (lanes 262 px apart: a label like "200 OK (SDP) · retransmission" fits). */
export const AUTO_ZOOM_MAX = 1.5;

/**
 * The zoom a ladder takes until the user zooms: its lanes spread over `avail` px, up to
 * AUTO_ZOOM_MAX; never below 100% unless `shrink` (then as far as the levels allow, so every lane is
 * in view: the scenario player, whose few lanes should all show).
 */
export function autoZoom(avail: number, layout: Pick<LaneLayout, 'columns'>, shrink: boolean): number {
  const z = Math.min(AUTO_ZOOM_MAX, fitZoom(avail, layout));
  return shrink ? z : Math.max(1, z);
}

/** Whether a lane label is an address (shortened keeping its end, the port) rather than a name. */
export function isAddressLike(label: string): boolean {
  return /^[\d.:[\]a-f]+$/i.test(label) && /\d/.test(label);
}

/**
 * The scrollLeft that keeps the point under `anchor` (px from the scroller's left edge) still when
 * the lanes area (which starts after a sticky column of `left` px) changes width `oldW` → `newW`.
 */
export function anchoredScrollLeft(
  scrollLeft: number,
  anchor: number,
  left: number,
  oldW: number,
  newW: number,
): number {
  const lx = scrollLeft + anchor - left;
  const ratio = oldW > 0 ? newW / oldW : 1;
  return Math.max(0, lx * ratio + left - anchor);
}

// ---------------------------------------------------------------------------------------------
// Lanes: merged by logical node when the user asks, collapsed (hidden) lanes, and their x.

/** One lane per address; all ports of one host in one lane; or one lane per alias (node name). */
export type LaneMerge = 'none' | 'host' | 'alias';

export interface LaneColumn {
  /** Stable key for collapse state: the address, the host, or the alias. */
  key: string;
  label: string;
  /** Second line: the address under an alias, the ports of a merged host... */
  sub: string | null;
  /** The addresses (indexes into `LadderModel.lanes`) drawn in this lane. */
  members: number[];
  collapsed: boolean;
  /** Centre and width, in px from the left of the lanes area. */
  x: number;
  width: number;
}

export interface LaneLayout {
  columns: LaneColumn[];
  /** Column index of each address (`LadderModel.lanes` index). */
  laneColumn: number[];
  /** Total width of the lanes area in px. */
  width: number;
  laneW: number;
}

/** `127.0.0.1:5060` → `127.0.0.1`; `[::1]:5060` → `[::1]`; a bare host stays as it is. */
export function hostOf(addr: string): string {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    return end > 0 ? addr.slice(0, end + 1) : addr;
  }
  const colon = addr.lastIndexOf(':');
  return colon > 0 && addr.indexOf(':') === colon ? addr.slice(0, colon) : addr;
}

function portOf(addr: string): string {
  const host = hostOf(addr);
  return addr.length > host.length ? addr.slice(host.length) : '';
}

export interface LaneOptions {
  merge: LaneMerge;
  aliases: Readonly<Record<string, string>>;
  /** Role labels by address (`roleLabel`): a lane's name when the user has not named it. */
  roles?: Readonly<Record<string, string>>;
  collapsed: readonly string[];
  zoom: number;
}

export function layoutLanes(lanes: readonly string[], opts: LaneOptions): LaneLayout {
  const laneW = Math.round(LANE_W * opts.zoom);
  const keyOf = (addr: string): string =>
    opts.merge === 'host' ? hostOf(addr) : opts.merge === 'alias' ? (opts.aliases[addr] ?? addr) : addr;
  const byKey = new Map<string, number>();
  const columns: LaneColumn[] = [];
  const laneColumn = lanes.map((addr, i) => {
    const key = keyOf(addr);
    let c = byKey.get(key);
    if (c === undefined) {
      c = columns.push({ key, label: key, sub: null, members: [], collapsed: false, x: 0, width: 0 }) - 1;
      byKey.set(key, c);
    }
    columns[c].members.push(i);
    return c;
  });
  const collapsed = new Set(opts.collapsed);
  let x = 0;
  for (const col of columns) {
    const addrs = col.members.map((i) => lanes[i]);
    if (opts.merge === 'none') {
      const alias = opts.aliases[col.key] ?? opts.roles?.[col.key];
      col.label = alias ?? col.key;
      col.sub = alias ? col.key : null;
    } else if (opts.merge === 'host') {
      const names = [
        ...new Set(addrs.map((a) => opts.aliases[a] ?? opts.roles?.[a]).filter((a): a is string => !!a)),
      ];
      col.label = names.length ? names.join(' / ') : col.key;
      col.sub =
        addrs.length > 1
          ? `${names.length ? `${col.key} ` : ''}ports ${addrs.map(portOf).join(' ')}`
          : names.length
            ? addrs[0]
            : null;
    } else {
      col.sub = addrs.length > 1 ? `${addrs.length} addresses` : col.key === addrs[0] ? null : addrs[0];
    }
    col.collapsed = collapsed.has(col.key);
    col.width = col.collapsed ? COLLAPSED_W : laneW;
    col.x = x + col.width / 2;
    x += col.width;
  }
  return { columns, laneColumn, width: Math.max(x, laneW), laneW };
}

export interface ArrowGeometry {
  x1: number;
  x2: number;
  /** Both ends in one lane (merged ports of a host, or a message to itself): drawn as a loop. */
  self: boolean;
  /** The lane name where an end lies in a collapsed lane, to mark at that end. */
  fromMark: string | null;
  toMark: string | null;
}

export function arrowGeometry(a: Pick<LadderArrow, 'from' | 'to'>, layout: LaneLayout): ArrowGeometry {
  const c1 = layout.columns[layout.laneColumn[a.from]];
  const c2 = layout.columns[layout.laneColumn[a.to]];
  return {
    x1: c1.x,
    x2: c2.x,
    self: c1 === c2,
    fromMark: c1.collapsed ? c1.label : null,
    toMark: c2.collapsed ? c2.label : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Keyboard: which row a key moves the selection to.

/**
 * The row a navigation key selects, from row `current` (null: none yet) among `total` rows, with
 * `page` rows per page; null when `key` is not a navigation key or there are no rows.
 */
export function navigate(key: string, current: number | null, total: number, page: number): number | null {
  if (total <= 0) return null;
  const clamp = (i: number): number => Math.max(0, Math.min(total - 1, i));
  const step = Math.max(1, page);
  switch (key) {
    case 'ArrowDown':
    case 'j':
      return current === null ? 0 : clamp(current + 1);
    case 'ArrowUp':
    case 'k':
      return current === null ? total - 1 : clamp(current - 1);
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    case 'PageDown':
      return current === null ? clamp(step - 1) : clamp(current + step);
    case 'PageUp':
      return current === null ? 0 : clamp(current - step);
    default:
      return null;
  }
}

/** The text drawn on an arrow (before it is fitted to the arrow's length). */
export function arrowText(a: LadderArrow): string {
  return `${a.label}${a.body ? ` (${a.body})` : ''}${a.retransmission ? ' · retransmission' : ''}`;
}

/**
 * What a screen reader says for an arrow: it starts with the drawn text, so that what a voice-control
 * user reads on screen names it (WCAG 2.5.3, label in name).
 */
export function describeArrow(a: LadderArrow, from: string, to: string, when: string): string {
  if (a.stream) {
    const s = a.stream;
    const p = a.span ?? s;
    return `${a.label}, from ${from} to ${to}, first packet at ${when}, ${((p.end - p.start) * 1000).toFixed(0)} ms, SSRC ${s.ssrc}`;
  }
  const parts = [arrowText(a), `from ${from} to ${to}`, `at ${when}`];
  if (a.transaction) parts.push(`transaction ${a.transaction}`);
  if (a.diagnostics)
    parts.push(
      `${a.diagnostics} diagnostic${a.diagnostics === 1 ? '' : 's'}${a.severity ? ` (${a.severity})` : ''}`,
    );
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Multi-call ladders: messages of several calls in time order, each call (or leg) a colour band.

/** Messages of several calls merged in time order (ties by message id), each message once. */
export function mergeByTime(lists: readonly (readonly MessageRow[])[]): MessageRow[] {
  const seen = new Set<number>();
  const all: MessageRow[] = [];
  for (const list of lists)
    for (const m of list)
      if (!seen.has(m.id)) {
        seen.add(m.id);
        all.push(m);
      }
  return all.sort((a, b) => a.time - b.time || a.id - b.id);
}

/** Colours of bands: distinct from the arrow colours and readable on the light and dark themes. */
export const BAND_COLOURS = [
  '#e07b39',
  '#2a9d8f',
  '#b5179e',
  '#4361ee',
  '#8d6e1f',
  '#d62828',
  '#6a994e',
  '#7b2cbf',
] as const;

export interface Band {
  key: string;
  /** `A`, `B`... for legs; the call id for calls. */
  tag: string;
  colour: string;
  count: number;
}

export interface Bands {
  /** In order of first appearance. */
  bands: Band[];
  /** Band index of each arrow (-1 when the arrow has no value for the key). */
  of: Int32Array;
}

/** Groups arrows by `call` (a multi-call ladder) or by `callId` (the legs of one call). */
export function bandsOf(arrows: readonly LadderArrow[], by: 'call' | 'callId'): Bands {
  const index = new Map<string, number>();
  const bands: Band[] = [];
  const of = new Int32Array(arrows.length);
  // Neighbours mostly share their call and leg: compare with the last key before any lookup.
  let lastKey: string | null = null;
  let lastBand = -1;
  for (let i = 0; i < arrows.length; i++) {
    const key = arrows[i][by];
    if (key === null) {
      of[i] = -1;
      continue;
    }
    if (key === lastKey) {
      bands[lastBand].count++;
      of[i] = lastBand;
      continue;
    }
    let b = index.get(key);
    if (b === undefined) {
      b = bands.length;
      index.set(key, b);
      bands.push({
        key,
        tag: by === 'call' ? key : legTag(b),
        colour: BAND_COLOURS[b % BAND_COLOURS.length],
        count: 0,
      });
    }
    bands[b].count++;
    of[i] = b;
    lastKey = key;
    lastBand = b;
  }
  return { bands, of };
}

/** `A`…`Z`, then `AA`, `AB`… */
export function legTag(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}
