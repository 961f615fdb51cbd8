/**
 * The terminal UI drawn: state + size → exactly `rows` lines of `cols` cells (styled segments, see
 * cells.ts). Pure; only what is visible is built (the calls list holds one page of rows). The call
 * flow draws the ladder as `sipscope ladder --format text` does (its lines come from the same
 * exporter) with the selected message highlighted, and the message beside it or below it.
 */
import type { CallDto, MessageDetail, MessageRow } from '../../shared/api';
import { isoMicros } from '../../sip-core/trace/time-notices';
import { bodyMeaning, methodMeaning, statusMeaning } from '../../shared/explain';
import {
  ellipsize,
  fit,
  fitLine,
  printable,
  stringWidth,
  truncate,
  type Line,
  type Seg,
  type Style,
} from './cells';
import {
  LIST_COLUMNS,
  flowLayout,
  flowSideBySide,
  listBodyRows,
  type FlowState,
  type Size,
  type TuiState,
} from './model';

export interface RenderOptions {
  /** ASCII box lines and marks instead of Unicode. */
  ascii: boolean;
}

interface Glyphs {
  v: string;
  h: string;
  mark: string;
  arrow: string;
  up: string;
  down: string;
}
const UNICODE: Glyphs = { v: '│', h: '─', mark: '●', arrow: '→', up: '▲', down: '▼' };
const ASCII: Glyphs = { v: '|', h: '-', mark: '*', arrow: '->', up: '^', down: 'v' };

// ANSI colours (as the app colours methods and status classes).
const RED = 1;
const GREEN = 2;
const YELLOW = 3;
const BLUE = 4;
const MAGENTA = 5;
const CYAN = 6;

const BAR: Style = { reverse: true };
/** The first calls row (below title, problems, filter, column titles). */
const LIST_CHROME_TOP = 4;
const TITLE: Style = { bold: true };
const DIM: Style = { dim: true };

/** The colour of a message line: requests by method, responses by status class. */
export function messageStyle(r: Pick<MessageRow, 'kind' | 'method' | 'status'>): Style | undefined {
  if (r.kind === 'invalid') return { fg: RED };
  if (r.kind === 'request') {
    switch (r.method) {
      case 'INVITE':
        return { fg: CYAN, bold: true };
      case 'ACK':
        return { fg: CYAN };
      case 'BYE':
      case 'CANCEL':
        return { fg: MAGENTA };
      case 'REGISTER':
        return { fg: BLUE + 8 };
      default:
        return { fg: BLUE + 8 };
    }
  }
  const st = r.status ?? 0;
  if (st < 200) return { fg: YELLOW };
  if (st < 300) return { fg: GREEN };
  if (st < 400) return { fg: CYAN };
  return { fg: RED, bold: st >= 500 };
}

function stateStyle(state: string): Style | undefined {
  if (state === 'failed' || state === 'rejected' || state === 'busy') return { fg: RED };
  if (state === 'completed' || state === 'in-call') return { fg: GREEN };
  if (state === 'cancelled' || state === 'redirected') return { fg: YELLOW };
  return undefined;
}

function severityStyle(sev: string): Style {
  return sev === 'error' ? { fg: RED, bold: true } : sev === 'warning' ? { fg: YELLOW } : { fg: CYAN };
}

/** `HH:MM:SS` of epoch seconds; dashes when there is none or it is out of Date's range (a damaged capture). */
function clock(epoch: number): string {
  const t = Number.isFinite(epoch) && epoch > 0 ? isoMicros(epoch * 1e6, 'time') : '';
  return t.includes(':') ? t.slice(0, 8) : '--:--:--';
}

