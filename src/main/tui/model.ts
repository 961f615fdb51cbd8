/**
 * The terminal UI's screen model, pure: a state, a key → the next state and the effects to run
 * (a page of calls, a call's ladder, a message), an effect's result → the next state. Rendering
 * (state + size → lines) is in render.ts; the terminal I/O and the service host in app.ts.
 * Keys follow sngrep's where it has them (Enter call flow, Space select, F/`/` filter, q/Esc back).
 */
import type {
  CallDto,
  CallSortField,
  CallsPage,
  MessageDetail,
  MessageRow,
  ProblemCount,
} from '../../shared/api';

export type View = 'list' | 'flow' | 'help';
export type PaneTab = 'raw' | 'headers' | 'path';
export const PANE_TABS: readonly PaneTab[] = ['raw', 'headers', 'path'];

export interface Size {
  cols: number;
  rows: number;
}

/** What the status line tells about the input. */
export interface Summary {
  name: string;
  format: string;
  frames: number;
  messages: number;
  calls: number;
  /** Share of the full analysis done (0..1). */
  analysis: number;
  /** A live source: its listening addresses. */
  live: string[] | null;
  /** Reading the file: share done (0..1); null once read. */
  reading: number | null;
  /** A file error (corrupt capture: what was read is shown, the error names the byte offset). */
  error: string | null;
}

/** The calls list columns, in screen order, and the sort field each one sorts by. */
export const LIST_COLUMNS: readonly { title: string; sort: CallSortField }[] = [
  { title: 'Start', sort: 'start' },
  { title: 'From', sort: 'from' },
  { title: 'To', sort: 'to' },
  { title: 'State', sort: 'state' },
  { title: 'Code', sort: 'finalStatus' },
  { title: 'PDD', sort: 'pdd' },
  { title: 'Duration', sort: 'duration' },
  { title: 'Msgs', sort: 'messages' },
  { title: 'Diag', sort: 'diagnostics' },
  { title: 'Media', sort: 'rtp' },
];

export interface ListState {
  /** Calls of the (filtered) list. */
  total: number;
  /** First visible row and the cursor (indexes into the sorted, filtered list). */
  top: number;
  cursor: number;
  sort: CallSortField;
  desc: boolean;
  filter: string;
  filterError: { message: string; column: number } | null;
  /** The visible page: rows `rowsOffset`… as the host served them. */
  rows: CallDto[];
  rowsOffset: number;
  /** The page's query answered (stale pages are dropped). */
  rowsKey: string;
  problems: ProblemCount[];
  /** Calls picked with Space, in order, and their rows (the verdict line of a merged flow). */
  selected: string[];
  selectedRows: Record<string, CallDto>;
}

export interface FlowState {
  calls: string[];
  /** The call's row (verdict line); null when it is not known. */
  call: CallDto | null;
  /** The ladder's text lines (the text exporter's), `header` of them lane titles, then one per message. */
  lines: string[];
  header: number;
  /** The messages' rows, one per arrow line, in ladder order. */
  rows: MessageRow[];
  cursor: number;
  top: number;
  /** Ladder columns scrolled off to the left. */
  left: number;
  detail: MessageDetail | null;
  tab: PaneTab;
  /** The message pane's first visible line. */
  paneTop: number;
  error: string | null;
  /**
   * Drawn while the capture was still read: the call's messages read so far, its Call-ID alone (read
   * again once the capture's analysis is complete).
   */
  partial: boolean;
}

export interface TuiState {
  view: View;
  /** Where `?` was pressed (help returns there). */
  back: View;
  summary: Summary;
  list: ListState;
  flow: FlowState | null;
  /** The filter being typed (`/` or `F`), with the cursor position; null when not typing. */
  /**
   * A line being typed: the filter (`/` or `F`), or with `save` the file the calls go to (F2).
   */
  input: { text: string; pos: number; save?: string[]; search?: boolean } | null;
  /** A passing note on the status line (cleared by the next key). */
  notice: string | null;
  quit: boolean;
}

/** What the app runs for the model. */
export type Effect =
  /** F2: the calls' frames (their RTP too) as a classic pcap written to `path` (never over a file). */
  | { kind: 'save'; calls: string[]; path: string }
  | {
      kind: 'calls';
      key: string;
      offset: number;
      limit: number;
      sort: CallSortField;
      desc: boolean;
      filter: string;
    }
  | { kind: 'flow'; calls: string[] }
  | { kind: 'message'; id: number }
  | { kind: 'quit' };

