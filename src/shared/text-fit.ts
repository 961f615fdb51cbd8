/**
 * Labels shortened to a width, for the ladder on screen (src/renderer) and in its SVG export
 * (src/sip-core/analysis/ladder/render.ts): one rule, so a lane reads the same in both.
 */

/**
 * `text` shortened to fit `px` pixels of monospace text of `charPx` pixels a character, keeping its
 * end (the port of an address) after an ellipsis.
 */
export function fitText(text: string, px: number, charPx = 7): string {
  const max = Math.max(2, Math.floor(px / charPx));
  return text.length <= max ? text : `…${text.slice(text.length - (max - 1))}`;
}

/** `text` shortened to `px` pixels keeping its start (an arrow label: "100 trying -- yo…"). */
export function fitLabel(text: string, px: number, charPx = 7.2): string {
  const max = Math.max(4, Math.floor(px / charPx));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