function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 10) return `${s.toFixed(2)}s`;
  if (s < 60) return `${s.toFixed(1)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

function party(user: string | null, uri: string | null): string {
  return user ?? uri?.replace(/^<?sips?:/, '').replace(/>.*$/, '') ?? '-';
}

function pct(x: number): string {
  return `${Math.floor(Math.max(0, Math.min(1, x)) * 100)}%`;
}

// ---- shared chrome ----

/** The status line: input, frames, messages, calls, analysis progress, and a file error if any. */
function statusLine(s: TuiState, g: Glyphs): Line {
  const m = s.summary;
  const sep = ` ${g.v} `;
  const parts = [m.name];
  if (m.live) parts.push(`live ${m.live.join(', ')}`);
  else if (m.format) parts.push(m.format);
  if (m.reading !== null) parts.push(`reading ${pct(m.reading)}`);
  parts.push(`${m.frames} frames`, `${m.messages} msgs`, `${m.calls} calls`);
  if (!m.live) parts.push(m.analysis >= 1 ? 'analysed' : `analysis ${pct(m.analysis)}`);
  // A file error comes first: on a narrow terminal it is what must not be cut off.
  const line: Line = m.error
    ? [
        { text: ` ${parts[0]}`, style: DIM },
        { text: ` error: ${m.error} `, style: { fg: RED, bold: true } },
        { text: `${sep}${parts.slice(1).join(sep)} `, style: DIM },
      ]
    : [{ text: ` ${parts.join(sep)} `, style: DIM }];
  if (s.notice) line.push({ text: `  ${s.notice}`, style: { fg: YELLOW } });
  return line;
}

function titleBar(left: string, right: string, cols: number): Line {
  // The key hints give way to what the screen shows; `? help` stays.
  const r = stringWidth(left) + stringWidth(right) + 4 <= cols ? ` ${right} ` : ' ? help ';
  const lw = Math.max(0, cols - stringWidth(r));
  return [{ text: fit(` ${left}`, lw) + (lw > 0 ? r : ''), style: BAR }];
}

// ---- the calls list ----

interface Col {
  title: string;
  width: number;
  right?: boolean;
}

function listColumns(cols: number): Col[] {
  const fixed: Col[] = [
    { title: 'Start', width: 8 },
    { title: 'From', width: 0 },
    { title: 'To', width: 0 },
    { title: 'State', width: 9 },
    { title: 'Code', width: 4, right: true },
    { title: 'PDD', width: 6, right: true },
    { title: 'Duration', width: 8, right: true },
    { title: 'Msgs', width: 5, right: true },
    { title: 'Diag', width: 4, right: true },
    { title: 'Media', width: 11 },
  ];
  // 2 cells for the selection mark, one space between columns.
  const used = 2 + fixed.reduce((a, c) => a + c.width, 0) + fixed.length - 1;
  const flex = Math.max(6, cols - used);
  fixed[1]!.width = Math.ceil(flex / 2);
  fixed[2]!.width = Math.floor(flex / 2);
  return fixed;
}

function cell(text: string, c: Col, g: Glyphs): string {
  const t = ellipsize(text, c.width, g === ASCII);
  return c.right ? ' '.repeat(Math.max(0, c.width - stringWidth(t))) + t : fit(t, c.width);
}

function mediaText(c: CallDto): string {
  if (!c.rtp) return c.type === 'call' ? '' : c.type;
  if (c.rtp === 'one-way') return c.rtpOneWay === 'reverse' ? 'one-way ←' : 'one-way →';
  if (c.rtpLoss && c.rtpLoss > 0 && c.rtp === 'two-way') return `loss ${c.rtpLoss}%`;
  return c.rtp;
}

function callRow(c: CallDto, cols: Col[], selected: boolean, g: Glyphs): Line {
  const values = [
    clock(c.start),
    party(c.fromUser, c.from),
    party(c.toUser, c.to),
    c.type === 'call' ? c.state : c.type,
    c.finalStatus === null ? '-' : String(c.finalStatus),
    c.pdd === null ? '-' : seconds(c.pdd),
    seconds(c.duration),
    String(c.messages),
    c.diagnostics ? String(c.diagnostics) : '',
    mediaText(c),
  ];
  const segs: Line = [
    { text: selected ? `${g.mark} ` : '  ', style: selected ? { fg: YELLOW, bold: true } : undefined },
  ];
  values.forEach((v, i) => {
    const text = cell(v, cols[i]!, g) + (i < values.length - 1 ? ' ' : '');
    let style: Style | undefined;
    if (i === 3) style = stateStyle(c.state);
    else if (i === 4 && c.finalStatus !== null)
      style = messageStyle({ kind: 'response', method: null, status: c.finalStatus });
    else if (i === 8 && c.diagnostics) style = { fg: RED };
    else if (i === 9 && (c.rtp === 'one-way' || c.rtp === 'no-media')) style = { fg: RED };
    segs.push(style ? { text, style } : { text });
  });
  return segs;
}

function problemsRow(s: TuiState, g: Glyphs): Line {
  const p = s.list.problems;
  if (p.length === 0)
    return [
      { text: 'Problems: ', style: TITLE },
      {
        text: s.summary.analysis < 1 && !s.summary.live ? `analysing${g === ASCII ? '...' : '…'}` : 'none',
        style: DIM,
      },
    ];
  const line: Line = [{ text: 'Problems: ', style: TITLE }];
  p.forEach((x, i) => {
    if (i > 0) line.push({ text: ` ${g.v} `, style: DIM });
    line.push({ text: x.code, style: severityStyle(x.severity) }, { text: ` ${x.calls}` });
  });
  return line;
}

function filterRow(s: TuiState): Line {
  if (s.input) {
    const t = s.input.text;
    const at = s.input.pos;
    const save = s.input.save;
    return [
      {
        text: save
          ? `Save ${save.length === 1 ? save[0] : `${save.length} calls`} as pcap: `
          : s.input.search
            ? 'Search messages: '
            : 'Filter: ',
        style: { bold: true, fg: YELLOW },
      },
      { text: t.slice(0, at) },
      { text: t[at] ?? ' ', style: { reverse: true } },
      { text: t.slice(at + 1) },
      {
        text: `   Enter ${save ? 'save' : s.input.search ? 'search' : 'apply'} · Esc cancel · Ctrl+U clear`,
        style: DIM,
      },
    ];
  }
  const f = s.list.filter;
  const e = s.list.filterError;
  if (!f)
    return [
      { text: 'Filter: ', style: TITLE },
      { text: '(none: / or F to filter)', style: DIM },
    ];
  if (e) {
    const c = Math.max(0, Math.min(f.length, e.column - 1));
    return [
      { text: 'Filter: ', style: TITLE },
      { text: f.slice(0, c) },
      { text: f[c] ?? ' ', style: { reverse: true, fg: RED } },
      { text: f.slice(c + 1) },
      { text: `  error at column ${e.column}: ${e.message}`, style: { fg: RED, bold: true } },
    ];
  }
  return [
    { text: 'Filter: ', style: TITLE },
    { text: f, style: { fg: GREEN } },
    { text: `  ${s.list.total} calls`, style: DIM },
  ];
}

function renderList(s: TuiState, size: Size, g: Glyphs): Line[] {
  const cols = listColumns(size.cols);
  const out: Line[] = [];
  const sel = s.list.selected.length;
  out.push(
    titleBar(
      `sipscope ${g.v} calls ${s.list.total ? s.list.cursor + 1 : 0}/${s.list.total}${sel ? ` ${g.v} ${sel} selected` : ''}`,
      'Enter flow  / filter  < > s sort  Space select  ? help  q quit',
      size.cols,
    ),
  );
  out.push(problemsRow(s, g));
  out.push(filterRow(s));
  const head: Line = [{ text: '  ' }];
  cols.forEach((c, i) => {
    const sorted = LIST_COLUMNS[i]!.sort === s.list.sort;
    const title = sorted ? `${LIST_COLUMNS[i]!.title}${s.list.desc ? g.down : g.up}` : LIST_COLUMNS[i]!.title;
    head.push({
      text: cell(title, c, g) + (i < cols.length - 1 ? ' ' : ''),
      style: sorted ? { bold: true, underline: true, fg: YELLOW } : { bold: true, underline: true },
    });
  });
  out.push(head);
  const n = listBodyRows(size);
  for (let k = 0; k < n; k++) {
    const i = s.list.top + k;
    if (i >= s.list.total) {
      out.push([]);
      continue;
    }
    const c = s.list.rows[i - s.list.rowsOffset];
    if (!c) {
      out.push([{ text: g === ASCII ? '  ...' : '  …', style: DIM }]);
      continue;
    }
    const row = callRow(c, cols, s.list.selected.includes(c.id), g);
    out.push(
      i === s.list.cursor
        ? [
            {
              text: fitLine(row, size.cols)
                .map((x) => x.text)
                .join(''),
              style: BAR,
            },
          ]
        : row,
    );
  }
  if (s.list.total === 0)
    out[LIST_CHROME_TOP] = [
      {
        text:
          s.summary.reading !== null
            ? '  reading...'
            : s.summary.live
              ? '  waiting for SIP messages...'
              : s.list.filter
                ? '  no call matches the filter'
                : '  no calls',
        style: DIM,
      },
    ];
  out.push(statusLine(s, g));
  return out;
}

// ---- the call flow ----

function verdictLine(f: FlowState, g: Glyphs): Line {
  const c = f.call;
  if (!c) return [{ text: `Calls ${f.calls.join(' + ')} merged`, style: TITLE }];
  const line: Line = [
    ...(f.partial
      ? [
          { text: 'still reading: this call so far', style: { fg: YELLOW, bold: true } },
          { text: ` ${g.v} `, style: DIM },
        ]
      : []),
    { text: c.type === 'call' ? c.state : c.type, style: { ...stateStyle(c.state), bold: true } },
  ];
  const add = (t: string, style?: Style): void => {
    line.push({ text: ` ${g.v} `, style: DIM });
    line.push(style ? { text: t, style } : { text: t });
  };
  if (c.finalStatus !== null)
    add(String(c.finalStatus), messageStyle({ kind: 'response', method: null, status: c.finalStatus }));
  if (c.pdd !== null) add(`PDD ${seconds(c.pdd)}`);
  if (c.duration !== null) add(`duration ${seconds(c.duration)}`);
  add(`${c.messages} msgs`);
  if (c.legs > 1) add(`${c.legs} legs`);
  if (c.rtp)
    add(
      `RTP ${mediaText(c)}`,
      c.rtp === 'two-way'
        ? { fg: GREEN }
        : c.rtp === 'one-way' || c.rtp === 'no-media'
          ? { fg: RED }
          : undefined,
    );
  if (c.codecs.length) add(c.codecs.join(' '));
  add(`${c.diagnostics} diagnostics`, c.diagnostics ? { fg: RED } : DIM);
  return line;
}

function ladderLines(f: FlowState, rows: number, cols: number): Line[] {
  const out: Line[] = [];
  const view = (t: string): string => truncate(t.slice(f.left), cols);
  for (let i = 0; i < Math.min(f.header, rows); i++)
    out.push([{ text: view(f.lines[i] ?? ''), style: TITLE }]);
  for (let k = 0; out.length < rows; k++) {
    const i = f.top + k;
    if (i >= f.rows.length) {
      out.push([]);
      continue;
    }
    const text = view(f.lines[f.header + i] ?? '');
    const style = messageStyle(f.rows[i]!);
    out.push(
      i === f.cursor ? [{ text: fit(text, cols), style: { ...style, reverse: true } }] : [{ text, style }],
    );
  }
  return out;
}

/** Lines cut to `width` cells, long ones wrapped. */
function wrap(text: string, width: number): string[] {
  if (width <= 0) return [''];
  const out: string[] = [];
  let rest = printable(text);
  while (stringWidth(rest) > width) {
    const head = truncate(rest, width);
    out.push(head);
    rest = rest.slice(head.length);
  }
  out.push(rest);
  return out;
}

function diagLines(d: MessageDetail): Line[] {
  if (d.diagnostics.length === 0) return [];
  const out: Line[] = d.diagnostics.map((x) => [
    {
      text: `${x.severity === 'error' ? 'E' : x.severity === 'warning' ? 'W' : 'i'} ${x.code}`,
      style: severityStyle(x.severity),
    },
    { text: `  ${x.message}` },
    ...(x.rfc ? [{ text: `  (RFC ${x.rfc})`, style: DIM }] : []),
  ]);
  out.push([]);
  return out;
}

/** Headers and Path tabs: the diagnostics' codes on one line (the Raw tab tells them in full). */
function diagSummary(d: MessageDetail, out: Line[]): void {
  if (d.diagnostics.length === 0) return;
  const line: Line = [{ text: `${d.diagnostics.length} diagnostics: `, style: DIM }];
  d.diagnostics.forEach((x, i) =>
    line.push({ text: `${i ? ', ' : ''}${x.code}`, style: severityStyle(x.severity) }),
  );
  out.push(line);
}

function paneContent(f: FlowState, g: Glyphs): Line[] {
  const d = f.detail;
  if (f.error) return [[{ text: f.error, style: { fg: RED } }]];
  if (!d) return [[{ text: f.rows.length ? 'reading the message...' : 'reading the call...', style: DIM }]];
  const out: Line[] = [];
  const r = d.row;
  out.push([
    { text: `#${r.id} frame ${r.frame} `, style: DIM },
    { text: `${r.src} ${g.arrow} ${r.dst} ${r.transport}`, style: TITLE },
    { text: `  ${d.bytes} bytes${r.retransmission ? '  retransmission' : ''}`, style: DIM },
  ]);
  if (f.tab === 'raw') {
    out.push(...diagLines(d));
    const style = messageStyle(r);
    d.text.split(/\r?\n/).forEach((t, i) => out.push(i === 0 ? [{ text: t, style }] : [{ text: t }]));
    return out;
  }
  if (f.tab === 'headers') {
    const m =
      r.kind === 'request' && r.method
        ? methodMeaning(r.method)
        : r.status
          ? statusMeaning(r.status, r.cseqMethod)
          : null;
    diagSummary(d, out);
    const first = d.text.split(/\r?\n/, 1)[0] ?? '';
    out.push([{ text: first, style: messageStyle(r) }]);
    if (m) out.push([{ text: `  ${m.explain} (RFC ${m.rfc})`, style: DIM }]);
    for (const h of d.headers) {
      out.push([{ text: `${h.name}: `, style: TITLE }, { text: h.value }]);
      if (h.info)
        out.push([{ text: `  ${h.info.title}: ${h.info.explain} (RFC ${h.info.rfc})`, style: DIM }]);
      if (h.note) out.push([{ text: `  ${h.note}`, style: { fg: CYAN } }]);
      if (h.canonical === 'content-type') {
        const b = bodyMeaning(h.value);
        if (b) out.push([{ text: `  ${b.explain} (RFC ${b.rfc})`, style: DIM }]);
      }
    }
    return out;
  }
  diagSummary(d, out);
  const p = d.path;
  if (!p) {
    out.push([{ text: 'no path: this message has no Via', style: DIM }]);
    return out;
  }
  out.push([{ text: 'Via (top first)', style: TITLE }]);
  for (const v of p.via)
    out.push([
      {
        text: `  ${v.transport} ${v.sentBy}${v.branch ? ` branch=${v.branch}` : ''}${v.received ? ` received=${v.received}` : ''}${v.rport ? ` rport=${v.rport}` : ''}`,
      },
    ]);
  if (p.route.length) {
    out.push([{ text: 'Route', style: TITLE }]);
    for (const x of p.route) out.push([{ text: `  ${x.uri}${x.loose ? ' ;lr' : ' (strict)'}` }]);
  }
  if (p.recordRoute.length) {
    out.push([{ text: 'Record-Route', style: TITLE }]);
    for (const x of p.recordRoute) out.push([{ text: `  ${x.uri}${x.loose ? ' ;lr' : ''}` }]);
  }
  if (p.hop) {
    out.push([{ text: `Hops: ${p.hop.label}`, style: TITLE }]);
    for (const c of p.hop.copies) out.push([{ text: `  #${c.id} ${c.src} ${g.arrow} ${c.dst}` }]);
    for (const st of p.hop.steps) {
      out.push([{ text: `  at ${st.element} (#${st.from} ${g.arrow} #${st.to})`, style: { fg: CYAN } }]);
      for (const ch of st.changes)
        out.push([{ text: `    ${ch.kind}: ${ch.before ?? '(none)'} ${g.arrow} ${ch.after ?? '(none)'}` }]);
    }
  }
  if (p.dialog) {
    out.push([{ text: `Dialog ${p.dialog.id} (${p.dialog.state})`, style: TITLE }]);
    out.push([{ text: `  caller's route set: ${p.dialog.routeSet.caller.join(', ') || '(empty)'}` }]);
    out.push([{ text: `  callee's route set: ${p.dialog.routeSet.callee.join(', ') || '(empty)'}` }]);
  }
  return out;
}