/** What an effect gave. */
export type Result =
  | { kind: 'page'; key: string; page: CallsPage }
  | {
      kind: 'flow';
      calls: string[];
      text: string;
      rows: MessageRow[];
      call: CallDto | null;
      /** Drawn while the capture was still read (FlowState.partial). */
      partial?: boolean;
    }
  | { kind: 'flow-error'; calls: string[]; message: string }
  | { kind: 'detail'; id: number; detail: MessageDetail }
  | { kind: 'summary'; summary: Partial<Summary> }
  /** A note for the status line (a save's outcome). */
  | { kind: 'notice'; text: string }
  /** The calls changed (live messages came, the analysis ended): the visible page is read again. */
  | { kind: 'refresh' };

export function initialState(o: { name: string; filter?: string; live?: string[] | null }): TuiState {
  return {
    view: 'list',
    back: 'list',
    summary: {
      name: o.name,
      format: '',
      frames: 0,
      messages: 0,
      calls: 0,
      analysis: 0,
      live: o.live ?? null,
      reading: null,
      error: null,
    },
    list: {
      total: 0,
      top: 0,
      cursor: 0,
      sort: 'start',
      desc: false,
      filter: o.filter ?? '',
      filterError: null,
      rows: [],
      rowsOffset: 0,
      rowsKey: '',
      problems: [],
      selected: [],
      selectedRows: {},
    },
    flow: null,
    input: null,
    notice: null,
    quit: false,
  };
}

// ---- layout (shared with render.ts) ----

/** Lines above the calls rows: title, problems, filter, column titles; below: the status line. */
export const LIST_CHROME = 5;

export function listBodyRows(size: Size): number {
  return Math.max(1, size.rows - LIST_CHROME);
}

/** Wide terminals show the message beside the ladder; narrow ones below it. */
export function flowSideBySide(size: Size): boolean {
  return size.cols >= 140;
}

/** The flow screen's parts: ladder rows (lane titles included) and message pane rows (tab bar included). */
export function flowLayout(size: Size): { ladderRows: number; paneRows: number; ladderCols: number } {
  const body = Math.max(2, size.rows - 3);
  if (flowSideBySide(size)) {
    const ladderCols = Math.floor(size.cols * 0.55);
    return { ladderRows: body, paneRows: body, ladderCols };
  }
  const ladderRows = Math.max(1, Math.ceil((body - 1) * 0.5));
  return { ladderRows, paneRows: Math.max(1, body - 1 - ladderRows), ladderCols: size.cols };
}

function flowArrowRows(f: FlowState, size: Size): number {
  return Math.max(1, flowLayout(size).ladderRows - f.header);
}

// ---- the calls list ----

function pageKey(l: Pick<ListState, 'sort' | 'desc' | 'filter'>, offset: number, limit: number): string {
  return JSON.stringify([l.sort, l.desc, l.filter, offset, limit]);
}

function callsEffect(s: TuiState, size: Size): Effect {
  const limit = listBodyRows(size);
  return {
    kind: 'calls',
    key: pageKey(s.list, s.list.top, limit),
    offset: s.list.top,
    limit,
    sort: s.list.sort,
    desc: s.list.desc,
    filter: s.list.filter,
  };
}

/** The page to read when the visible rows are not the ones held. */
function listEffects(s: TuiState, size: Size): Effect[] {
  const limit = listBodyRows(size);
  return s.list.rowsKey === pageKey(s.list, s.list.top, limit) ? [] : [callsEffect(s, size)];
}

/** Moves the list cursor to `to` (clamped), scrolling the visible rows to keep it in view. */
function moveCursor(s: TuiState, to: number, size: Size): TuiState {
  const n = listBodyRows(size);
  const cursor = Math.max(0, Math.min(to, s.list.total - 1));
  let top = s.list.top;
  if (cursor < top) top = cursor;
  if (cursor >= top + n) top = cursor - n + 1;
  top = Math.max(0, Math.min(top, Math.max(0, s.list.total - n)));
  return { ...s, list: { ...s.list, cursor: Math.max(0, cursor), top } };
}

/** The call row under the cursor, when its page is held. */
export function cursorCall(s: TuiState): CallDto | null {
  return s.list.rows[s.list.cursor - s.list.rowsOffset] ?? null;
}

