/**
 * Columns of the calls list: which exist, which the user shows and in what order (remembered in
 * localStorage), and the text of each cell. Sorting happens in the core: a column sorts only when
 * the service knows its sort field.
 */
import type { CallDto, CallSortField } from '@shared/api';

export type CallColumnId =
  | 'start'
  | 'from'
  | 'to'
  | 'state'
  | 'final'
  | 'pdd'
  | 'setup'
  | 'duration'
  | 'messages'
  | 'legs'
  | 'callId'
  | 'src'
  | 'dst'
  | 'codecs'
  | 'media'
  | 'dtmf'
  | 'diag';

export interface CallColumn {
  id: CallColumnId;
  label: string;
  /** What the column shows, for the chooser's tooltip. */
  title: string;
  sort?: CallSortField;
  num?: boolean;
  mono?: boolean;
  /** Long values are common (names, Call-IDs). */
  trunc?: boolean;
  /**
   * Fixed width in px, so the table lays out once, not on every scrolled row. Columns without one
   * (names, Call-IDs, codecs) share what is left, at least FLEX_MIN px each.
   */
  width?: number;
}

export const CALL_COLUMNS: readonly CallColumn[] = [
  {
    id: 'start',
    label: 'Start',
    title: 'Time of the first message (UTC)',
    sort: 'start',
    mono: true,
    width: 100,
  },
  {
    id: 'from',
    label: 'From',
    title: 'From user (or URI) of the first request',
    sort: 'from',
    trunc: true,
  },
  {
    id: 'to',
    label: 'To',
    title: 'To user (or URI) of the first request',
    sort: 'to',
    trunc: true,
  },
  {
    id: 'state',
    label: 'State',
    title: 'Call state as the analysis classifies it',
    sort: 'state',
    width: 92,
  },
  {
    id: 'final',
    label: 'Final',
    title: 'Final response code of the INVITE',
    sort: 'finalStatus',
    num: true,
    width: 46,
  },
  {
    id: 'pdd',
    label: 'PDD',
    title: 'Post-dial delay: INVITE → first 18x',
    sort: 'pdd',
    num: true,
    width: 56,
  },
  { id: 'setup', label: 'Setup', title: 'Setup time: INVITE → 2xx', sort: 'setupTime', num: true, width: 56 },
  {
    id: 'duration',
    label: 'Duration',
    title:
      'Duration: 2xx → BYE (≥: in call when the capture ends, measured to its last message, or answered before it began, measured from its first in-dialog request)',
    sort: 'duration',
    num: true,
    width: 72,
  },
  {
    id: 'messages',
    label: 'Msgs',
    title: 'Messages of the call (all legs)',
    sort: 'messages',
    num: true,
    width: 48,
  },
  {
    id: 'legs',
    label: 'Legs',
    title: 'Call-IDs joined in the call (B2BUA legs)',
    sort: 'legs',
    num: true,
    width: 44,
  },
  { id: 'callId', label: 'Call-ID', title: 'Call-ID of each leg', mono: true, trunc: true },
  {
    id: 'src',
    label: 'Source',
    title: 'Where the first INVITE came from',
    sort: 'src',
    mono: true,
    width: 136,
  },
  {
    id: 'dst',
    label: 'Destination',
    title: 'Where the first INVITE went',
    sort: 'dst',
    mono: true,
    width: 136,
  },
  { id: 'codecs', label: 'Codecs', title: 'Codecs answered (else offered)', trunc: true },
  {
    id: 'media',
    label: 'Media',
    title:
      "The call's RTP: two-way, one-way (→ caller to callee only, ← callee to caller only), no media (none of this call though the capture has RTP of its hosts), not captured (no RTP of its hosts), with its worst stream's loss; empty when no media was expected or the capture has no RTP. Sorts one-way and no media first, then by loss",
    sort: 'rtp',
    width: 112,
  },
  {
    id: 'dtmf',
    label: 'DTMF',
    title:
      "The digits the call's sides sent, in order (RFC 4733 events in the RTP, SIP INFO, KPML; the filter's call.dtmf)",
    sort: 'dtmf',
    mono: true,
    trunc: true,
  },
  {
    id: 'diag',
    label: 'Diag',
    title:
      'Diagnostics on the call: its messages’ and its media rules’ (one-way media, loss…). Sorts the calls with an error first, then warnings, then info, each by start',
    sort: 'diagnostics',
    num: true,
    width: 44,
  },
];