function paneLines(f: FlowState, rows: number, cols: number, g: Glyphs): Line[] {
  const tabs: Line = [];
  (['raw', 'headers', 'path'] as const).forEach((t, i) => {
    const name = t === 'raw' ? 'Raw' : t === 'headers' ? 'Headers explained' : 'Path';
    if (i > 0) tabs.push({ text: ' ' });
    tabs.push({ text: ` ${name} `, style: t === f.tab ? { reverse: true, bold: true } : DIM });
  });
  tabs.push({ text: '  Tab switch · PgUp/PgDn scroll', style: DIM });
  const body: Line[] = [];
  for (const l of paneContent(f, g)) {
    // Wrap a line made of segments: plain lines wrap; styled runs are cut per segment.
    const text = l.map((s) => s.text).join('');
    if (stringWidth(text) <= cols) body.push(l);
    else {
      const style = l.length === 1 ? l[0]!.style : undefined;
      for (const w of wrap(text, cols)) body.push(style ? [{ text: w, style }] : [{ text: w }]);
    }
  }
  const top = Math.max(0, Math.min(f.paneTop, Math.max(0, body.length - (rows - 1))));
  const out: Line[] = [tabs, ...body.slice(top, top + rows - 1)];
  while (out.length < rows) out.push([]);
  return out;
}