/** The effects to run first: the first page of calls. */
export function start(s: TuiState, size: Size): Effect[] {
  return [callsEffect(s, size)];
}

function toggleSelected(s: TuiState): TuiState {
  const row = cursorCall(s);
  if (!row) return s;
  const on = s.list.selected.includes(row.id);
  const selected = on ? s.list.selected.filter((x) => x !== row.id) : [...s.list.selected, row.id];
  const selectedRows = { ...s.list.selectedRows };
  if (on) delete selectedRows[row.id];
  else selectedRows[row.id] = row;
  return { ...s, list: { ...s.list, selected, selectedRows } };
}

function openFlow(s: TuiState): [TuiState, Effect[]] {
  const row = cursorCall(s);
  const calls = s.list.selected.length > 0 ? s.list.selected : row ? [row.id] : [];
  if (calls.length === 0) return [{ ...s, notice: 'no call here' }, []];
  const call = calls.length === 1 ? (s.list.selectedRows[calls[0]!] ?? row) : null;
  const flow: FlowState = {
    calls,
    call,
    lines: [],
    header: 0,
    rows: [],
    cursor: 0,
    top: 0,
    left: 0,
    detail: null,
    tab: s.flow?.tab ?? 'raw',
    paneTop: 0,
    error: null,
    partial: false,
  };
  return [{ ...s, view: 'flow', flow }, [{ kind: 'flow', calls }]];
}

function listKey(s: TuiState, key: string, size: Size): [TuiState, Effect[]] {
  const n = listBodyRows(size);
  const go = (to: number): [TuiState, Effect[]] => {
    const t = moveCursor(s, to, size);
    return [t, listEffects(t, size)];
  };
  const resort = (sort: CallSortField, desc: boolean): [TuiState, Effect[]] => {
    const t: TuiState = { ...s, list: { ...s.list, sort, desc, top: 0, cursor: 0 } };
    return [t, listEffects(t, size)];
  };
  const col = LIST_COLUMNS.findIndex((c) => c.sort === s.list.sort);
  switch (key) {
    case 'down':
    case 'j':
      return go(s.list.cursor + 1);
    case 'up':
    case 'k':
      return go(s.list.cursor - 1);
    case 'pagedown':
    case 'ctrl-f':
      return go(s.list.cursor + n);
    case 'pageup':
    case 'ctrl-b':
      return go(s.list.cursor - n);
    case 'home':
    case 'g':
      return go(0);
    case 'end':
    case 'G':
      return go(s.list.total - 1);
    case 'enter':
      return openFlow(s);
    case ' ': {
      const t = moveCursor(toggleSelected(s), s.list.cursor + 1, size);
      return [t, listEffects(t, size)];
    }
    case '/':
    case 'F':
    case 'f':
      return [{ ...s, input: { text: s.list.filter, pos: s.list.filter.length } }, []];
    case 'f3':
      return [{ ...s, input: { text: '', pos: 0, search: true } }, []];
    case 'f2':
      return saveAs(
        s,
        s.list.selected.length > 0 ? s.list.selected : cursorCall(s) ? [cursorCall(s)!.id] : [],
      );
    case 's':
    case 'z':
      return resort(s.list.sort, !s.list.desc);
    case '<':
      return resort(LIST_COLUMNS[(col + LIST_COLUMNS.length - 1) % LIST_COLUMNS.length]!.sort, false);
    case '>':
      return resort(LIST_COLUMNS[(col + 1) % LIST_COLUMNS.length]!.sort, false);
    case 'escape':
      return [{ ...s, list: { ...s.list, selected: [], selectedRows: {} } }, []];
    case 'q':
    case 'x':
    case 'ctrl-c':
      return [{ ...s, quit: true }, [{ kind: 'quit' }]];
    default:
      return [s, []];
  }
}

/** F2: asks where to save the calls (a file name in the current folder to start with). */
function saveAs(s: TuiState, calls: string[]): [TuiState, Effect[]] {
  if (calls.length === 0) return [{ ...s, notice: 'no call here' }, []];
  const base = (s.summary.name.split(' + ')[0] ?? 'calls').replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_');
  const text = `${base}-${calls.length === 1 ? calls[0] : `${calls.length}-calls`}.pcap`;
  return [{ ...s, input: { text, pos: text.length, save: calls } }, []];
}