/** Least width of a column without a fixed one. */
export const FLEX_MIN = 50;

/** The least width of a table showing `columns` (wider panes give the extra to the flexible columns). */
export function minTableWidth(columns: readonly CallColumn[]): number {
  return columns.reduce((n, c) => n + (c.width ?? FLEX_MIN), 0);
}

/**
 * `text` cut (with an ellipsis) to what `px` pixels of 12 px text hold, for cells of a fixed width
 * that do not clip (a clip per cell makes every scrolled frame cost more in the compositor). The
 * character width is a generous estimate for proportional text, exact for monospace.
 */
export function fitCell(text: string, px: number, mono = false): string {
  const max = Math.max(1, Math.floor(px / (mono ? 7.3 : 7)));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** CSS grid-template-columns of the table: fixed widths, the others share what is left. */
export function gridColumns(columns: readonly CallColumn[]): string {
  return columns.map((c) => (c.width ? `${c.width}px` : `minmax(${FLEX_MIN}px, 1fr)`)).join(' ');
}

const BY_ID = new Map(CALL_COLUMNS.map((c) => [c.id, c]));

export const DEFAULT_COLUMNS: readonly CallColumnId[] = [
  'start',
  'from',
  'to',
  'state',
  'final',
  'pdd',
  'duration',
  'messages',
  'diag',
];

export const COLUMNS_KEY = 'sipscope.calls.columns';

/** Minimal Storage (localStorage, or a stand-in in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

export function columnById(id: CallColumnId): CallColumn {
  return BY_ID.get(id)!;
}

/** The user's columns from storage; unknown ids are dropped, an empty or unreadable choice gives the default. */
export function loadColumns(store: KeyValueStore | null): CallColumnId[] {
  try {
    const raw = store?.getItem(COLUMNS_KEY);
    if (!raw) return [...DEFAULT_COLUMNS];
    const ids = JSON.parse(raw) as unknown;
    if (!Array.isArray(ids)) return [...DEFAULT_COLUMNS];
    const out: CallColumnId[] = [];
    for (const id of ids)
      if (typeof id === 'string' && BY_ID.has(id as CallColumnId) && !out.includes(id as CallColumnId))
        out.push(id as CallColumnId);
    return out.length ? out : [...DEFAULT_COLUMNS];
  } catch {
    return [...DEFAULT_COLUMNS];
  }
}

export function saveColumns(store: KeyValueStore | null, ids: readonly CallColumnId[]): void {
  try {
    store?.setItem(COLUMNS_KEY, JSON.stringify(ids));
  } catch {
    // Storage full or disabled: the choice lasts for this session only.
  }
}

/** Shows or hides a column; a shown column goes to the end. The last column cannot be hidden. */
export function toggleColumn(ids: readonly CallColumnId[], id: CallColumnId): CallColumnId[] {
  if (ids.includes(id)) return ids.length > 1 ? ids.filter((x) => x !== id) : [...ids];
  return [...ids, id];
}

/** Moves a shown column by `delta` places (−1 left, +1 right), clamped. */
export function moveColumn(ids: readonly CallColumnId[], id: CallColumnId, delta: number): CallColumnId[] {
  const i = ids.indexOf(id);
  if (i < 0) return [...ids];
  const j = Math.max(0, Math.min(ids.length - 1, i + delta));
  const out = [...ids];
  out.splice(i, 1);
  out.splice(j, 0, id);
  return out;
}

/** A short tag for what a non-call item is (the state cell has room for the state chip and this). */
export function typeTag(type: string): string {
  switch (type) {
    case 'registration':
      return 'REG';
    case 'subscription':
      return 'SUB';
    case 'options':
      return 'OPT';
    case 'message':
      return 'MSG';
    default:
      return type === 'call' ? '' : 'OTH';
  }
}

/** A call's Call-IDs as text; a request without a Call-ID header forms a group of its own (''). */
export function callIdsText(ids: readonly string[], sep = ', '): string {
  return ids.map((id) => (id === '' ? '(no Call-ID)' : id)).join(sep);
}

/** What joined two legs (a `CallLinkDto` reason: the analysis' B2BUA correlation rule, or the user). */
const LINK_REASONS: Record<string, string> = {
  'x-cid': 'X-CID header',
  'hep-correlation-id': 'HEP correlation id',
  icid: 'P-Charging-Vector icid',
  'call-id-suffix': 'Call-ID suffix',
  'sdp-media': 'same SDP media',
  diversion: 'Diversion',
  'history-info': 'History-Info',
  manual: 'joined by you',
};

export function linkReasonText(reason: string): string {
  return LINK_REASONS[reason] ?? reason;
}

/** One of the user's edits in words, by the legs' Call-IDs: `joined a + b`, `split a / b`. */
export function callEditText(e: { op: 'join' | 'split'; a: string; b: string }): string {
  return e.op === 'join' ? `joined ${e.a} + ${e.b}` : `split ${e.a} / ${e.b}`;
}

/** The edits chip's label and its hover text (each edit on a line). */
export function callEditsLabel(edits: readonly { op: 'join' | 'split'; a: string; b: string }[]): {
  label: string;
  title: string;
} {
  const n = edits.length;
  return {
    label: `${n} edit${n === 1 ? '' : 's'}`,
    title: [
      `The calls carry ${n === 1 ? 'one edit' : `${n} edits`} of yours (remembered for this capture file):`,
      ...edits.map(callEditText),
    ].join('\n'),
  };
}

/**
 * A delay (post-dial delay, setup time) in at most six characters, so it fits its column whole:
 * `409 ms`, `1.23 s`, `17.8 s`, `1784 s` (a PDD of several seconds printed in ms was cut to `1784…`).
 */
export function delayText(s: number | null): string {
  if (s === null) return '';
  const ms = Math.round(s * 1000);
  if (ms < 1000) return `${ms} ms`;
  if (s < 9.995) return `${s.toFixed(2)} s`;
  if (s < 99.95) return `${s.toFixed(1)} s`;
  return `${Math.round(s)} s`;
}

/** The text of a cell (the state chip and diagnostics badge are styled by the view). */
export function cellText(c: CallDto, id: CallColumnId, formatTime: (t: number) => string): string {
  switch (id) {
    case 'start':
      return formatTime(c.start);
    case 'from':
      return c.fromUser ?? c.from ?? '';
    case 'to':
      return c.toUser ?? c.to ?? '';
    case 'state':
      return c.state;
    case 'final':
      return c.finalStatus === null ? '' : String(c.finalStatus);
    case 'pdd':
      return delayText(c.pdd);
    case 'setup':
      return delayText(c.setupTime);
    case 'duration':
      // (answered, no BYE in the capture: the call went on; or answered before the capture began: its
      // duration is open)
      return c.duration === null
        ? ''
        : `${c.state === 'in-call' || c.startOpen ? '≥ ' : ''}${c.duration.toFixed(1)} s`;
    case 'messages':
      return String(c.messages);
    case 'legs':
      return String(c.legs);
    case 'callId':
      return callIdsText(c.callIds);
    case 'src':
      return c.src ?? '';
    case 'dst':
      return c.dst ?? '';
    case 'codecs':
      return c.codecs.join(', ');
    case 'media':
      return mediaText(c);
    case 'dtmf':
      return c.dtmf ?? '';
    case 'diag':
      return c.diagnostics ? String(c.diagnostics) : '';
  }
}

/** The words of a media verdict in the calls list (not expected, or no RTP in the capture: none). */
const RTP_WORDS: Record<string, string> = {
  'two-way': 'two-way',
  'one-way': 'one-way',
  'no-media': 'no media',
  'not-captured': 'not captured',
};

/**
 * A call's media in a few characters: `two-way`, `one-way →` (caller to callee only) or `one-way ←`,
 * `no media`, `not captured`, and the worst stream's loss when some was lost (`two-way 3.2%`).
 */
export function mediaText(c: Pick<CallDto, 'rtp' | 'rtpOneWay' | 'rtpLoss'>): string {
  const w = c.rtp ? RTP_WORDS[c.rtp] : undefined;
  if (!w) return '';
  const dir = c.rtp === 'one-way' ? (c.rtpOneWay === 'reverse' ? ' ←' : ' →') : '';
  const l = c.rtpLoss;
  const loss = l ? ` ${l < 0.1 ? '<0.1' : l < 10 ? l.toFixed(1) : Math.round(l)}%` : '';
  return w + dir + loss;
}