function renderFlow(s: TuiState, size: Size, g: Glyphs): Line[] {
  const f = s.flow!;
  const who = f.call
    ? `${party(f.call.fromUser, f.call.from)} ${g.arrow} ${party(f.call.toUser, f.call.to)}`
    : '';
  const out: Line[] = [
    titleBar(
      `Call ${f.calls.join(' + ')}${who ? `  ${who}` : ''}  ${g.v} message ${f.rows.length ? f.cursor + 1 : 0}/${f.rows.length}`,
      '↑↓ message  ←→ scroll  Tab view  q back  ? help  x quit'
        .replace('↑↓', g === ASCII ? 'Up/Dn' : '↑↓')
        .replace('←→', g === ASCII ? 'Lt/Rt' : '←→'),
      size.cols,
    ),
    verdictLine(f, g),
  ];
  const { ladderRows, paneRows, ladderCols } = flowLayout(size);
  if (flowSideBySide(size)) {
    const paneCols = size.cols - ladderCols - 1;
    const left = ladderLines(f, ladderRows, ladderCols);
    const right = paneLines(f, paneRows, paneCols, g);
    for (let i = 0; i < ladderRows; i++)
      out.push([...fitLine(left[i] ?? [], ladderCols), { text: g.v, style: DIM }, ...(right[i] ?? [])]);
  } else {
    out.push(...ladderLines(f, ladderRows, size.cols));
    out.push([{ text: g.h.repeat(size.cols), style: DIM }]);
    out.push(...paneLines(f, paneRows, size.cols, g));
  }
  out.push(statusLine(s, g));
  return out;
}

