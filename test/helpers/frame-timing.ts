/**
 * Frame timing of a scrolled element, measured in the page with requestAnimationFrame (the UI
 * benchmark and the ladder e2e use it). In-page code is passed as text: tsx's transform adds
 * helpers (`__name`) that do not exist in the page, so functions are not passed to page.evaluate.
 * Call as `(${SCROLL_JS})({ sel, frames, step, maxMs, placeholder? })`; bounded by frames and maxMs.
 */
export interface ScrollResult {
  frames: number;
  ms: number;
  fps: number;
  p95FrameMs: number;
  worstFrameMs: number;
  /** Frames in which some visible row was still a placeholder (its page not loaded yet). */
  placeholderFrames: number;
  scrolledPx: number;
}

export const SCROLL_JS = `async ({ sel, frames, step, maxMs, placeholder }) => {
  const start = document.querySelector(sel);
  if (!start) throw new Error('no element ' + sel);
  let el = start;
  while (el && !(el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
  if (!el) throw new Error('nothing scrolls around ' + sel);
  const top0 = el.scrollTop;
  const times = [];
  let placeholders = 0;
  await new Promise((done) => {
    const t0 = performance.now();
    const tick = (t) => {
      times.push(t);
      if (placeholder && el.querySelector(placeholder)) placeholders++;
      if (times.length > frames || t - t0 > maxMs) return done();
      el.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const d = [];
  for (let i = 1; i < times.length; i++) d.push(times[i] - times[i - 1]);
  d.sort((a, b) => a - b);
  const ms = times[times.length - 1] - times[0];
  return { frames: d.length, ms, fps: (d.length * 1000) / ms, p95FrameMs: d[Math.floor(d.length * 0.95)] ?? 0,
    worstFrameMs: d[d.length - 1] ?? 0, placeholderFrames: placeholders, scrolledPx: el.scrollTop - top0 };
}`;
