/**
 * Terminal cells: how wide a string prints (East-Asian wide and emoji: 2 cells; combining marks and
 * zero-width characters: 0), fitting text into a number of cells, and lines made of styled segments
 * that serialize to ANSI SGR (or to plain text without colour).
 */

/** A style: foreground colour (ANSI 0–7, bright +8), bold, reverse, dim. */
export interface Style {
  fg?: number;
  bold?: boolean;
  reverse?: boolean;
  dim?: boolean;
  underline?: boolean;
}

/** One run of text in one style. */
export interface Seg {
  text: string;
  style?: Style;
}

export type Line = Seg[];

/** Cells a code point takes: 0 (combining, zero width, control), 2 (wide) or 1. */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) || // combining diacritics
    (cp >= 0x200b && cp <= 0x200f) || // zero width space, joiners, marks
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  )
    return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // kana, CJK symbols
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK unified ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // full-width forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // emoji
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Cells `s` takes on a terminal. */
export function stringWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += codePointWidth(ch.codePointAt(0)!);
  return w;
}

/** `s` cut to at most `width` cells (a wide character that would straddle the edge is dropped). */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  let w = 0;
  let out = '';
  for (const ch of s) {
    const cw = codePointWidth(ch.codePointAt(0)!);
    if (w + cw > width) break;
    out += ch;
    w += cw;
  }
  return out;
}

/** `s` cut or padded with spaces to exactly `width` cells. */
export function fit(s: string, width: number): string {
  const t = truncate(s, width);
  return t + ' '.repeat(Math.max(0, width - stringWidth(t)));
}

/** `s` cut to `width` cells with `…` (or `~` in ASCII) where it was cut. */
export function ellipsize(s: string, width: number, ascii = false): string {
  if (stringWidth(s) <= width) return s;
  if (width <= 1) return truncate(s, width);
  return truncate(s, width - 1) + (ascii ? '~' : '…');
}

/** Control characters (a message's tabs, a raw byte) shown as one visible cell each. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return s.replace(/\t/g, '  ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '·');
}

/** Segments cut to `width` cells and padded with spaces (in the last segment's style) to fill it. */
export function fitLine(line: Line, width: number): Line {
  const out: Line = [];
  let left = width;
  for (const s of line) {
    if (left <= 0) break;
    const t = truncate(s.text, left);
    if (t.length > 0) out.push(s.style ? { text: t, style: s.style } : { text: t });
    left -= stringWidth(t);
  }
  if (left > 0) {
    const last = out[out.length - 1];
    const pad = ' '.repeat(left);
    if (last?.style?.reverse) last.text += pad;
    else out.push({ text: pad });
  }
  return out;
}

function sgr(st: Style | undefined): string {
  if (!st) return '';
  const p: number[] = [];
  if (st.bold) p.push(1);
  if (st.dim) p.push(2);
  if (st.underline) p.push(4);
  if (st.reverse) p.push(7);
  if (st.fg !== undefined) p.push(st.fg >= 8 ? 90 + st.fg - 8 : 30 + st.fg);
  return p.length ? `\x1b[${p.join(';')}m` : '';
}

/**
 * One screen line as the terminal receives it: styles as SGR when `color` (reverse video is kept
 * without colour: it is the cursor), the unstyled blanks at the end left to an erase-to-end-of-line.
 */
export function serializeLine(line: Line, color: boolean): string {
  let out = '';
  const segs = [...line];
  // Trailing plain blanks: the caller's erase-in-line clears them for fewer bytes.
  while (segs.length > 0) {
    const last = segs[segs.length - 1]!;
    if (last.style?.reverse || last.style?.underline) break;
    const trimmed = last.text.replace(/ +$/, '');
    if (trimmed.length === last.text.length) break;
    segs.pop();
    if (trimmed.length > 0) {
      segs.push(last.style ? { text: trimmed, style: last.style } : { text: trimmed });
      break;
    }
  }
  for (const s of segs) {
    const st: Style | undefined = color
      ? s.style
      : s.style?.reverse
        ? { reverse: true }
        : s.style?.underline
          ? { underline: true }
          : undefined;
    const code = sgr(st);
    out += code ? `${code}${s.text}\x1b[0m` : s.text;
  }
  return out;
}

/** The plain text of a line (tests, snapshots). */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}