// ---- help ----

export const HELP: readonly (readonly [string, string])[] = [
  ['Calls list', ''],
  ['↑ ↓ j k PgUp PgDn g G', 'move (Home/End: first/last)'],
  ['Enter', 'call flow (of the selected calls: merged)'],
  ['Space', 'select a call (B2BUA legs side by side)'],
  ['F2', 'save the call (or the selected calls) as pcap'],
  ['F3', 'search messages: the calls with a message holding a text'],
  ['/ F', 'filter, e.g. call.state == "failed"'],
  ['< >', 'sort by the previous / next column'],
  ['s z', 'reverse the sort order'],
  ['Esc', 'clear the selection'],
  ['q x Ctrl+C', 'quit'],
  ['Call flow', ''],
  ['↑ ↓ j k g G', 'select a message'],
  ['Ctrl+F Ctrl+B', 'a page of messages down / up'],
  ['Tab', 'raw / headers explained / path'],
  ['PgUp PgDn K J', 'scroll the message'],
  ['← → h l', 'scroll the ladder sideways'],
  ['Esc q', 'back to the calls list'],
  ['x Ctrl+C', 'quit'],
  ['Anywhere', ''],
  ['? F1', 'this help (any key closes it)'],
];

function renderHelp(s: TuiState, size: Size, g: Glyphs): Line[] {
  const out: Line[] = [titleBar('sipscope tui: keys', 'any key closes', size.cols)];
  for (const [k, v] of HELP) {
    if (!v) out.push([], [{ text: k, style: { bold: true, underline: true } }]);
    else
      out.push([
        {
          text: `  ${fit(g === ASCII ? k.replace(/↑ ↓/g, 'Up Down').replace(/← →/g, 'Left Right') : k, 24)}`,
          style: { fg: YELLOW },
        },
        { text: v },
      ]);
  }
  out.push([]);
  out.push([
    {
      text: 'Colours: requests by method; 1xx yellow, 2xx green, 3xx cyan, 4xx-6xx red (--no-color, NO_COLOR: none).',
      style: DIM,
    },
  ]);
  const lines = out.slice(0, size.rows - 1);
  while (lines.length < size.rows - 1) lines.push([]);
  lines.push(statusLine(s, g));
  return lines;
}

/** The screen: exactly `size.rows` lines, each exactly `size.cols` cells. */
export function render(s: TuiState, size: Size, o: RenderOptions): Line[] {
  const g = o.ascii ? ASCII : UNICODE;
  const lines =
    s.view === 'help'
      ? renderHelp(s, size, g)
      : s.view === 'flow' && s.flow
        ? renderFlow(s, size, g)
        : renderList(s, size, g);
  const out = lines.slice(0, size.rows).map((l) => fitLine(l, size.cols));
  while (out.length < size.rows) out.push(fitLine([], size.cols));
  return out;
}

export type { Seg };
