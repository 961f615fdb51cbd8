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

/**
 * {@link fitLabel}, but a cut falls after a whole word when that keeps at least half of what fits
 * ("100 trying -- your…", not "100 trying -- your c…"): the on-screen ladder, whose arrows' names
 * begin with their whole text, so the words shown are words of the name.
 */
export function fitLabelWords(text: string, px: number, charPx = 7.2): string {
  const fitted = fitLabel(text, px, charPx);
  if (fitted === text) return fitted;
  const kept = fitted.slice(0, -1);
  if (!/[\p{L}\p{N}]$/u.test(kept) || !/^[\p{L}\p{N}]/u.test(text.slice(kept.length))) return fitted;
  const end = kept.search(/[^\p{L}\p{N}][\p{L}\p{N}]*$/u);
  return end >= kept.length / 2 ? `${kept.slice(0, end).trimEnd()}…` : fitted;
}