function inputKey(s: TuiState, key: string, size: Size): [TuiState, Effect[]] {
  const inp = s.input!;
  const set = (text: string, pos: number): [TuiState, Effect[]] => [
    { ...s, input: { ...inp, text, pos } },
    [],
  ];
  switch (key) {
    case 'enter': {
      if (inp.search) {
        // F3 (as sngrep's): the calls with a message holding the text, as the filter `sip contains`.
        const text = inp.text.trim();
        const filter = text ? `sip contains "${text.replace(/["\\]/g, (c) => `\\${c}`)}"` : '';
        const t: TuiState = {
          ...s,
          input: null,
          list: { ...s.list, filter, top: 0, cursor: 0, filterError: null },
        };
        return [t, listEffects(t, size)];
      }
      if (inp.save) {
        const path = inp.text.trim();
        return path
          ? [{ ...s, input: null, notice: `saving ${path}…` }, [{ kind: 'save', calls: inp.save, path }]]
          : [{ ...s, input: null }, []];
      }
      const t: TuiState = {
        ...s,
        input: null,
        list: { ...s.list, filter: inp.text.trim(), top: 0, cursor: 0, filterError: null },
      };
      return [t, listEffects(t, size)];
    }
    case 'escape':
      return [{ ...s, input: null }, []];
    case 'ctrl-c':
      return [{ ...s, quit: true }, [{ kind: 'quit' }]];
    case 'backspace':
      return inp.pos > 0
        ? set(inp.text.slice(0, inp.pos - 1) + inp.text.slice(inp.pos), inp.pos - 1)
        : [s, []];
    case 'delete':
      return set(inp.text.slice(0, inp.pos) + inp.text.slice(inp.pos + 1), inp.pos);
    case 'left':
      return set(inp.text, Math.max(0, inp.pos - 1));
    case 'right':
      return set(inp.text, Math.min(inp.text.length, inp.pos + 1));
    case 'home':
    case 'ctrl-a':
      return set(inp.text, 0);
    case 'end':
    case 'ctrl-e':
      return set(inp.text, inp.text.length);
    case 'ctrl-u':
      return set('', 0);
    default:
      if ([...key].length === 1 && key >= ' ')
        return set(inp.text.slice(0, inp.pos) + key + inp.text.slice(inp.pos), inp.pos + key.length);
      return [s, []];
  }
}

// ---- the call flow ----

function flowMove(s: TuiState, f: FlowState, to: number, size: Size): [TuiState, Effect[]] {
  const count = f.rows.length;
  if (count === 0) return [s, []];
  const cursor = Math.max(0, Math.min(to, count - 1));
  const n = flowArrowRows(f, size);
  let top = f.top;
  if (cursor < top) top = cursor;
  if (cursor >= top + n) top = cursor - n + 1;
  const changed = cursor !== f.cursor || f.detail === null;
  const nf: FlowState = { ...f, cursor, top, ...(cursor !== f.cursor ? { paneTop: 0 } : {}) };
  return [{ ...s, flow: nf }, changed ? [{ kind: 'message', id: f.rows[cursor]!.id }] : []];
}

function flowKey(s: TuiState, key: string, size: Size): [TuiState, Effect[]] {
  const f = s.flow!;
  const { paneRows } = flowLayout(size);
  const page = Math.max(1, flowArrowRows(f, size) - 1);
  switch (key) {
    case 'down':
    case 'j':
      return flowMove(s, f, f.cursor + 1, size);
    case 'up':
    case 'k':
      return flowMove(s, f, f.cursor - 1, size);
    case 'home':
    case 'g':
      return flowMove(s, f, 0, size);
    case 'end':
    case 'G':
      return flowMove(s, f, f.rows.length - 1, size);
    case 'ctrl-f':
      return flowMove(s, f, f.cursor + page, size);
    case 'ctrl-b':
      return flowMove(s, f, f.cursor - page, size);
    case 'pagedown':
    case 'J':
      return [{ ...s, flow: { ...f, paneTop: f.paneTop + Math.max(1, paneRows - 2) } }, []];
    case 'pageup':
    case 'K':
      return [{ ...s, flow: { ...f, paneTop: Math.max(0, f.paneTop - Math.max(1, paneRows - 2)) } }, []];
    case 'right':
    case 'l':
      return [{ ...s, flow: { ...f, left: f.left + 8 } }, []];
    case 'left':
    case 'h':
      return [{ ...s, flow: { ...f, left: Math.max(0, f.left - 8) } }, []];
    case 'tab': {
      const tab = PANE_TABS[(PANE_TABS.indexOf(f.tab) + 1) % PANE_TABS.length]!;
      return [{ ...s, flow: { ...f, tab, paneTop: 0 } }, []];
    }
    case 'escape':
    case 'q':
      return [{ ...s, view: 'list' }, []];
    case 'x':
    case 'ctrl-c':
      return [{ ...s, quit: true }, [{ kind: 'quit' }]];
    default:
      return [s, []];
  }
}

