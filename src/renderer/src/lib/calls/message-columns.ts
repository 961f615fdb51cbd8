/**
 * Columns of the messages list and which of them the pane has room for. A narrow pane (a 1280 px
 * laptop screen next to the calls list) drops the columns a reader needs least first — Proto (the
 * inspector says it), then Frame, then # — rather than cutting the last ones (CSeq) off behind a
 * sideways scroll; the list's header names what it dropped. Narrower still, the table scrolls sideways.
 */

export type MessageColumnId = 'id' | 'frame' | 'time' | 'src' | 'dst' | 'proto' | 'message' | 'cseq';

export interface MessageColumn {
  id: MessageColumnId;
  label: string;
  /** Width in px (a flexible column's least width). */
  width: number;
  /** Share of the room left over (flexible columns: addresses and the message). */
  fr?: number;
  /** When the pane is too narrow: dropped in this order (1 first); absent: always shown. */
  drop?: number;
}

/** Widths in px of the cells' text: 12 px tabular digits, 6 px padding a side. */
const DIGIT = 7.3;
const PAD = 12;
/** The pinned message's mark before its number (PinIcon and its gap). */
const PIN = 15;

/** The CSeq column's width: a number and a method (`102 INVITE` is cut to fit). */
export const CSEQ_WIDTH = 80;

/**
 * The columns for a capture of `messages` messages and `frames` frames: # and Frame as wide as their
 * largest number (a seven-digit frame of a 1 GB capture whole, a two-digit one without wasted room).
 */
export function messageColumnSet(messages: number, frames: number): MessageColumn[] {
  const digits = (n: number): number => String(Math.max(0, n - 1)).length;
  return [
    { id: 'id', label: '#', width: Math.max(40, Math.ceil(PAD + PIN + DIGIT * digits(messages))), drop: 3 },
    // ("Frame" in the header's 600 weight takes 54.x px with its padding: 56, or it ends in an ellipsis)
    {
      id: 'frame',
      label: 'Frame',
      width: Math.max(56, Math.ceil(PAD + DIGIT * String(frames).length)),
      drop: 2,
    },
    // HH:MM:SS.mmmmmm in 12 px monospace
    { id: 'time', label: 'Time', width: 120 },
    // a loopback address with its port, 127.0.0.10:5060 (longer ones clip; they widen with the pane)
    { id: 'src', label: 'Source', width: 121, fr: 1 },
    { id: 'dst', label: 'Destination', width: 121, fr: 1 },
    { id: 'proto', label: 'Proto', width: 50, drop: 1 },
    { id: 'message', label: 'Message', width: 122, fr: 1.4 },
    { id: 'cseq', label: 'CSeq', width: CSEQ_WIDTH },
  ];
}

/** The least width of a table of these columns. */
export function messagesMinWidth(columns: readonly MessageColumn[]): number {
  return columns.reduce((n, c) => n + c.width, 0);
}

/** CSS grid-template-columns: fixed widths, the flexible columns share what is left. */
export function messagesGrid(columns: readonly MessageColumn[]): string {
  return columns.map((c) => (c.fr ? `minmax(${c.width}px, ${c.fr}fr)` : `${c.width}px`)).join(' ');
}

/**
 * The columns that fit in `room` px (the pane's width less a scrollbar), dropping them in their
 * `drop` order until the rest fit or none is left to drop; `room` 0 (not laid out yet): all of them.
 */
export function fitMessageColumns(
  columns: readonly MessageColumn[],
  room: number,
): { shown: MessageColumn[]; hidden: MessageColumn[] } {
  let shown = [...columns];
  const hidden: MessageColumn[] = [];
  if (room <= 0) return { shown, hidden };
  const order = columns.filter((c) => c.drop !== undefined).sort((a, b) => a.drop! - b.drop!);
  for (const c of order) {
    if (messagesMinWidth(shown) <= room) break;
    shown = shown.filter((x) => x !== c);
    hidden.push(c);
  }
  return { shown, hidden };
}