/** A key pressed. Keys: `up`, `pagedown`, `enter`, `escape`, `tab`, `ctrl-c`…, or the character typed. */
export function press(s0: TuiState, key: string, size: Size): [TuiState, Effect[]] {
  const s: TuiState = s0.notice ? { ...s0, notice: null } : s0;
  if (s.input) return inputKey(s, key, size);
  if (key === 'resize') return [s, s.view === 'list' ? listEffects(s, size) : []];
  if (s.view === 'help') {
    if (key === 'x' || key === 'ctrl-c') return [{ ...s, quit: true }, [{ kind: 'quit' }]];
    return [{ ...s, view: s.back }, []];
  }
  if (key === '?' || key === 'f1') return [{ ...s, view: 'help', back: s.view }, []];
  return s.view === 'flow' && s.flow ? flowKey(s, key, size) : listKey(s, key, size);
}

/** An effect's result arrived. */
export function receive(s: TuiState, r: Result, size: Size): [TuiState, Effect[]] {
  switch (r.kind) {
    case 'page': {
      const key = pageKey(s.list, s.list.top, listBodyRows(size));
      if (r.key !== key) return [s, []];
      const p = r.page;
      let t: TuiState = {
        ...s,
        list: {
          ...s.list,
          total: p.total,
          rows: p.items,
          rowsOffset: p.offset,
          rowsKey: key,
          problems: p.problems,
          filterError: p.filterError,
        },
      };
      // The list shrank under the cursor (a filter, a join): clamp, and read the page there.
      if (t.list.cursor >= p.total || t.list.top > Math.max(0, p.total - listBodyRows(size))) {
        t = moveCursor(t, Math.min(t.list.cursor, p.total - 1), size);
        return [t, listEffects(t, size)];
      }
      return [t, []];
    }
    case 'refresh': {
      const t: TuiState = { ...s, list: { ...s.list, rowsKey: '' } };
      // A flow drawn while the capture was read: drawn again once its analysis is complete.
      const f = s.flow;
      const again: Effect[] =
        f?.partial && s.summary.reading === null && s.summary.analysis >= 1
          ? [{ kind: 'flow', calls: f.calls }]
          : [];
      return [t, [...listEffects(t, size), ...again]];
    }
    case 'summary':
      return [{ ...s, summary: { ...s.summary, ...r.summary } }, []];
    case 'notice':
      return [{ ...s, notice: r.text }, []];
    case 'flow': {
      const f = s.flow;
      if (!f || f.calls.join() !== r.calls.join()) return [s, []];
      const lines = r.text.replace(/\n$/, '').split('\n');
      const header = Math.max(0, lines.length - r.rows.length);
      // (the whole call after a flow drawn while reading: the cursor stays on its message)
      const cursor = f.partial ? Math.max(0, Math.min(f.cursor, r.rows.length - 1)) : 0;
      const nf: FlowState = {
        ...f,
        lines,
        header,
        rows: r.rows,
        call: r.call ?? f.call,
        cursor,
        top: f.partial ? Math.min(f.top, cursor) : 0,
        partial: r.partial === true,
      };
      const t: TuiState = { ...s, flow: nf };
      return r.rows.length > 0 ? [t, [{ kind: 'message', id: r.rows[cursor]!.id }]] : [t, []];
    }
    case 'flow-error': {
      const f = s.flow;
      if (!f || f.calls.join() !== r.calls.join()) return [s, []];
      return [{ ...s, flow: { ...f, error: r.message } }, []];
    }
    case 'detail': {
      const f = s.flow;
      if (!f || f.rows[f.cursor]?.id !== r.id) return [s, []];
      return [{ ...s, flow: { ...f, detail: r.detail } }, []];
    }
  }
}
